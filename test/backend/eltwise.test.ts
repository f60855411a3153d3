/**
 * Every element-wise primitive on every backend against the ts reference (src/backend/eltwise-ts.ts): the vector
 * bodies and tails of the C kernels (sizes around multiples of 8), sizes that split across threads, special values
 * (NaN, ±∞, ±0, subnormals), and the wasm module's C paths too (staged for every primitive and size).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, BinaryOp, UnaryOp } from '../../src/backend/contract.js';
import { tsEltwise } from '../../src/backend/eltwise-ts.js';
import { setWasmStaged, type StagedPrimitive } from '../../src/backend/eltwise-wasm.js';
import { availableBackends, setBackend, getBackend } from '../../src/backend/index.js';

const UNARY: UnaryOp[] = [
  'relu',
  'leakyRelu',
  'sigmoid',
  'tanh',
  'exp',
  'log',
  'sqrt',
  'abs',
  'neg',
  'clamp',
];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow'];
const ALL_STAGED: StagedPrimitive[] = [
  'binary',
  'reduce',
  'softmax',
  ...UNARY.map((u) => `unary:${u}` as const),
];
/** Sizes at the edges of the 8-lane vectors, and one that splits into tasks (1 Mi elements each, or ½ Mi). */
const SIZES = [1, 7, 8, 9, 63, 65, 1000, 2_100_003];

/** A seeded pseudo-random array (mulberry32) with values of scale `scale`. */
function fill(n: number, seed: number, scale = 3): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1e-40,
  -1e-40,
  1e-30,
  88.7,
  89,
  -87,
  -104,
  1e-6,
  -1e-6,
  0.62,
  20,
];

/** Each element within rel·|expected| (+ abs), NaN where expected is NaN, equal infinities. */
function expectClose(actual: Float32Array, expected: Float32Array, rel: number, abs = 0, what = ''): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e)) expect(`${what}[${i}] = ${a}`).toBe(`${what}[${i}] = ${e}`);
    } else if (!(Math.abs(a - e) <= rel * Math.abs(e) + abs)) {
      expect(`${what}[${i}] = ${a}`).toBe(`${what}[${i}] = ${e} (±${rel * Math.abs(e) + abs})`);
    }
  }
}

/** Backends under test: native, wasm as shipped, and wasm with every primitive run in the module. */
function variants(): [string, () => Backend, () => void][] {
  const out: [string, () => Backend, () => void][] = [];
  for (const name of availableBackends()) {
    if (name === 'ts') continue;
    out.push([name, () => setBackend(name), () => {}]);
    if (name === 'wasm')
      out.push([
        'wasm (every primitive in the module)',
        () => {
          setWasmStaged(ALL_STAGED, 0);
          return setBackend('wasm');
        },
        () => setWasmStaged(null),
      ]);
  }
  return out;
}

const initial = getBackend().name;
afterAll(() => setBackend(initial));

