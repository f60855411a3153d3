/**
 * The wasm backend's element-wise primitives. Staging copies every operand into the module's memory and the result
 * back out, which for a memory-bound op could cost more than the op itself; so each primitive runs in the module
 * only where that measured faster than the JavaScript loop of eltwise-ts.ts (see STAGED), and in JavaScript
 * otherwise.
 */
import type { EltwiseOps, UnaryOp } from './contract.js';
import { BINARY_CODES, binaryGeometry, REDUCE_CODES, UNARY_CODES } from './eltwise-codes.js';
import { tsEltwise } from './eltwise-ts.js';

export interface EltwiseExports {
  cl_binary(op: number, geom: number, a: number, b: number, y: number): void;
  cl_unary(op: number, n: number, x: number, y: number, alpha: number, beta: number): void;
  cl_unary_backward(
    op: number,
    n: number,
    g: number,
    x: number,
    y: number,
    gx: number,
    a: number,
    b: number,
  ): void;
  cl_reduce(op: number, outer: number, n: number, inner: number, x: number, y: number, index: number): void;
  cl_softmax(log: number, outer: number, n: number, inner: number, x: number, y: number): void;
  cl_softmax_backward(
    log: number,
    outer: number,
    n: number,
    inner: number,
    g: number,
    y: number,
    gx: number,
  ): void;
}

/** What these primitives need of wasm.ts's Core. */
interface Staging {
  readonly ex: EltwiseExports;
  stage(arrays: (Float32Array | number | null)[]): number[];
  unstage(ptr: number, out: Float32Array): void;
}

/** Primitives ('binary', 'reduce', 'softmax', or 'unary:<op>') that run in the module; everything else, in JS. */
export type StagedPrimitive = 'binary' | 'reduce' | 'softmax' | `unary:${UnaryOp}`;

/**
 * Measured on 64×16×28×28 (802,816 floats), the JavaScript loop against the staged module call alternately in one
 * process, medians of 15, on a loaded 2-core Zen 3: add 10.5 vs 3.5 ms, bias add 7.3 vs 1.5, relu 2.3 vs 0.8, its
 * gradient 6.0 vs 1.8, sigmoid 35 vs 7.4, sum over (0,2,3) 1.15 vs 0.39, max along a dim 10.6 vs 7.3, softmax of
 * [6272, 128] 76 vs 12, and of [64, 10] 0.028 vs 0.016. Medians swing with the machine's load; the minima of 31
 * in a second run agree (add 1.9 vs 1.5 ms, relu 1.5 vs 0.9, sigmoid 19 vs 2.5, sum 1.0 vs 0.4). The copies cost
 * less than the JavaScript loops lose to the vector code, so every primitive with a C kernel is staged. The nll and the optimizer updates stay in JavaScript
 * (tiny here, and SGD/Adam would copy four arrays in and three out), as does pow (no C kernel).
 */
const STAGED = new Set<StagedPrimitive>([
  'binary',
  'reduce',
  'softmax',
  ...(['relu', 'leakyRelu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'abs', 'neg', 'clamp'] as const).map(
    (u) => `unary:${u}` as const,
  ),
]);
/** Below this many elements the call's fixed cost is most of the time either way; the JavaScript loop is kept. */
const MIN_STAGED = 512;

let staged = STAGED;
let minStaged = MIN_STAGED;

/**
 * Which primitives the wasm backend runs in the module, and from how many elements on (null: the measured default).
 * A tuning aid for bench/eltwise.mjs, and how the tests reach every C path of the module.
 */
export function setWasmStaged(set: Iterable<StagedPrimitive> | null, minElements = MIN_STAGED): void {
  staged = set === null ? STAGED : new Set(set);
  minStaged = set === null ? MIN_STAGED : minElements;
}

/** An Int32Array's bytes seen as floats: TypedArray.set between arrays of one type copies bytes unchanged. */
const bits = (a: Int32Array) => new Float32Array(a.buffer, a.byteOffset, a.length);

/** The floats of x that an [outer, n, inner] view or a map of `count` elements reads. */
const head = (x: Float32Array, count: number) => (x.length === count ? x : x.subarray(0, count));

export function wasmEltwise(core: Staging): EltwiseOps {
  const ex = core.ex;
  const geom = new Int32Array(25);
  return {
    ...tsEltwise,
    binary(op, shape, a, sa, b, sb, y) {
      const code = BINARY_CODES.get(op);
      if (code === undefined || !staged.has('binary') || y.length < minStaged)
        return tsEltwise.binary(op, shape, a, sa, b, sb, y);
      const [pg, pa, pb, py] = core.stage([bits(binaryGeometry(shape, sa, sb, geom)), a, b, y.length]);
      ex.cl_binary(code, pg!, pa!, pb!, py!);
      core.unstage(py!, y);
    },
    unary(op, x, y, alpha, beta) {
      if (!staged.has(`unary:${op}`) || y.length < minStaged) return tsEltwise.unary(op, x, y, alpha, beta);
      const [px, py] = core.stage([head(x, y.length), y.length]);
      ex.cl_unary(UNARY_CODES.get(op)!, y.length, px!, py!, alpha, beta);
      core.unstage(py!, y);
    },
    unaryBackward(op, g, x, y, gx, alpha, beta) {
      const n = gx.length;
      if (!staged.has(`unary:${op}`) || n < minStaged)
        return tsEltwise.unaryBackward(op, g, x, y, gx, alpha, beta);
      // Only the operand the rule reads is copied (contract.ts: relu, leakyRelu, abs, log, clamp read x).
      const fromX = op === 'relu' || op === 'leakyRelu' || op === 'abs' || op === 'log' || op === 'clamp';
      const [pg, px, py, pgx] = core.stage([
        head(g, n),
        fromX ? head(x, n) : null,
        fromX ? null : head(y, n),
        n,
      ]);
      ex.cl_unary_backward(UNARY_CODES.get(op)!, n, pg!, px!, py!, pgx!, alpha, beta);
      core.unstage(pgx!, gx);
    },
    reduce(op, outer, n, inner, x, y, index) {
      const all = outer * n * inner;
      if (!staged.has('reduce') || all < minStaged) return tsEltwise.reduce(op, outer, n, inner, x, y, index);
      const [px, py, pi] = core.stage([head(x, all), outer * inner, index === null ? null : outer * inner]);
      ex.cl_reduce(REDUCE_CODES.get(op)!, outer, n, inner, px!, py!, pi!);
      core.unstage(py!, head(y, outer * inner));
      if (index !== null) core.unstage(pi!, bits(index.subarray(0, outer * inner)));
    },
    softmax(log, outer, n, inner, x, y) {
      const all = outer * n * inner;
      if (!staged.has('softmax') || all < minStaged) return tsEltwise.softmax(log, outer, n, inner, x, y);
      const [px, py] = core.stage([head(x, all), all]);
      ex.cl_softmax(log ? 1 : 0, outer, n, inner, px!, py!);
      core.unstage(py!, head(y, all));
    },
    softmaxBackward(log, outer, n, inner, g, y, gx) {
      const all = outer * n * inner;
      if (!staged.has('softmax') || all < minStaged)
        return tsEltwise.softmaxBackward(log, outer, n, inner, g, y, gx);
      const [pg, py, pgx] = core.stage([head(g, all), head(y, all), all]);
      ex.cl_softmax_backward(log ? 1 : 0, outer, n, inner, pg!, py!, pgx!);
      core.unstage(pgx!, head(gx, all));
    },
  };
}
