/** Edge-size cases shared by the backend tests: every contract primitive against the ts reference. */
import type { Backend, ConvGeometry, DeformGeometry } from '../../src/backend/contract.js';

type T3 = [number, number, number];

/** A deterministic pseudo-random fill (xorshift), so failures reproduce. */
export function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

export function geometry(
  n: number,
  c: number,
  k: number,
  inSize: T3,
  kernel: T3,
  o: { groups?: number; stride?: T3; padding?: T3; dilation?: T3 } = {},
): ConvGeometry {
  const stride = o.stride ?? [1, 1, 1];
  const padding = o.padding ?? [0, 0, 0];
  const dilation = o.dilation ?? [1, 1, 1];
  const outSize = inSize.map(
    (s, d) => Math.floor((s + 2 * padding[d]! - dilation[d]! * (kernel[d]! - 1) - 1) / stride[d]!) + 1,
  ) as T3;
  return { n, c, k, groups: o.groups ?? 1, inSize, outSize, kernel, stride, padding, dilation };
}

/** Convolution geometries at the kernels' edges: k = 1, tile ± 1, primes, groups, depthwise, 1-D/3-D. */
export const convCases: [string, ConvGeometry][] = [
  ['3x3 pad 1', geometry(2, 5, 7, [1, 9, 11], [1, 3, 3], { padding: [0, 1, 1] })],
  ['1x1 pointwise', geometry(1, 13, 33, [1, 7, 5], [1, 1, 1])],
  ['k=1 channel', geometry(1, 1, 1, [1, 6, 6], [1, 3, 3])],
  ['rows tile-1 and tile+1', geometry(1, 3, 9, [1, 33, 31], [1, 3, 3], { padding: [0, 1, 1] })],
  ['output channels 17, wide', geometry(1, 4, 17, [1, 5, 67], [1, 3, 3])],
  ['1x1 batch 3, outputs past two tiles', geometry(3, 20, 70, [1, 6, 11], [1, 1, 1])],
  [
    'unpadded 2x5 dilated, batch 2 (reads end at the input)',
    geometry(2, 7, 19, [1, 12, 40], [1, 2, 5], { dilation: [1, 2, 3] }),
  ],
  ['batch 5: an image per task', geometry(5, 6, 10, [1, 9, 13], [1, 3, 3], { padding: [0, 1, 1] })],
  ['1x1 batch 4: an image per task, read in place', geometry(4, 7, 9, [1, 5, 11], [1, 1, 1])],
  [
    'stride 2, packed blocks of more than 480 columns',
    geometry(2, 3, 20, [1, 70, 70], [1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1] }),
  ],
  [
    'transposed-style 4x4 stride 2, phases of unequal widths',
    geometry(1, 8, 16, [1, 31, 31], [1, 4, 4], { stride: [1, 2, 2], padding: [0, 1, 1] }),
  ],
  ['two passes over k (720 rows)', geometry(1, 80, 9, [1, 7, 9], [1, 3, 3], { padding: [0, 1, 1] })],
  ['deep reduction (> kc)', geometry(1, 37, 5, [1, 8, 8], [1, 3, 3], { padding: [0, 1, 1] })],
  ['groups 3', geometry(2, 6, 9, [1, 10, 10], [1, 3, 3], { groups: 3, padding: [0, 1, 1] })],
  [
    'narrow groups: 5 outputs each, ragged width',
    geometry(1, 8, 10, [1, 9, 37], [1, 3, 3], { groups: 2, padding: [0, 1, 1] }),
  ],
  [
    'narrow groups dilated',
    geometry(2, 12, 8, [1, 10, 21], [1, 3, 3], { groups: 2, padding: [0, 2, 2], dilation: [1, 2, 2] }),
  ],
  ['depthwise 3x3', geometry(2, 8, 8, [1, 12, 13], [1, 3, 3], { groups: 8, padding: [0, 1, 1] })],
  [
    'depthwise 3x3 same, odd rows, wide (vectors and both edges)',
    geometry(2, 3, 3, [1, 19, 37], [1, 3, 3], { groups: 3, padding: [0, 1, 1] }),
  ],
  [
    'depthwise 3x3 dilated 2 same, wide',
    geometry(1, 2, 4, [1, 9, 41], [1, 3, 3], { groups: 2, padding: [0, 2, 2], dilation: [1, 2, 2] }),
  ],
  ['depthwise multiplier 2', geometry(1, 4, 8, [1, 9, 9], [1, 5, 5], { groups: 4, padding: [0, 2, 2] })],
  [
    'one input channel, 8 outputs (a first layer)',
    geometry(3, 1, 8, [1, 12, 13], [1, 3, 3], { padding: [0, 1, 1] }),
  ],
  [
    'depthwise dilated',
    geometry(1, 3, 3, [1, 11, 11], [1, 3, 3], { groups: 3, padding: [0, 2, 2], dilation: [1, 2, 2] }),
  ],
  [
    'depthwise stride 2',
    geometry(1, 3, 3, [1, 11, 11], [1, 3, 3], { groups: 3, padding: [0, 1, 1], stride: [1, 2, 2] }),
  ],
  [
    'stride 2 dilation 2',
    geometry(1, 5, 6, [1, 17, 15], [1, 3, 3], { stride: [1, 2, 2], padding: [0, 2, 1], dilation: [1, 2, 2] }),
  ],
  [
    'asymmetric 2x5 stride 3x1',
    geometry(1, 3, 4, [1, 13, 12], [1, 2, 5], { stride: [1, 3, 1], padding: [0, 1, 2] }),
  ],
  ['large padding', geometry(1, 2, 3, [1, 5, 5], [1, 3, 3], { padding: [0, 3, 3] })],
  ['1-D', geometry(2, 3, 5, [1, 1, 29], [1, 1, 5], { padding: [0, 0, 2] })],
  ['3-D', geometry(1, 3, 4, [5, 6, 7], [3, 3, 3], { padding: [1, 1, 1] })],
  [
    '3-D strided dilated',
    geometry(1, 2, 3, [7, 7, 7], [2, 3, 2], { stride: [2, 1, 2], dilation: [2, 1, 1] }),
  ],
  [
    'transposed-style 4x4 stride 2',
    geometry(1, 6, 8, [1, 16, 16], [1, 4, 4], { stride: [1, 2, 2], padding: [0, 1, 1] }),
  ],
  ['prime sizes', geometry(3, 7, 11, [1, 13, 17], [1, 3, 3], { padding: [0, 1, 1] })],
  // Strided depthwise: phase planes and the stride-1 row kernels.
  [
    'depthwise stride 2, multiplier 2, dilated, batch 2',
    geometry(2, 3, 6, [1, 23, 19], [1, 3, 3], {
      groups: 3,
      padding: [0, 2, 1],
      stride: [1, 2, 2],
      dilation: [1, 2, 1],
    }),
  ],
  [
    'depthwise stride 3×1, 5×2 kernel, wide',
    geometry(1, 4, 4, [1, 16, 41], [1, 5, 2], { groups: 4, padding: [0, 2, 0], stride: [1, 3, 1] }),
  ],
  // Small maps of one image with many output channels run transposed (positions as the tile's rows).
  ['one image, 7×7, 3×3, 48 outputs', geometry(1, 40, 48, [1, 7, 7], [1, 3, 3], { padding: [0, 1, 1] })],
  ['one image, 9×9, 1×1, 2 groups of 33', geometry(1, 10, 66, [1, 9, 9], [1, 1, 1], { groups: 2 })],
  [
    'two images, 10×10 → 5×5 stride 2, 40 outputs',
    geometry(2, 7, 40, [1, 10, 10], [1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1] }),
  ],
  [
    'two images, 12×11, 35 outputs, dilated',
    geometry(2, 5, 35, [1, 12, 11], [1, 3, 3], { padding: [0, 2, 2], dilation: [1, 2, 2] }),
  ],
  // Small maps of a batch run as one GEMM over every image (forward, and the filter gradient everywhere).
  ['batch of 4×4 maps', geometry(4, 5, 7, [1, 4, 4], [1, 3, 3], { padding: [0, 1, 1] })],
  ['batch of 7×7 maps, 1×1', geometry(5, 9, 6, [1, 7, 7], [1, 1, 1])],
  [
    'batch of small maps, grouped, stride 2',
    geometry(3, 6, 4, [1, 9, 9], [1, 3, 3], { groups: 2, stride: [1, 2, 2], padding: [0, 1, 1] }),
  ],
  [
    'batch of small 3-D maps, dilated',
    geometry(2, 3, 5, [3, 4, 5], [2, 2, 3], { padding: [1, 1, 2], dilation: [1, 1, 2] }),
  ],
];