describe.each(variants())('%s', (_name, enter, leave) => {
  const run = <T>(fn: (b: Backend) => T): T => {
    try {
      return fn(enter());
    } finally {
      leave();
    }
  };

  it.each(UNARY)('unary %s and its gradient', (op) => {
    const [alpha, beta] = op === 'leakyRelu' ? [0.1, 0] : op === 'clamp' ? [-0.5, 2] : [0, 0];
    // Transcendentals: a few ulp of float32; leakyRelu's x·slope rounds once in float32 (twice in the reference,
    // which multiplies in double); the rest are exact.
    const rel = ['sigmoid', 'tanh', 'exp', 'log'].includes(op) ? 4e-7 : op === 'leakyRelu' ? 1.2e-7 : 0;
    for (const n of SIZES) {
      const x = fill(n, n + 1, op === 'log' || op === 'sqrt' ? 50 : 30);
      if (n >= SPECIAL.length) x.set(SPECIAL, n - SPECIAL.length);
      if (op === 'log' || op === 'sqrt') for (let i = 0; i < n; i += 3) x[i] = Math.abs(x[i]!);
      const want = new Float32Array(n);
      tsEltwise.unary(op, x, want, alpha, beta);
      const got = new Float32Array(n).fill(7);
      run((b) => b.unary(op, x, got, alpha, beta));
      expectClose(got, want, rel, 1e-45, `${op} n=${n}`);
      const g = fill(n, n + 2);
      const gWant = new Float32Array(n);
      tsEltwise.unaryBackward(op, g, x, want, gWant, alpha, beta);
      const gGot = new Float32Array(n).fill(7);
      run((b) => b.unaryBackward(op, g, x, want, gGot, alpha, beta));
      // Gradients such as g·(1 − y²) cancel near saturation: float32 arithmetic is good to an ulp of g (≤ 3).
      expectClose(gGot, gWant, 3e-7, 4e-7, `${op}' n=${n}`);
    }
  });

  it.each(BINARY)('binary %s over broadcast shapes', (op) => {
    // [shape, a strides, b strides]: contiguous, bias over channels, row and column vectors, scalars, 0 strides in
    // the last dim of both, and a strided (non-collapsible) operand.
    const cases: [number[], number[], number[]][] = [
      [[2_100_001], [1], [1]],
      [
        [3, 700_001],
        [700_001, 1],
        [0, 1],
      ],
      [
        [8, 16, 1000],
        [16_000, 1000, 1],
        [0, 1, 0],
      ],
      [
        [37, 13],
        [13, 1],
        [0, 1],
      ],
      [
        [37, 13],
        [0, 1],
        [1, 0],
      ],
      [[1000], [1], [0]],
      [[1000], [0], [1]],
      [
        [5, 9],
        [9, 1],
        [1, 0],
      ],
      [
        [3, 4, 5],
        [0, 0, 0],
        [20, 5, 1],
      ],
      [
        [2, 3, 4, 5, 6, 7, 2, 3],
        [5040, 1680, 420, 84, 14, 2, 1, 0],
        [0, 1, 3, 12, 60, 360, 0, 2520],
      ],
      [
        [6, 7],
        [7, 1],
        [1, 6],
      ],
    ];
    for (const [shape, sa, sb] of cases) {
      const n = shape.reduce((p, d) => p * d, 1);
      const reach = (s: number[]) => 1 + shape.reduce((p, d, i) => p + (d - 1) * s[i]!, 0);
      const a = op === 'pow' ? fill(reach(sa), 3, 2).map(Math.abs) : fill(reach(sa), 3);
      const b = fill(reach(sb), 4, op === 'pow' ? 2 : 3);
      if (op === 'maximum' || op === 'minimum') for (let i = 0; i < b.length; i += 5) b[i] = a[i % a.length]!;
      if (b.length > 4) b.set([NaN, Infinity, -0], 1);
      const want = new Float32Array(n);
      tsEltwise.binary(op, shape, a, sa, b, sb, want);
      const got = new Float32Array(n).fill(7);
      run((bk) => bk.binary(op, shape, a, sa, b, sb, got));
      expectClose(got, want, 0, 0, `${op} ${shape}`);
    }
  });

  it.each([
    [1, 300_001, 1],
    [1, 64, 40_000],
    [3_000, 700, 1],
    [1024, 784, 1],
    [64, 16, 784],
    [1, 64, 12_544],
    [3, 5, 7],
    [2, 1, 9],
    [1, 37, 1],
  ])('reduce sum / max / min over [%i, %i, %i]', (outer, n, inner) => {
    const x = fill(outer * n * inner, outer + n + inner);
    for (const op of ['sum', 'max', 'min'] as const) {
      const want = new Float32Array(outer * inner);
      const wantIdx = new Int32Array(outer * inner);
      tsEltwise.reduce(op, outer, n, inner, x, want, op === 'sum' ? null : wantIdx);
      const got = new Float32Array(outer * inner).fill(7);
      const idx = new Int32Array(outer * inner).fill(-1);
      run((b) => b.reduce(op, outer, n, inner, x, got, op === 'sum' ? null : idx));
      // A sum's rounding depends on its order: bounded by n·ε of the sum of magnitudes (3 per element here).
      expectClose(got, want, 0, op === 'sum' ? 3 * n * 3 * 2 ** -24 : 0, `${op}`);
      if (op !== 'sum') expect(Array.from(idx)).toEqual(Array.from(wantIdx));
    }
  });

  it('max and min: the first NaN wins, ties go to the first index', () => {
    const x = new Float32Array([1, 3, 3, NaN, 2, NaN, 5, 5, 0, -1, -1, -1]);
    for (const op of ['max', 'min'] as const) {
      const got = new Float32Array(4);
      const idx = new Int32Array(4);
      run((b) => b.reduce(op, 1, 3, 4, x, got, idx));
      const want = new Float32Array(4);
      const wantIdx = new Int32Array(4);
      tsEltwise.reduce(op, 1, 3, 4, x, want, wantIdx);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(idx)).toEqual(Array.from(wantIdx));
    }
  });

  it.each([
    [64, 10, 1],
    [3, 37, 1],
    [4, 6, 25],
    [1, 10, 200_000],
    [5000, 100, 1],
    [2, 3, 9],
  ])('softmax and logSoftmax over [%i, %i, %i], forward and backward', (outer, n, inner) => {
    const all = outer * n * inner;
    const x = fill(all, n, 8);
    const g = fill(all, n + 1);
    for (const log of [false, true]) {
      const want = new Float32Array(all);
      tsEltwise.softmax(log, outer, n, inner, x, want);
      const got = new Float32Array(all);
      run((b) => b.softmax(log, outer, n, inner, x, got));
      // z − log Σ rounds to an ulp of its larger term (|z| ≤ 40 here).
      expectClose(got, want, 2e-6, log ? 8e-6 : 1e-7, log ? 'logSoftmax' : 'softmax');
      const gWant = new Float32Array(all);
      tsEltwise.softmaxBackward(log, outer, n, inner, g, want, gWant);
      const gGot = new Float32Array(all);
      run((b) => b.softmaxBackward(log, outer, n, inner, g, want, gGot));
      expectClose(gGot, gWant, 2e-6, 1e-6, log ? "logSoftmax'" : "softmax'");
    }
  });

  it('nllLoss and its gradient', () => {
    const [n, c, inner] = [7, 5, 3];
    const logp = fill(n * c * inner, 9);
    const target = Float32Array.from({ length: n * inner }, (_, i) => (i * 7) % c);
    const y = new Float32Array(n * inner);
    run((b) => b.nllLoss(n, c, inner, logp, target, y));
    const yWant = new Float32Array(n * inner);
    tsEltwise.nllLoss(n, c, inner, logp, target, yWant);
    expect(Array.from(y)).toEqual(Array.from(yWant));
    const g = fill(n * inner, 10);
    const gx = new Float32Array(n * c * inner).fill(7);
    run((b) => b.nllLossBackward(n, c, inner, g, target, gx));
    const gxWant = new Float32Array(n * c * inner);
    tsEltwise.nllLossBackward(n, c, inner, g, target, gxWant);
    expect(Array.from(gx)).toEqual(Array.from(gxWant));
  });

  it('SGD and Adam steps give the bits of the ts loop', () => {
    const n = 1003;
    const sgd = [
      { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
      { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 1e-2, nesterov: false },
      { lr: 0.02, momentum: 0.8, dampening: 0, weightDecay: 5e-3, nesterov: true },
    ];
    for (const opts of sgd) {
      const [w, ww] = [fill(n, 1), fill(n, 1)];
      const [buf, bufW] = [new Float32Array(n), new Float32Array(n)];
      for (let t = 0; t < 3; t++) {
        const g = fill(n, 20 + t);
        const step = { ...opts, first: t === 0 };
        const useBuf = opts.momentum !== 0;
        run((b) => b.sgdStep(w, g, useBuf ? buf : null, step));
        tsEltwise.sgdStep(ww, g, useBuf ? bufW : null, step);
      }
      expect(Array.from(w)).toEqual(Array.from(ww));
      expect(Array.from(buf)).toEqual(Array.from(bufW));
    }
    const [w, m, v] = [fill(n, 2), new Float32Array(n), new Float32Array(n)];
    const [ww, mw, vw] = [fill(n, 2), new Float32Array(n), new Float32Array(n)];
    for (let t = 1; t <= 3; t++) {
      const g = fill(n, 30 + t);
      const step = { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2 };
      const s = { ...step, bias1: 1 - 0.8 ** t, bias2: 1 - 0.99 ** t };
      run((b) => b.adamStep(w, g, m, v, s));
      tsEltwise.adamStep(ww, g, mw, vw, s);
    }
    expect(Array.from(w)).toEqual(Array.from(ww));
    expect(Array.from(m)).toEqual(Array.from(mw));
    expect(Array.from(v)).toEqual(Array.from(vw));
  });
});
