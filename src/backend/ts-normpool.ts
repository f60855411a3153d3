/**
 * The TypeScript reference of the contract's batch norm, pooling, resampling and copy primitives (NormPoolOps):
 * plain loops, accumulating in doubles. The fast backends are tested against these and against PyTorch fixtures.
 */
import type { NormGeometry, NormPoolOps, PoolGeometry, ResampleGeometry } from './contract.js';

function batchNormForward(
  g: NormGeometry,
  x: Float32Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
  runningMean: Float32Array | null,
  runningVar: Float32Array | null,
  training: boolean,
  momentum: number,
  eps: number,
  y: Float32Array,
  saveMean: Float32Array,
  saveInvStd: Float32Array,
): void {
  const { n, c, inner } = g;
  const count = n * inner;
  for (let ch = 0; ch < c; ch++) {
    let mean: number;
    let variance: number;
    if (training) {
      let sum = 0;
      for (let b = 0; b < n; b++) {
        const row = (b * c + ch) * inner;
        for (let i = 0; i < inner; i++) sum += x[row + i]!;
      }
      mean = sum / count;
      let sq = 0;
      for (let b = 0; b < n; b++) {
        const row = (b * c + ch) * inner;
        for (let i = 0; i < inner; i++) sq += (x[row + i]! - mean) ** 2;
      }
      variance = sq / count;
      if (runningMean !== null) runningMean[ch] = (1 - momentum) * runningMean[ch]! + momentum * mean;
      if (runningVar !== null) {
        const unbiased = count > 1 ? sq / (count - 1) : NaN;
        runningVar[ch] = (1 - momentum) * runningVar[ch]! + momentum * unbiased;
      }
    } else {
      mean = runningMean![ch]!;
      variance = runningVar![ch]!;
    }
    const invStd = 1 / Math.sqrt(variance + eps);
    saveMean[ch] = mean;
    saveInvStd[ch] = invStd;
    const scale = invStd * (weight === null ? 1 : weight[ch]!);
    const shift = (bias === null ? 0 : bias[ch]!) - mean * scale;
    for (let b = 0; b < n; b++) {
      const row = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) y[row + i] = x[row + i]! * scale + shift;
    }
  }
}

function batchNormBackward(
  g: NormGeometry,
  x: Float32Array,
  gy: Float32Array,
  weight: Float32Array | null,
  saveMean: Float32Array,
  saveInvStd: Float32Array,
  training: boolean,
  gx: Float32Array | null,
  gWeight: Float32Array | null,
  gBias: Float32Array | null,
): void {
  const { n, c, inner } = g;
  const count = n * inner;
  for (let ch = 0; ch < c; ch++) {
    const mean = saveMean[ch]!;
    const invStd = saveInvStd[ch]!;
    let sumGy = 0;
    let sumGyXc = 0; // Σ gy·(x − mean)
    for (let b = 0; b < n; b++) {
      const row = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        sumGy += gy[row + i]!;
        sumGyXc += gy[row + i]! * (x[row + i]! - mean);
      }
    }
    if (gWeight !== null) gWeight[ch] = sumGyXc * invStd;
    if (gBias !== null) gBias[ch] = sumGy;
    if (gx === null) continue;
    const w = weight === null ? 1 : weight[ch]!;
    const k = w * invStd;
    // training: gx = k·(gy − mean(gy) − (x − mean)·invStd²·mean(gy·(x − mean)))
    const meanGy = training ? sumGy / count : 0;
    const proj = training ? (sumGyXc / count) * invStd * invStd : 0;
    for (let b = 0; b < n; b++) {
      const row = (b * c + ch) * inner;
      for (let i = 0; i < inner; i++) gx[row + i] = k * (gy[row + i]! - meanGy - (x[row + i]! - mean) * proj);
    }
  }
}

