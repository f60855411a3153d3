/**
 * Reductions over dims (sum, mean, max, min, var), argmax, and the numerically stable softmax / logSoftmax.
 * A reduction over one dim views the tensor as [outer, dim, inner]; several dims are reduced one after another.
 */
import { getBackend } from '../backend/index.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from './elementwise.js';
import * as S from './shape.js';
import { uninitialized } from './storage.js';
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

/**
 * The sum over `dims` of x: runs of adjacent reduced dims (and of kept ones) merge into one [outer, n, inner] view
 * each, and the runs reduce last to first, so a sum over (0, 2, 3) of NCHW is one pass over rows of H·W and one
 * down the batch.
 */
function sumData(x: Tensor, dims: number[]): Float32Array {
  const runs: [number, boolean][] = [];
  x.shape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = dims.includes(i);
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === reduced) last[0] *= d;
    else runs.push([d, reduced]);
  });
  let size = 1;
  for (const [d, reduced] of runs) if (!reduced) size *= d;
  if (x.size === 0) return uninitialized(size).fill(0);
  let data = x.data;
  const backend = getBackend();
  for (let r = runs.length - 1; r >= 0; r--) {
    const [n, reduced] = runs[r]!;
    if (!reduced) continue;
    let outer = 1;
    let inner = 1;
    for (let i = 0; i < r; i++) outer *= runs[i]![0];
    for (let i = r + 1; i < runs.length; i++) inner *= runs[i]![0];
    const out = uninitialized(outer * inner);
    backend.reduce('sum', outer, n, inner, data, out, null);
    data = out;
    runs[r]![0] = 1;
  }
  // Nothing to add up (every reduced dim has size 1): still a tensor of its own, never a view of x's storage.
  if (data !== x.data) return data;
  const copy = uninitialized(data.length);
  copy.set(data);
  return copy;
}

export function sum(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  const dims = normDims('sum', dim, x.ndim);
  const data = sumData(x, dims);
  const shape = reducedShape(x.shape, dims, keepdim);
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
  if (dim === null || dim === undefined) {
    const out = uninitialized(1);
    getBackend().reduce(op, 1, x.size, 1, x.data, out, null);
    const best = out[0]!;
    // Full reductions share the gradient evenly among ties (PyTorch's amax rule).
    return fromOp(out, [], op, [x], (g) => {
      const mask = uninitialized(x.size);
      let ties = 0;
      for (let i = 0; i < x.size; i++) if (x.data[i] === best) ties++;
      for (let i = 0; i < x.size; i++) mask[i] = x.data[i] === best ? g.data[0]! / ties : 0;
      return [new Tensor(mask, x.shape)];
    });
  }
  const d = normDim(op, dim, x.ndim);
  const [outer, n, inner] = split3(x.shape, d);
  const out = uninitialized(outer * inner);
  const index = new Int32Array(outer * inner);
  getBackend().reduce(op, outer, n, inner, x.data, out, index);
  const shape = reducedShape(x.shape, [d], keepdim);
  // With a dim, the gradient goes to the selected index only (torch.max(dim) semantics).
  return fromOp(out, shape, op, [x], (g) => {
    const gx = uninitialized(x.size).fill(0);
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

/** softmax / logSoftmax along dim d, and its gradient from the output: one backend call each way. */
function softmaxOp(op: 'softmax' | 'logSoftmax', x: Tensor, dim: number): Tensor {
  const d = normDim(op, dim, x.ndim);
  const log = op === 'logSoftmax';
  const [outer, n, inner] = split3(x.shape, d);
  const y = uninitialized(x.size);
  if (y.length > 0) getBackend().softmax(log, outer, n, inner, x.data, y);
  return fromOp(y, x.shape, op, [x], (g) => {
    const gx = uninitialized(x.size);
    if (gx.length > 0) getBackend().softmaxBackward(log, outer, n, inner, g.data, y, gx);
    return [new Tensor(gx, x.shape)];
  });
}

/** dx = y · (g − Σ g·y) */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp('softmax', x, dim);
}

/** dx = g − softmax · Σ g */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxOp('logSoftmax', x, dim);
}
