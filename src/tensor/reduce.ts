/**
 * Reductions over dims (sum, mean, max, min, var), argmax, and the numerically stable softmax / logSoftmax.
 * A reduction over one dim views the tensor as [outer, dim, inner]; several dims are reduced one after another.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from './elementwise.js';
import * as S from './shape.js';
import { fromOp, Tensor } from './tensor.js';

/** Normalises a possibly negative dim into [0, ndim), naming the op on failure. */
export function normDim(op: string, dim: number, ndim: number): number {
  if (!Number.isInteger(dim)) throw new ArgumentError(`${op}: dim must be an integer, got ${dim}`);
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi) {
    throw new ArgumentError(
      `${op}: dim ${dim} is out of range for a ${ndim}-D tensor (expected [${lo}, ${hi}])`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

function normDims(op: string, dim: number | number[] | null | undefined, ndim: number): number[] {
  if (dim === null || dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(op, d, ndim));
  if (new Set(dims).size !== dims.length)
    throw new ArgumentError(`${op}: dim ${fmtShape(dims)} repeats a dim`);
  return dims.sort((a, b) => a - b);
}

function split3(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[dim]!, inner];
}

function reducedShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Sum along one dim, keeping it as size 1. */
function sumAxis(data: Float32Array, shape: readonly number[], dim: number): Float32Array {
  const [outer, n, inner] = split3(shape, dim);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) out[ob + i]! += data[row + i]!;
    }
  }
  return out;
}

export function sum(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  const dims = normDims('sum', dim, x.ndim);
  let data = x.data;
  let shape = [...x.shape];
  if (dims.length === x.ndim && x.ndim > 0) {
    // Full reductions accumulate in float64 so long sums (losses, statistics) do not drift.
    let acc = 0;
    for (let i = 0; i < data.length; i++) acc += data[i]!;
    data = new Float32Array([acc]);
  } else {
    for (const d of dims) {
      data = sumAxis(data, shape, d);
      shape[d] = 1;
    }
  }
  shape = reducedShape(x.shape, dims, keepdim);
  const keptShape = reducedShape(x.shape, dims, true);
  return fromOp(data, shape, 'sum', [x], (g) => [S.expand(S.reshape(g, keptShape), x.shape)]);
}

export function mean(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  const dims = normDims('mean', dim, x.ndim);
  let count = 1;
  for (const d of dims) count *= x.shape[d]!;
  if (count === 0)
    throw new ShapeError(`mean: cannot take the mean of an empty dim in shape ${fmtShape(x.shape)}`);
  return E.div(sum(x, dims, keepdim), count);
}

/** Variance with Bessel's correction by default (correction = 1), as torch.var. */
export function variance(
  x: Tensor,
  dim?: number | number[] | null,
  opts: { correction?: number; keepdim?: boolean } = {},
): Tensor {
  const dims = normDims('var', dim, x.ndim);
  const correction = opts.correction ?? 1;
  let count = 1;
  for (const d of dims) count *= x.shape[d]!;
  if (count - correction <= 0) {
    throw new ShapeError(
      `var: ${count} element(s) with correction ${correction} leave no degrees of freedom`,
    );
  }
  const centred = E.sub(x, mean(x, dims, true));
  return E.div(sum(E.mul(centred, centred), dims, opts.keepdim ?? false), count - correction);
}

function extremum(op: 'max' | 'min', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (x.size === 0) throw new ShapeError(`${op}: cannot reduce an empty tensor`);
  const better = op === 'max' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  if (dim === null || dim === undefined) {
    let best = x.data[0]!;
    for (let i = 1; i < x.size; i++)
      if (better(x.data[i]!, best) || Number.isNaN(x.data[i]!)) best = x.data[i]!;
    // Full reductions share the gradient evenly among ties (PyTorch's amax rule).
    return fromOp(new Float32Array([best]), [], op, [x], (g) => {
      const mask = new Float32Array(x.size);
      let ties = 0;
      for (let i = 0; i < x.size; i++) if (x.data[i] === best) ties++;
      for (let i = 0; i < x.size; i++) mask[i] = x.data[i] === best ? g.data[0]! / ties : 0;
      return [new Tensor(mask, x.shape)];
    });
  }
  const d = normDim(op, dim, x.ndim);
  const [outer, n, inner] = split3(x.shape, d);
  const out = new Float32Array(outer * inner);
  const index = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = x.data[o * n * inner + i]!;
      let at = 0;
      for (let k = 1; k < n; k++) {
        const v = x.data[(o * n + k) * inner + i]!;
        // The first NaN wins, as in PyTorch (no comparison is ever true for it).
        if (better(v, best) || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          at = k;
        }
      }
      out[o * inner + i] = best;
      index[o * inner + i] = at;
    }
  }
  const shape = reducedShape(x.shape, [d], keepdim);
  // With a dim, the gradient goes to the selected index only (torch.max(dim) semantics).
  return fromOp(out, shape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++)
        gx[(o * n + index[o * inner + i]!) * inner + i] = g.data[o * inner + i]!;
    }
    return [new Tensor(gx, x.shape)];
  });
}

export function max(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return extremum('max', x, dim, keepdim);
}

export function min(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return extremum('min', x, dim, keepdim);
}

/** Index of the largest value (first on ties), as a float tensor; over the flattened tensor when dim is null. */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  if (x.size === 0) throw new ShapeError('argmax: cannot reduce an empty tensor');
  if (dim === null || dim === undefined) {
    let at = 0;
    for (let i = 1; i < x.size; i++) if (x.data[i]! > x.data[at]!) at = i;
    return new Tensor(new Float32Array([at]), []);
  }
  const d = normDim('argmax', dim, x.ndim);
  const [outer, n, inner] = split3(x.shape, d);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let at = 0;
      for (let k = 1; k < n; k++) {
        const v = x.data[(o * n + k) * inner + i]!;
        const best = x.data[(o * n + at) * inner + i]!;
        if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) at = k; // the first NaN wins, as in PyTorch
      }
      out[o * inner + i] = at;
    }
  }
  return new Tensor(out, reducedShape(x.shape, [d], keepdim));
}

function softmaxData(x: Tensor, d: number, logOut: boolean): Float32Array {
  const [outer, n, inner] = split3(x.shape, d);
  const out = new Float32Array(x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, x.data[base + k * inner]!);
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(x.data[base + k * inner]! - m);
      const logS = Math.log(s);
      for (let k = 0; k < n; k++) {
        const z = x.data[base + k * inner]! - m;
        out[base + k * inner] = logOut ? z - logS : Math.exp(z) / s;
      }
    }
  }
  return out;
}

export function softmax(x: Tensor, dim: number): Tensor {
  const d = normDim('softmax', dim, x.ndim);
  const data = softmaxData(x, d, false);
  const y = new Tensor(data, x.shape);
  // dx = y · (g − Σ g·y)
  return fromOp(data, x.shape, 'softmax', [x], (g) => [E.mul(y, E.sub(g, sum(E.mul(g, y), d, true)))]);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normDim('logSoftmax', dim, x.ndim);
  const data = softmaxData(x, d, true);
  const p = E.exp(new Tensor(data, x.shape));
  // dx = g − softmax · Σ g
  return fromOp(data, x.shape, 'logSoftmax', [x], (g) => [E.sub(g, E.mul(p, sum(g, d, true)))]);
}
