/**
 * Shape ops. reshape shares data; the rest copy. permute, slice, cat and constant pad are each one strided copy on
 * the backend (and so are their gradients). The other padding modes and expand use `gatherDims`: each output index
 * along each dim reads one input index (or the fill value), and the backward pass scatters back with +=, which also
 * sums the repeats of reflect/replicate/circular padding.
 */
import { getBackend } from '../backend/index.js';
import { stridedCopy } from '../backend/ts-normpool.js';
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import { normDim } from './reduce.js';
import { uninitialized } from './storage.js';
import { fromOp, noGrad, numel, stridesOf, Tensor } from './tensor.js';

/** The backend's strided copy (at most 8 dims), or the reference loop for more dims. */
function copy(
  shape: readonly number[],
  src: Float32Array,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: readonly number[],
): void {
  const run = shape.length <= 8 ? getBackend().stridedCopy : stridedCopy;
  run(shape, src, srcOffset, srcStrides, dst, dstOffset, dstStrides);
}

/** A zero-filled gradient buffer for a copy that writes only part of it. */
function zeros(n: number): Float32Array {
  return uninitialized(n).fill(0);
}

export function reshape(x: Tensor, shape: number[]): Tensor {
  const target = [...shape];
  const infer = target.indexOf(-1);
  if (target.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== infer))) {
    throw new ArgumentError(
      `reshape: shape must hold non-negative integers and at most one -1, got ${describe(shape)}`,
    );
  }
  if (infer >= 0) {
    const rest = numel(target.filter((_, i) => i !== infer));
    if (rest === 0 || x.size % rest !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
      );
    }
    target[infer] = x.size / rest;
  }
  if (numel(target) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
    );
  }
  return fromOp(x.data, target, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim('flatten', startDim, x.ndim);
  const e = normDim('flatten', endDim, x.ndim);
  if (s > e)
    throw new ArgumentError(`flatten: startDim (${startDim}) must not come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normDim('squeeze', dim, x.ndim);
  if (x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

export function permute(x: Tensor, dims: number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new ArgumentError(
      `permute: expects ${x.ndim} dims for shape ${fmtShape(x.shape)}, got ${fmtShape(dims)}`,
    );
  }
  const perm = dims.map((d) => normDim('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length)
    throw new ArgumentError(`permute: dims ${fmtShape(dims)} repeat a dim`);
  const shape = perm.map((p) => x.shape[p]!);
  const inStrides = stridesOf(x.shape);
  const strides = perm.map((p) => inStrides[p]!);
  const out = uninitialized(x.size);
  copy(shape, x.data, 0, strides, out, 0, stridesOf(shape));
  const nd = shape.length;
  const inverse = new Array<number>(nd);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return fromOp(out, shape, 'permute', [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim('transpose', dim0, x.ndim);
  const b = normDim('transpose', dim1, x.ndim);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape`; -1 keeps a dim. The gradient sums back. */
export function expand(x: Tensor, shape: number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new ShapeError(
      `expand: target ${fmtShape(shape)} has fewer dims than the tensor's ${fmtShape(x.shape)}`,
    );
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d));
  target.forEach((d, i) => {
    const src = i < lead ? 1 : x.shape[i - lead]!;
    if (src !== d && src !== 1) {
      throw new ShapeError(
        `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${src} to ${d})`,
      );
    }
  });
  const maps = target.map((d, i) => {
    const src = i < lead ? 1 : x.shape[i - lead]!;
    return Int32Array.from({ length: d }, (_, j) => (src === 1 ? 0 : j));
  });
  // Only the data is gathered here; the graph gets one expand node, whose gradient the walker sums back.
  const out = noGrad(() =>
    gatherDims(lead > 0 ? reshape(x, [...new Array<number>(lead).fill(1), ...x.shape]) : x, maps, 0),
  );
  return fromOp(out.data, target, 'expand', [x], (g) => [g]);
}

/**
 * out[i0, i1, …] = x[maps[0][i0], maps[1][i1], …], or `fill` where any map holds -1.
 * Differentiable: the gradient scatters back with +=.
 */
