/**
 * Element-wise ops: unary maps and binary ops with NumPy/PyTorch broadcasting.
 * Each backward rule is one line; the autograd walker sums broadcast gradients back to each parent's shape.
 */
import type { BinaryOp, UnaryOp } from '../backend/contract.js';
import { tsEltwise } from '../backend/eltwise-ts.js';
import { getBackend } from '../backend/index.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { uninitialized } from './storage.js';
import { fromOp, numel, stridesOf, Tensor, type TensorLike } from './tensor.js';

function asTensor(x: TensorLike): Tensor {
  return typeof x === 'number' ? new Tensor(new Float32Array([x]), []) : x;
}

/** The broadcast shape of a and b, or a ShapeError naming the op. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` seen inside the broadcast `out` shape: 0 where it is broadcast. */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(shape);
  const lead = out.length - shape.length;
  return out.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : s[i - lead]!));
}

/**
 * The fewest dims that walk the same elements: dims of size 1 dropped, and a dim merged into the next wherever
 * both operands step through the pair as through one dim (a [64,16,28,28] + [1,16,1,1] bias add is [64,16,784]).
 */
function collapse(shape: number[], sa: number[], sb: number[]): [number[], number[], number[]] {
  const dims: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && as[last] === sa[i]! * d && bs[last] === sb[i]! * d) {
      dims[last]! *= d;
      as[last] = sa[i]!;
      bs[last] = sb[i]!;
    } else {
      dims.push(d);
      as.push(sa[i]!);
      bs.push(sb[i]!);
    }
  });
  return dims.length === 0 ? [[1], [0], [0]] : [dims, as, bs];
}

/** The backend's primitives take at most this many dims; a broadcast that collapses to more runs in TypeScript. */
const MAX_DIMS = 8;

function binaryMap(op: BinaryOp, a: Tensor, b: Tensor): [Float32Array, number[]] {
  const same =
    a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && a.size === b.size;
  const shape = same ? [...a.shape] : broadcastShapes(op, a.shape, b.shape);
  const out = uninitialized(numel(shape));
  if (out.length === 0) return [out, shape];
  if (same) getBackend().binary(op, [out.length], a.data, [1], b.data, [1], out);
  else {
    const [dims, sa, sb] = collapse(
      shape,
      broadcastStrides(a.shape, shape),
      broadcastStrides(b.shape, shape),
    );
    (dims.length > MAX_DIMS ? tsEltwise : getBackend()).binary(op, dims, a.data, sa, b.data, sb, out);
  }
  return [out, shape];
}

/** f over the broadcast pair, in TypeScript: the tie shares of maximum / minimum, computed in backward only. */
function broadcastMap(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes('broadcastMap', a.shape, b.shape);
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const out = uninitialized(numel(shape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < shape.length; d++) {
      ia += idx[d]! * sa[d]!;
      ib += idx[d]! * sb[d]!;
    }
    out[o] = f(a.data[ia]!, b.data[ib]!);
    for (let d = shape.length - 1; d >= 0 && ++idx[d]! === shape[d]; d--) idx[d] = 0;
  }
  return new Tensor(out, shape);
}

/** op(x) by the backend into fresh storage (alpha, beta: see UnaryOp). */
function unaryMap(op: UnaryOp, x: Tensor, alpha = 0, beta = 0): Float32Array {
  const out = uninitialized(x.data.length);
  if (out.length > 0) getBackend().unary(op, x.data, out, alpha, beta);
  return out;
}

