/**
 * The benchmark cases of issue 5 (NCHW float32, no bias), their FLOP counts and their seeded input data.
 *
 * FLOPs = 2·N·K·Hout·Wout·(C/groups)·R·S for a convolution. For the transposed case F the count is the useful
 * work of the equivalent scatter, 2·N·C·H·W·(K/groups)·R·S, i.e. every input pixel times every kernel tap, with
 * nothing counted for the zeros a lowering to a direct convolution would insert. The backward row counts the
 * input gradient and the weight gradient, each as expensive as the forward: 2 × the forward FLOPs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Case A and its relatives: 64 → 64 channels, 3×3, 56×56. */
const A = {
  op: 'conv',
  x: [1, 64, 56, 56],
  w: [64, 64, 3, 3],
  stride: 1,
  padding: 1,
  dilation: 1,
  groups: 1,
};

/** The full cases, as in the table. */
const fullCases = [
  { id: 'A', label: '1×64×56×56, 64 filters 3×3, pad 1', ...A },
  {
    id: 'B',
    label: '1×256×56×56 → 64, 1×1',
    ...A,
    x: [1, 256, 56, 56],
    w: [64, 256, 1, 1],
    padding: 0,
  },
  {
    id: 'C',
    label: '1×128×56×56 depthwise 3×3, pad 1',
    ...A,
    x: [1, 128, 56, 56],
    w: [128, 1, 3, 3],
    groups: 128,
  },
  {
    id: 'D',
    label: '1×128×28×28 → 128, 3×3, groups 32',
    ...A,
    x: [1, 128, 28, 28],
    w: [128, 4, 3, 3],
    groups: 32,
  },
  { id: 'E', label: 'case A with dilation 2, pad 2', ...A, padding: 2, dilation: 2 },
  {
    id: 'F',
    label: 'transposed 1×64×32×32 → 32, 4×4, stride 2, pad 1',
    op: 'convT',
    x: [1, 64, 32, 32],
    // PyTorch's transposed weight layout: [in_channels, out_channels/groups, R, S]
    w: [64, 32, 4, 4],
    stride: 2,
    padding: 1,
    dilation: 1,
    groups: 1,
  },
  { id: 'G', label: 'case A at batch 8', ...A, x: [8, 64, 56, 56] },
  { id: 'Abwd', label: 'case A backward (input + weight gradients)', ...A, backward: true },
];

/** The same cases shrunk to a few kFLOPs (same structure), for the smoke test and for trying the harness. */
const quickShapes = {
  A: { x: [1, 4, 9, 9], w: [4, 4, 3, 3] },
  B: { x: [1, 16, 9, 9], w: [4, 16, 1, 1] },
  C: { x: [1, 8, 9, 9], w: [8, 1, 3, 3], groups: 8 },
  D: { x: [1, 8, 9, 9], w: [8, 2, 3, 3], groups: 4 },
  E: { x: [1, 4, 9, 9], w: [4, 4, 3, 3] },
  F: { x: [1, 4, 6, 6], w: [4, 2, 4, 4] },
  G: { x: [2, 4, 9, 9], w: [4, 4, 3, 3] },
  Abwd: { x: [1, 4, 9, 9], w: [4, 4, 3, 3] },
};
const quickCases = fullCases.map((c) => ({
  ...c,
  ...quickShapes[c.id],
  label: `${c.label} (quick: shrunk)`,
}));

/** Output shape of a case (PyTorch's formulas). */
function outShape(c) {
  const [n, , h, w] = c.x;
  const [r, s] = [c.w[2], c.w[3]];
  const d = c.dilation;
  if (c.op === 'convT') {
    const k = c.w[1] * c.groups;
    const size = (i, kk) => (i - 1) * c.stride - 2 * c.padding + d * (kk - 1) + 1;
    return [n, k, size(h, r), size(w, s)];
  }
  const size = (i, kk) => Math.floor((i + 2 * c.padding - d * (kk - 1) - 1) / c.stride) + 1;
  return [n, c.w[0], size(h, r), size(w, s)];
}

function flopsOf(c, y) {
  const [n, ch, h, w] = c.x;
  const [r, s] = [c.w[2], c.w[3]];
  const forward =
    c.op === 'convT'
      ? 2 * n * ch * h * w * (y[1] / c.groups) * r * s
      : 2 * n * y[1] * y[2] * y[3] * (ch / c.groups) * r * s;
  return c.backward ? 2 * forward : forward;
}

/** The cases to run: all, or those whose id is listed; each with its output shape and FLOPs. */
export function selectCases({ quick = false, ids = null } = {}) {
  const all = quick ? quickCases : fullCases;
  const picked = ids ? all.filter((c) => ids.includes(c.id)) : all;
  if (ids && picked.length !== ids.length) {
    const known = all.map((c) => c.id).join(', ');
    throw new Error(`bench: --cases must name cases among ${known}, got ${ids.join(', ')}`);
  }
  return picked.map((c) => {
    const y = outShape(c);
    return { ...c, y, flops: flopsOf(c, y) };
  });
}

/** mulberry32: a tiny seeded generator, so every engine reads the very same numbers. */
function uniformArray(length, seed, scale) {
  const out = new Float32Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (2 * u - 1) * scale;
  }
  return out;
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);

/**
 * Writes each case's input (uniform in [-1, 1)), weight (scaled by 1/√fan-in so outputs stay O(1) and a max
 * abs diff means the same thing in every case) and, for backward, the output gradient, as raw little-endian
 * float32 files `<id>-x.bin`, `<id>-w.bin`, `<id>-gy.bin`, plus `cases.json` describing them.
 */
export function writeCaseData(dir, cases) {
  mkdirSync(dir, { recursive: true });
  cases.forEach((c, i) => {
    const fanIn = c.op === 'convT' ? c.w[0] * c.w[2] * c.w[3] : c.w[1] * c.w[2] * c.w[3];
    const write = (name, arr) => writeFileSync(join(dir, `${c.id}-${name}.bin`), arr);
    write('x', uniformArray(size(c.x), 1000 + 3 * i, 1));
    write('w', uniformArray(size(c.w), 1001 + 3 * i, 1 / Math.sqrt(fanIn)));
    if (c.backward) write('gy', uniformArray(size(c.y), 1002 + 3 * i, 1));
  });
  writeFileSync(join(dir, 'cases.json'), `${JSON.stringify(cases, null, 2)}\n`);
}
