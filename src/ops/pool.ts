/**
 * Pooling and resampling over the last two dims of [N, C, H, W]: max and average pooling (with ceilMode,
 * padding and, for max, dilation), adaptive average pooling, and nearest / bilinear up-sampling.
 * Each is a direct loop with a hand-written backward; they take no weights, so no backend primitive is needed.
 */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
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

/**
 * maxPool2d when every window lies inside the input (no padding, dilation 1: the common 2×2 stride 2): the same
 * first-maximum rule without the per-tap bounds and the clipping arithmetic (64×8×28×28, 2×2: 2.2 ms against 3.5).
 */
function maxPoolInside(xd: Float32Array, pl: PoolPlan, out: Float32Array, argmax: Int32Array): void {
  const { n, c, h, w, oh, ow, k, s } = pl;
  const [kh, kw] = k as [number, number];
  const [sh, sw] = s as [number, number];
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, o++) {
        const r0 = plane * h * w + i * sh * w + j * sw;
        let best = xd[r0]!;
        let at = r0;
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const r = r0 + a * w + b;
            const v = xd[r]!;
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = r;
            }
          }
        }
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** maxPool2d in general: only the taps that land inside the input are visited. */
function maxPoolClipped(xd: Float32Array, pl: PoolPlan, out: Float32Array, argmax: Int32Array): void {
  const { n, c, h, w, oh, ow, k, s, p, d } = pl;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let at = -1;
        // Visit only the taps that land inside the input: a huge kernel or dilation must not cost its size.
        const y0 = i * s[0]! - p[0]!;
        const x0 = j * s[1]! - p[1]!;
        const aTo = Math.min(k[0]!, Math.floor((h - 1 - y0) / d[0]!) + 1);
        const bTo = Math.min(k[1]!, Math.floor((w - 1 - x0) / d[1]!) + 1);
        for (let a = y0 < 0 ? Math.ceil(-y0 / d[0]!) : 0; a < aTo; a++) {
          const y = y0 + a * d[0]!;
          if (y < 0 || y >= h) continue;
          for (let b = x0 < 0 ? Math.ceil(-x0 / d[1]!) : 0; b < bTo; b++) {
            const xx = x0 + b * d[1]!;
            if (xx < 0 || xx >= w) continue;
            const v = xd[base + y * w + xx]!;
            if (v > best || Number.isNaN(v) || at < 0) {
              best = v;
              at = base + y * w + xx;
            }
          }
        }
        const o = (plane * oh + i) * ow + j;
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** Max over each window; the gradient goes to the (first) maximum, as in PyTorch. */
export function maxPool2d(x: Tensor, kernelSize: IntOrTuple, opts: PoolOptions = {}): Tensor {
  const pl = planPool('maxPool2d', x, kernelSize, opts);
  const { n, c, h, w, oh, ow, k, s, p, d } = pl;
  const out = new Float32Array(n * c * oh * ow);
  const argmax = new Int32Array(out.length);
  const inside = p[0] === 0 && p[1] === 0 && d[0] === 1 && d[1] === 1;
  if (inside && (oh - 1) * s[0]! + k[0]! <= h && (ow - 1) * s[1]! + k[1]! <= w)
    maxPoolInside(x.data, pl, out, argmax);
  else maxPoolClipped(x.data, pl, out, argmax);
  return fromOp(out, outShapeOf(pl), 'maxPool2d', [x], (g) => {
    const gx = new Float32Array(x.size);
    const gd = g.data;
    for (let o = 0; o < out.length; o++) if (argmax[o]! >= 0) gx[argmax[o]!]! += gd[o]!;
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
  const { n, c, h, w, oh, ow, k, s, p } = pl;
  const includePad = opts.countIncludePad ?? true;
  const divisorOverride = opts.divisorOverride ?? null;
  if (divisorOverride !== null && (!Number.isInteger(divisorOverride) || divisorOverride <= 0)) {
    throw new ArgumentError(
      `avgPool2d: divisorOverride must be a positive integer, got ${describe(divisorOverride)}`,
    );
  }
  // Window bounds and divisor per output position, shared by all planes.
  const windows: [number, number, number, number, number][] = [];
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let y0 = i * s[0]! - p[0]!;
      let x0 = j * s[1]! - p[1]!;
      let y1 = Math.min(y0 + k[0]!, h + p[0]!);
      let x1 = Math.min(x0 + k[1]!, w + p[1]!);
      const padded = (y1 - y0) * (x1 - x0);
      y0 = Math.max(y0, 0);
      x0 = Math.max(x0, 0);
      y1 = Math.min(y1, h);
      x1 = Math.min(x1, w);
      const divisor = divisorOverride ?? (includePad ? padded : (y1 - y0) * (x1 - x0));
      windows.push([y0, y1, x0, x1, divisor]);
    }
  }
  const out = new Float32Array(n * c * oh * ow);
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    windows.forEach(([y0, y1, x0, x1, div], o) => {
      let acc = 0;
      for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) acc += x.data[base + y * w + xx]!;
      out[plane * oh * ow + o] = acc / div;
    });
  }
  return fromOp(out, outShapeOf(pl), 'avgPool2d', [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let plane = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      windows.forEach(([y0, y1, x0, x1, div], o) => {
        const v = g.data[plane * oh * ow + o]! / div;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) gx[base + y * w + xx]! += v;
      });
    }
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
  const rows = Array.from(
    { length: oh },
    (_, i) => [Math.floor((i * h) / oh), Math.ceil(((i + 1) * h) / oh)] as const,
  );
  const cols = Array.from(
    { length: ow },
    (_, j) => [Math.floor((j * w) / ow), Math.ceil(((j + 1) * w) / ow)] as const,
  );
  const out = new Float32Array(n * c * oh * ow);
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const [y0, y1] = rows[i]!;
        const [x0, x1] = cols[j]!;
        let acc = 0;
        for (let y = y0; y < y1; y++)
          for (let xx = x0; xx < x1; xx++) acc += x.data[plane * h * w + y * w + xx]!;
        out[(plane * oh + i) * ow + j] = acc / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  const shape = unbatched ? [c, oh, ow] : [n, c, oh, ow];
  return fromOp(out, shape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let plane = 0; plane < n * c; plane++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const [y0, y1] = rows[i]!;
          const [x0, x1] = cols[j]!;
          const v = g.data[(plane * oh + i) * ow + j]! / ((y1 - y0) * (x1 - x0));
          for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) gx[plane * h * w + y * w + xx]! += v;
        }
      }
    }
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
  // Each output sample is a weighted sum of at most four inputs: taps[o] = [index, weight] pairs.
  checkElements(op, 'output', [n, c, oh, ow]);
  const taps: [number, number][][] = [];
  const axis = (inSize: number, outSize: number, scale: number) =>
    Array.from({ length: outSize }, (_, o): [number, number][] => {
      if (mode === 'nearest') return [[Math.min(Math.floor(o * scale), inSize - 1), 1]];
      const src = opts.alignCorners
        ? outSize > 1
          ? (o * (inSize - 1)) / (outSize - 1)
          : 0
        : Math.max((o + 0.5) * scale - 0.5, 0);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const l = src - i0;
      return [
        [i0, 1 - l],
        [i1, l],
      ];
    });
  const ys = axis(h, oh, scaleH);
  const xs = axis(w, ow, scaleW);
  for (const ty of ys)
    for (const tx of xs)
      taps.push(ty.flatMap(([yi, wy]) => tx.map(([xi, wx]): [number, number] => [yi * w + xi, wy * wx])));
  const out = new Float32Array(n * c * oh * ow);
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    taps.forEach((t, o) => {
      let acc = 0;
      for (const [i, wt] of t) acc += wt * x.data[base + i]!;
      out[plane * oh * ow + o] = acc;
    });
  }
  return fromOp(out, [n, c, oh, ow], op, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let plane = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      taps.forEach((t, o) => {
        const v = g.data[plane * oh * ow + o]!;
        for (const [i, wt] of t) gx[base + i]! += wt * v;
      });
    }
    return [new Tensor(gx, x.shape)];
  });
}