function maxPool2dForward(
  g: PoolGeometry,
  x: Float32Array,
  y: Float32Array,
  indices: Int32Array | null,
): void {
  const { planes, h, w, oh, ow } = g;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let i = 0; i < oh; i++) {
      const y0 = i * sh - ph;
      for (let j = 0; j < ow; j++) {
        const x0 = j * sw - pw;
        let best = -Infinity;
        let at = -1;
        // Only the taps inside the input: a huge kernel or dilation must not cost its size.
        const aTo = Math.min(kh, Math.floor((h - 1 - y0) / dh) + 1);
        const bTo = Math.min(kw, Math.floor((w - 1 - x0) / dw) + 1);
        const bFrom = x0 < 0 ? Math.ceil(-x0 / dw) : 0;
        for (let a = y0 < 0 ? Math.ceil(-y0 / dh) : 0; a < aTo; a++) {
          const yy = y0 + a * dh;
          for (let b = bFrom; b < bTo; b++) {
            const xx = x0 + b * dw;
            const v = x[base + yy * w + xx]!;
            // PyTorch's rule: a larger value or any NaN takes the window (so the last NaN wins).
            if (v > best || Number.isNaN(v) || at < 0) {
              best = v;
              at = yy * w + xx;
            }
          }
        }
        const o = (plane * oh + i) * ow + j;
        y[o] = best;
        if (indices !== null) indices[o] = at;
      }
    }
  }
}

function maxPool2dBackward(g: PoolGeometry, x: Float32Array, gy: Float32Array, gx: Float32Array): void {
  const { planes, h, w, oh, ow } = g;
  const indices = new Int32Array(planes * oh * ow);
  maxPool2dForward(g, x, new Float32Array(indices.length), indices);
  gx.fill(0, 0, planes * h * w);
  for (let plane = 0; plane < planes; plane++) {
    for (let o = plane * oh * ow; o < (plane + 1) * oh * ow; o++) {
      const at = indices[o]!;
      if (at >= 0) gx[plane * h * w + at]! += gy[o]!;
    }
  }
}

/** [y0, y1, x0, x1, divisor] of window (i, j) of average pooling, clipped to the input. */
export function avgWindow(
  g: PoolGeometry,
  countIncludePad: boolean,
  divisorOverride: number,
  i: number,
  j: number,
): [number, number, number, number, number] {
  let y0 = i * g.stride[0] - g.padding[0];
  let x0 = j * g.stride[1] - g.padding[1];
  let y1 = Math.min(y0 + g.kernel[0], g.h + g.padding[0]);
  let x1 = Math.min(x0 + g.kernel[1], g.w + g.padding[1]);
  const padded = (y1 - y0) * (x1 - x0);
  y0 = Math.max(y0, 0);
  x0 = Math.max(x0, 0);
  y1 = Math.min(y1, g.h);
  x1 = Math.min(x1, g.w);
  const divisor = divisorOverride > 0 ? divisorOverride : countIncludePad ? padded : (y1 - y0) * (x1 - x0);
  return [y0, y1, x0, x1, divisor];
}

/** Visits every window of `g` with its bounds and divisor; shared by average and adaptive average pooling. */
function eachWindow(
  g: PoolGeometry,
  window: (i: number, j: number) => [number, number, number, number, number],
  visit: (base: number, o: number, y0: number, y1: number, x0: number, x1: number, div: number) => void,
): void {
  const { planes, h, w, oh, ow } = g;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const [y0, y1, x0, x1, div] = window(i, j);
      for (let plane = 0; plane < planes; plane++)
        visit(plane * h * w, (plane * oh + i) * ow + j, y0, y1, x0, x1, div);
    }
  }
}

function adaptiveWindow(g: PoolGeometry, i: number, j: number): [number, number, number, number, number] {
  const y0 = Math.floor((i * g.h) / g.oh);
  const y1 = Math.ceil(((i + 1) * g.h) / g.oh);
  const x0 = Math.floor((j * g.w) / g.ow);
  const x1 = Math.ceil(((j + 1) * g.w) / g.ow);
  return [y0, y1, x0, x1, (y1 - y0) * (x1 - x0)];
}

function poolForward(
  g: PoolGeometry,
  window: (i: number, j: number) => [number, number, number, number, number],
  x: Float32Array,
  y: Float32Array,
): void {
  eachWindow(g, window, (base, o, y0, y1, x0, x1, div) => {
    let acc = 0;
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) acc += x[base + yy * g.w + xx]!;
    y[o] = acc / div;
  });
}