export function deform(
  n: number,
  c: number,
  inH: number,
  inW: number,
  kernel: [number, number],
  o: {
    stride?: [number, number];
    padding?: [number, number];
    dilation?: [number, number];
    offsetGroups?: number;
  } = {},
): DeformGeometry {
  const stride = o.stride ?? [1, 1];
  const padding = o.padding ?? [0, 0];
  const dilation = o.dilation ?? [1, 1];
  const out = (s: number, d: number) =>
    Math.floor((s + 2 * padding[d]! - dilation[d]! * (kernel[d]! - 1) - 1) / stride[d]!) + 1;
  return {
    n,
    c,
    inH,
    inW,
    outH: out(inH, 0),
    outW: out(inW, 1),
    kernel,
    stride,
    padding,
    dilation,
    offsetGroups: o.offsetGroups ?? 1,
  };
}

export const deformCases: [string, DeformGeometry][] = [
  ['3x3 pad 1', deform(2, 3, 7, 8, [3, 3], { padding: [1, 1] })],
  [
    'offset groups 2, stride 2, dilation',
    deform(1, 4, 9, 9, [3, 3], { stride: [2, 2], padding: [2, 2], dilation: [2, 2], offsetGroups: 2 }),
  ],
  ['1x1', deform(1, 2, 5, 5, [1, 1])],
];

/** Largest |a − b| relative to the largest |a|, so one tolerance serves every size. */
export function relError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return err / scale;
}

export const volume = (s: number[]) => s.reduce((p, q) => p * q, 1);
export const weightSize = (g: ConvGeometry) => (g.k * g.c * volume(g.kernel)) / g.groups;
export const inputSize = (g: ConvGeometry) => g.n * g.c * volume(g.inSize);
export const outputSize = (g: ConvGeometry) => g.n * g.k * volume(g.outSize);

export type Primitive = keyof Omit<Backend, 'name' | 'threads'>;