export function gatherDims(x: Tensor, maps: Int32Array[], fill: number, op = 'gather'): Tensor {
  const shape = maps.map((m) => m.length);
  const out = new Float32Array(numel(shape));
  runGather(x.data, x.shape, maps, out, fill, false);
  return fromOp(out, shape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    runGather(g.data, x.shape, maps, gx, 0, true);
    return [new Tensor(gx, x.shape)];
  });
}

/** Forward: dst[out] = src[in]; scatter: src[in] += dst-shaped values (src is the gradient, dst the result). */
function runGather(
  values: Float32Array,
  inShape: readonly number[],
  maps: Int32Array[],
  target: Float32Array,
  fill: number,
  scatter: boolean,
): void {
  const nd = maps.length;
  const outShape = maps.map((m) => m.length);
  const total = numel(outShape);
  if (total === 0) return;
  if (nd === 0) {
    if (scatter) target[0]! += values[0]!;
    else target[0] = values[0]!;
    return;
  }
  const inStrides = stridesOf(inShape);
  const idx = new Array<number>(nd).fill(0);
  const last = maps[nd - 1]!;
  const lastStride = inStrides[nd - 1]!;
  // base = Σ_{d < nd-1} maps[d][idx[d]] · stride[d], or -1 when some dim reads the fill value
  const baseOf = (): number => {
    let base = 0;
    for (let d = 0; d < nd - 1; d++) {
      const m = maps[d]![idx[d]!]!;
      if (m < 0) return -1;
      base += m * inStrides[d]!;
    }
    return base;
  };
  const inner = last.length;
  for (let o = 0; o < total; o += inner) {
    const base = baseOf();
    for (let j = 0; j < inner; j++) {
      const m = last[j]!;
      const src = base < 0 || m < 0 ? -1 : base + m * lastStride;
      if (scatter) {
        if (src >= 0) target[src]! += values[o + j]!;
      } else {
        target[o + j] = src < 0 ? fill : values[src]!;
      }
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
}

function identityMaps(shape: readonly number[]): Int32Array[] {
  return shape.map((d) => Int32Array.from({ length: d }, (_, j) => j));
}

/** x[..., start:end:step, ...] along dim, with Python's rules for negative and out-of-range bounds. */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const d = normDim('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step <= 0)
    throw new ArgumentError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d]!;
  const clampIndex = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = start === undefined ? 0 : clampIndex(start);
  const e = end === undefined ? n : clampIndex(end);
  const count = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...x.shape];
  shape[d] = count;
  const inStrides = stridesOf(x.shape);
  const srcStrides = [...inStrides];
  srcStrides[d]! *= step;
  const offset = s * inStrides[d]!;
  const out = uninitialized(numel(shape));
  copy(shape, x.data, offset, srcStrides, out, 0, stridesOf(shape));
  return fromOp(out, shape, 'slice', [x], (g) => {
    const gx = zeros(x.size);
    copy(shape, g.data, 0, stridesOf(shape), gx, offset, srcStrides);
    return [new Tensor(gx, x.shape)];
  });
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > n) {
    throw new ArgumentError(`narrow: start ${start} and length ${length} do not fit dim ${dim} of size ${n}`);
  }
  return slice(x, d, s, s + length);
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('cat: expects a non-empty list of tensors');
  const first = tensors[0]!;
  const d = normDim('cat', dim, first.ndim);
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, j) => j !== d && s !== first.shape[j])) {
      throw new ShapeError(
        `cat: tensor ${i} has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(first.shape)} outside dim ${d}`,
      );
    }
  });
  const shape = [...first.shape];
  shape[d] = tensors.reduce((s, t) => s + t.shape[d]!, 0);
  const out = uninitialized(numel(shape));
  const outStrides = stridesOf(shape);
  let offset = 0;
  for (const t of tensors) {
    copy(t.shape, t.data, 0, stridesOf(t.shape), out, offset * outStrides[d]!, outStrides);
    offset += t.shape[d]!;
  }
  return fromOp(out, shape, 'cat', tensors, (g) => {
    let start = 0;
    return tensors.map((t) => {
      const part = t.requiresGrad ? slice(g, d, start, start + t.shape[d]!) : null;
      start += t.shape[d]!;
      return part;
    });
  });
}