function poolBackward(
  g: PoolGeometry,
  window: (i: number, j: number) => [number, number, number, number, number],
  gy: Float32Array,
  gx: Float32Array,
): void {
  gx.fill(0, 0, g.planes * g.h * g.w);
  eachWindow(g, window, (base, o, y0, y1, x0, x1, div) => {
    const v = gy[o]! / div;
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) gx[base + yy * g.w + xx]! += v;
  });
}

/** The taps of output index o along one axis: [index, weight] pairs (one for nearest, two for bilinear). */
export function resampleTaps(
  mode: ResampleGeometry['mode'],
  alignCorners: boolean,
  inSize: number,
  outSize: number,
  scale: number,
  o: number,
): [number, number][] {
  if (mode === 'nearest') return [[Math.min(Math.floor(o * scale), inSize - 1), 1]];
  const src = alignCorners
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
}

function resample(g: ResampleGeometry, visit: (o: number, taps: [number, number][]) => void): void {
  const { h, w, oh, ow, mode, alignCorners } = g;
  const ys = Array.from({ length: oh }, (_, i) => resampleTaps(mode, alignCorners, h, oh, g.scaleH, i));
  const xs = Array.from({ length: ow }, (_, j) => resampleTaps(mode, alignCorners, w, ow, g.scaleW, j));
  let o = 0;
  for (const ty of ys)
    for (const tx of xs)
      visit(
        o++,
        ty.flatMap(([yi, wy]) => tx.map(([xi, wx]): [number, number] => [yi * w + xi, wy * wx])),
      );
}

function interpolate2dForward(g: ResampleGeometry, x: Float32Array, y: Float32Array): void {
  const inPlane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  resample(g, (o, taps) => {
    for (let plane = 0; plane < g.planes; plane++) {
      let acc = 0;
      for (const [i, wt] of taps) acc += wt * x[plane * inPlane + i]!;
      y[plane * outPlane + o] = acc;
    }
  });
}

function interpolate2dBackward(g: ResampleGeometry, gy: Float32Array, gx: Float32Array): void {
  const inPlane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  gx.fill(0, 0, g.planes * inPlane);
  resample(g, (o, taps) => {
    for (let plane = 0; plane < g.planes; plane++) {
      const v = gy[plane * outPlane + o]!;
      for (const [i, wt] of taps) gx[plane * inPlane + i]! += wt * v;
    }
  });
}

/**
 * The strided copy, odometer style over all dims but the last; a last dim contiguous on both sides is one
 * TypedArray.set (a memcpy), which is also why the wasm backend keeps this JavaScript version.
 */
export function stridedCopy(
  shape: readonly number[],
  src: Float32Array,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: readonly number[],
): void {
  const nd = shape.length;
  if (shape.some((d) => d === 0)) return;
  if (nd === 0) {
    dst[dstOffset] = src[srcOffset]!;
    return;
  }
  const inner = shape[nd - 1]!;
  const si = srcStrides[nd - 1]!;
  const di = dstStrides[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let s = srcOffset;
  let d = dstOffset;
  for (;;) {
    if (si === 1 && di === 1) dst.set(src.subarray(s, s + inner), d);
    else for (let j = 0; j < inner; j++) dst[d + j * di] = src[s + j * si]!;
    let k = nd - 2;
    for (; k >= 0; k--) {
      idx[k]!++;
      s += srcStrides[k]!;
      d += dstStrides[k]!;
      if (idx[k]! < shape[k]!) break;
      s -= srcStrides[k]! * shape[k]!;
      d -= dstStrides[k]! * shape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

export const tsNormPool: NormPoolOps = {
  batchNormForward,
  batchNormBackward,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward: (g, cip, div, x, y) => poolForward(g, (i, j) => avgWindow(g, cip, div, i, j), x, y),
  avgPool2dBackward: (g, cip, div, gy, gx) => poolBackward(g, (i, j) => avgWindow(g, cip, div, i, j), gy, gx),
  adaptiveAvgPool2dForward: (g, x, y) => poolForward(g, (i, j) => adaptiveWindow(g, i, j), x, y),
  adaptiveAvgPool2dBackward: (g, gy, gx) => poolBackward(g, (i, j) => adaptiveWindow(g, i, j), gy, gx),
  interpolate2dForward,
  interpolate2dBackward,
  stridedCopy,
};