/** The gradient of unaryMap(op, x) = y for upstream g. */
function unaryGrad(op: UnaryOp, g: Tensor, x: Tensor, y: Float32Array, alpha = 0, beta = 0): Tensor {
  const gx = uninitialized(g.data.length);
  if (gx.length > 0) getBackend().unaryBackward(op, g.data, x.data, y, gx, alpha, beta);
  return new Tensor(gx, x.shape);
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('add', ta, tb);
  return fromOp(data, shape, 'add', [ta, tb], (g) => [g, g]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('sub', ta, tb);
  return fromOp(data, shape, 'sub', [ta, tb], (g) => [g, neg(g)]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('mul', ta, tb);
  return fromOp(data, shape, 'mul', [ta, tb], (g) => [
    ta.requiresGrad ? mul(g, tb) : null,
    tb.requiresGrad ? mul(g, ta) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('div', ta, tb);
  return fromOp(data, shape, 'div', [ta, tb], (g) => [
    ta.requiresGrad ? div(g, tb) : null,
    tb.requiresGrad ? neg(div(mul(g, ta), mul(tb, tb))) : null,
  ]);
}

/** a ** b; the gradient with respect to b uses log(a) and is taken only when b needs it. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('pow', ta, tb);
  const out = fromOp(data, shape, 'pow', [ta, tb], (g) => [
    ta.requiresGrad ? mul(g, mul(tb, pow(ta, sub(tb, 1)))) : null,
    tb.requiresGrad ? mul(g, mul(new Tensor(data, shape), log(ta))) : null,
  ]);
  return out;
}

/** Element-wise maximum; at ties the gradient is split evenly, as in PyTorch. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('maximum', ta, tb);
  return fromOp(data, shape, 'maximum', [ta, tb], (g) => {
    const share = broadcastMap(ta, tb, (x, y) => (x > y ? 1 : x === y ? 0.5 : 0));
    return [mul(g, share), mul(g, sub(1, share))];
  });
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [data, shape] = binaryMap('minimum', ta, tb);
  return fromOp(data, shape, 'minimum', [ta, tb], (g) => {
    const share = broadcastMap(ta, tb, (x, y) => (x < y ? 1 : x === y ? 0.5 : 0));
    return [mul(g, share), mul(g, sub(1, share))];
  });
}

export function neg(x: Tensor): Tensor {
  return fromOp(unaryMap('neg', x), x.shape, 'neg', [x], (g) => [neg(g)]);
}

export function exp(x: Tensor): Tensor {
  const y = unaryMap('exp', x);
  return fromOp(y, x.shape, 'exp', [x], (g) => [unaryGrad('exp', g, x, y)]);
}

export function log(x: Tensor): Tensor {
  const y = unaryMap('log', x);
  return fromOp(y, x.shape, 'log', [x], (g) => [unaryGrad('log', g, x, y)]);
}

export function sqrt(x: Tensor): Tensor {
  const y = unaryMap('sqrt', x);
  return fromOp(y, x.shape, 'sqrt', [x], (g) => [unaryGrad('sqrt', g, x, y)]);
}

export function abs(x: Tensor): Tensor {
  const y = unaryMap('abs', x);
  return fromOp(y, x.shape, 'abs', [x], (g) => [unaryGrad('abs', g, x, y)]);
}

/** max(x, 0); the gradient is g where x > 0, else g · 0 (an infinite g gives NaN there, as in PyTorch). */
export function relu(x: Tensor): Tensor {
  const y = unaryMap('relu', x);
  return fromOp(y, x.shape, 'relu', [x], (g) => [unaryGrad('relu', g, x, y)]);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const y = unaryMap('leakyRelu', x, negativeSlope);
  return fromOp(y, x.shape, 'leakyRelu', [x], (g) => [unaryGrad('leakyRelu', g, x, y, negativeSlope)]);
}

export function sigmoid(x: Tensor): Tensor {
  const y = unaryMap('sigmoid', x);
  return fromOp(y, x.shape, 'sigmoid', [x], (g) => [unaryGrad('sigmoid', g, x, y)]);
}

export function tanh(x: Tensor): Tensor {
  const y = unaryMap('tanh', x);
  return fromOp(y, x.shape, 'tanh', [x], (g) => [unaryGrad('tanh', g, x, y)]);
}

/** Clamps into [min, max]; either bound may be null. The gradient passes where the value was inside. */
export function clamp(x: Tensor, min: number | null, max: number | null = null): Tensor {
  if (min === null && max === null)
    throw new ArgumentError('clamp: at least one of min and max must be given');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (lo > hi) throw new ArgumentError(`clamp: min (${lo}) must not exceed max (${hi})`);
  const y = unaryMap('clamp', x, lo, hi);
  return fromOp(y, x.shape, 'clamp', [x], (g) => [unaryGrad('clamp', g, x, y, lo, hi)]);
}