/** Pieces of `splitSize` along dim (the last may be smaller), or pieces of the listed sizes. */
export function split(x: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (Array.isArray(splitSize)) {
    if (splitSize.some((s) => !Number.isInteger(s) || s < 0) || splitSize.reduce((a, b) => a + b, 0) !== n) {
      throw new ArgumentError(
        `split: sizes ${fmtShape(splitSize)} must be non-negative and sum to dim ${dim}'s size ${n}`,
      );
    }
    sizes = splitSize;
  } else {
    if (!Number.isInteger(splitSize) || splitSize <= 0) {
      throw new ArgumentError(`split: splitSize must be a positive integer, got ${describe(splitSize)}`);
    }
    sizes = [];
    for (let s = 0; s < n; s += splitSize) sizes.push(Math.min(splitSize, n - s));
  }
  let start = 0;
  return sizes.map((size) => {
    const part = slice(x, d, start, start + size);
    start += size;
    return part;
  });
}

/** `chunks` pieces of ceil(n / chunks) along dim (fewer when that size already covers the dim), as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ArgumentError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * Pads the last dims, F.pad style: `pads` = [left, right] for the last dim, then [top, bottom] for the one
 * before, and so on. Modes: constant (with `value`), reflect (mirror without repeating the edge), replicate
 * (repeat the edge), circular (wrap around).
 */
export function pad(x: Tensor, pads: number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ArgumentError(
      `pad: pads must hold a (before, after) pair per padded dim, at most ${x.ndim} pairs, got ${fmtShape(pads)}`,
    );
  }
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new ArgumentError(`pad: pads must be non-negative integers, got ${fmtShape(pads)}`);
  }
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new ArgumentError(
      `pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${describe(mode)}`,
    );
  }
  if (mode === 'constant') return padConstant(x, pads, value);
  const maps = identityMaps(x.shape);
  for (let p = 0; p < pads.length / 2; p++) {
    const d = x.ndim - 1 - p;
    const before = pads[2 * p]!;
    const after = pads[2 * p + 1]!;
    const n = x.shape[d]!;
    if (mode === 'reflect' && (before >= n || after >= n)) {
      throw new ArgumentError(
        `pad: reflect padding (${before}, ${after}) must be smaller than dim ${d}'s size ${n}`,
      );
    }
    if (mode === 'circular' && (before > n || after > n)) {
      throw new ArgumentError(
        `pad: circular padding (${before}, ${after}) must not exceed dim ${d}'s size ${n}`,
      );
    }
    if (n === 0) throw new ArgumentError(`pad: ${mode} padding needs a non-empty dim ${d}`);
    maps[d] = Int32Array.from({ length: before + n + after }, (_, j) => {
      const i = j - before;
      if (i >= 0 && i < n) return i;
      switch (mode) {
        case 'reflect':
          return i < 0 ? -i : 2 * (n - 1) - i;
        case 'replicate':
          return i < 0 ? 0 : n - 1;
        case 'circular':
          return ((i % n) + n) % n;
      }
    });
  }
  return gatherDims(x, maps, 0, 'pad');
}

/** Constant padding: the output filled with `value`, the input copied into its interior; the gradient is a slice. */
function padConstant(x: Tensor, pads: number[], value: number): Tensor {
  const shape = [...x.shape];
  const before = new Array<number>(x.ndim).fill(0);
  for (let p = 0; p < pads.length / 2; p++) {
    const d = x.ndim - 1 - p;
    before[d] = pads[2 * p]!;
    shape[d]! += pads[2 * p]! + pads[2 * p + 1]!;
  }
  const outStrides = stridesOf(shape);
  const inStrides = stridesOf(x.shape);
  const offset = before.reduce((o, b, d) => o + b * outStrides[d]!, 0);
  const out = uninitialized(numel(shape)).fill(value);
  copy(x.shape, x.data, 0, inStrides, out, offset, outStrides);
  return fromOp(out, shape, 'pad', [x], (g) => {
    const gx = uninitialized(x.size);
    copy(x.shape, g.data, offset, outStrides, gx, 0, inStrides);
    return [new Tensor(gx, x.shape)];
  });
}
