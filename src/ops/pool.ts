/**
 * Pooling and resampling over the last two dims of [N, C, H, W]: max and average pooling (with ceilMode,
 * padding and, for max, dilation), adaptive average pooling, and nearest / bilinear up-sampling.
 * Each plans its geometry and argument checks here and runs on the backend's primitives (NormPoolOps), forward and
 * backward; outputs come from the storage pool.
 */
import { getBackend } from '../backend/index.js';
import type { PoolGeometry, ResampleGeometry } from '../backend/contract.js';
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import { uninitialized } from '../tensor/storage.js';
import { fromOp, Tensor } from '../tensor/tensor.js';
import { checkElements, checkTensor, type IntOrTuple, ntuple } from './args.js';

export interface PoolOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
}

function poolOutSize(inSize: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = inSize + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch drops a last window that would start inside the right padding.
  if (ceil && (out - 1) * s >= inSize + p) out--;
  return out;
}

interface PoolPlan {
  n: number;
  c: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  unbatched: boolean;
}

function planPool(op: string, x: Tensor, kernelSize: IntOrTuple, opts: PoolOptions): PoolPlan {
  checkTensor(op, 'input', x);
  if (x.ndim !== 4 && x.ndim !== 3)
    throw new ShapeError(`${op}: input must be [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  const unbatched = x.ndim === 3;
  const [n, c, h, w] = (unbatched ? [1, ...x.shape] : x.shape) as [number, number, number, number];
  const k = ntuple(op, 'kernelSize', kernelSize, 2, 1, 1);
  const s =
    opts.stride === null || opts.stride === undefined ? k : ntuple(op, 'stride', opts.stride, 2, 1, 1);
  const p = ntuple(op, 'padding', opts.padding, 2, 0, 0);
  const d = ntuple(op, 'dilation', opts.dilation, 2, 1, 1);
  p.forEach((pi, i) => {
    if (pi > Math.floor(k[i]! / 2))
      throw new ArgumentError(`${op}: padding ${pi} must be at most half the kernel size ${k[i]}`);
  });
  const oh = poolOutSize(h, k[0]!, s[0]!, p[0]!, d[0]!, opts.ceilMode ?? false);
  const ow = poolOutSize(w, k[1]!, s[1]!, p[1]!, d[1]!, opts.ceilMode ?? false);
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(
      `${op}: output would be empty: input ${h}×${w} is smaller than the kernel ${fmtShape(k)} (padding ${fmtShape(p)})`,
    );
  }
  return { n, c, h, w, oh, ow, k, s, p, d, unbatched };
}

function outShapeOf(pl: PoolPlan): number[] {
  return pl.unbatched ? [pl.c, pl.oh, pl.ow] : [pl.n, pl.c, pl.oh, pl.ow];
}

function geometryOf(pl: PoolPlan): PoolGeometry {
  const pair = (v: number[]) => [v[0]!, v[1]!] as [number, number];
  return {
    planes: pl.n * pl.c,
    h: pl.h,
    w: pl.w,
    oh: pl.oh,
    ow: pl.ow,
    kernel: pair(pl.k),
    stride: pair(pl.s),
    padding: pair(pl.p),
    dilation: pair(pl.d),
  };
}

/** Max over each window; the gradient goes to the window's maximum (the last NaN, if any), as in PyTorch. */
export function maxPool2d(x: Tensor, kernelSize: IntOrTuple, opts: PoolOptions = {}): Tensor {
  const pl = planPool('maxPool2d', x, kernelSize, opts);
  const g = geometryOf(pl);
  const outN = g.planes * g.oh * g.ow;
  const out = uninitialized(outN);
  // No indices are kept: the backward finds each window's argmax again from x.
  getBackend().maxPool2dForward(g, x.data, out, null);
  return fromOp(out, outShapeOf(pl), 'maxPool2d', [x], (gy) => {
    const gx = uninitialized(x.size);
    getBackend().maxPool2dBackward(g, x.data, gy.data, gx);
    return [new Tensor(gx, x.shape)];
  });
}

export interface AvgPoolOptions extends Omit<PoolOptions, 'dilation'> {
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** Mean over each window; padded zeros count in the divisor unless countIncludePad is false (PyTorch's rule). */
export function avgPool2d(x: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  const pl = planPool('avgPool2d', x, kernelSize, { ...opts, dilation: 1 });
  const includePad = opts.countIncludePad ?? true;
  const divisorOverride = opts.divisorOverride ?? null;
  if (divisorOverride !== null && (!Number.isInteger(divisorOverride) || divisorOverride <= 0)) {
    throw new ArgumentError(
      `avgPool2d: divisorOverride must be a positive integer, got ${describe(divisorOverride)}`,
    );
  }
  const g = geometryOf(pl);
  const div = divisorOverride ?? 0;
  const out = uninitialized(g.planes * g.oh * g.ow);
  getBackend().avgPool2dForward(g, includePad, div, x.data, out);
  return fromOp(out, outShapeOf(pl), 'avgPool2d', [x], (gy) => {
    const gx = uninitialized(x.size);
    getBackend().avgPool2dBackward(g, includePad, div, gy.data, gx);
    return [new Tensor(gx, x.shape)];
  });
}

/** Average pooling to a fixed output size; window i spans [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉), as PyTorch. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: IntOrTuple): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkTensor(op, 'input', x);
  if (x.ndim !== 4 && x.ndim !== 3)
    throw new ShapeError(`${op}: input must be [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  const unbatched = x.ndim === 3;
  const [n, c, h, w] = (unbatched ? [1, ...x.shape] : x.shape) as [number, number, number, number];
  const [oh, ow] = ntuple(op, 'outputSize', outputSize, 2, 1, 1) as [number, number];
  checkElements(op, 'output', [n, c, oh, ow]);
  const g: PoolGeometry = {
    planes: n * c,
    h,
    w,
    oh,
    ow,
    kernel: [1, 1],
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
  };
  const out = uninitialized(n * c * oh * ow);
  getBackend().adaptiveAvgPool2dForward(g, x.data, out);
  const shape = unbatched ? [c, oh, ow] : [n, c, oh, ow];
  return fromOp(out, shape, op, [x], (gy) => {
    const gx = uninitialized(x.size);
    getBackend().adaptiveAvgPool2dBackward(g, gy.data, gx);
    return [new Tensor(gx, x.shape)];
  });
}

export interface InterpolateOptions {
  size?: IntOrTuple;
  scaleFactor?: number | number[];
  mode?: 'nearest' | 'bilinear';
  alignCorners?: boolean;
}

/**
 * Resizes [N, C, H, W] to `size` or by `scaleFactor` (F.interpolate). 'nearest' picks ⌊o·in/out⌋; 'bilinear'
 * follows PyTorch's half-pixel rule, or maps corners to corners with alignCorners.
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  checkTensor(op, 'input', x);
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const mode = opts.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear')
    throw new ArgumentError(`${op}: mode must be 'nearest' or 'bilinear', got ${describe(mode)}`);
  // null means "not given", as None does in F.interpolate
  const size = opts.size ?? undefined;
  const scaleFactor = opts.scaleFactor ?? undefined;
  if ((size === undefined) === (scaleFactor === undefined)) {
    throw new ArgumentError(`${op}: exactly one of size and scaleFactor must be given`);
  }
  if (mode === 'nearest' && opts.alignCorners !== undefined) {
    throw new ArgumentError(`${op}: alignCorners only applies to mode 'bilinear'`);
  }
  let oh: number;
  let ow: number;
  let scaleH: number;
  let scaleW: number;
  if (size !== undefined) {
    [oh, ow] = ntuple(op, 'size', size, 2, 1, 1) as [number, number];
    scaleH = h / oh;
    scaleW = w / ow;
  } else {
    const sf = typeof scaleFactor === 'number' ? [scaleFactor, scaleFactor] : scaleFactor!;
    if (!Array.isArray(sf) || sf.length !== 2 || sf.some((f) => !(f > 0) || !Number.isFinite(f))) {
      throw new ArgumentError(
        `${op}: scaleFactor must be a positive number or a pair of them, got ${describe(opts.scaleFactor)}`,
      );
    }
    oh = Math.floor(h * sf[0]!);
    ow = Math.floor(w * sf[1]!);
    if (oh < 1 || ow < 1) throw new ShapeError(`${op}: output ${oh}×${ow} would be empty`);
    // With a scale factor, PyTorch uses 1/scale (not in/out) as the step.
    scaleH = 1 / sf[0]!;
    scaleW = 1 / sf[1]!;
  }
  checkElements(op, 'output', [n, c, oh, ow]);
  const g: ResampleGeometry = {
    planes: n * c,
    h,
    w,
    oh,
    ow,
    mode,
    alignCorners: opts.alignCorners ?? false,
    scaleH,
    scaleW,
  };
  const out = uninitialized(n * c * oh * ow);
  getBackend().interpolate2dForward(g, x.data, out);
  return fromOp(out, [n, c, oh, ow], op, [x], (gy) => {
    const gx = uninitialized(x.size);
    getBackend().interpolate2dBackward(g, gy.data, gx);
    return [new Tensor(gx, x.shape)];
  });
}
