/**
 * The batch norm, pooling, resampling and copy primitives (NormPoolOps) on every fast backend against the ts
 * reference: odd sizes, vector tails, sizes that split over threads (above PAR_MIN, 4 Mi floats of traffic, in
 * native/src/norm.c), NaN windows, and outputs that held garbage before.
 */
import { describe, expect, it } from 'vitest';
import { availableBackends, setBackend } from '../../src/backend/index.js';
import { tsBackend } from '../../src/backend/ts.js';
import type { Backend, PoolGeometry, ResampleGeometry } from '../../src/backend/contract.js';
import { fill, relError } from './cases.js';

const TOL = 2e-5;
const fast = availableBackends().filter((n) => n !== 'ts');

/** Output of garbage-filled size n: a backend must write every element. */
const junk = (n: number) => new Float32Array(n).fill(Number.NaN);

/** The first index where a and b differ (NaN equals NaN), or -1: toEqual on arrays of millions is too slow. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && a[i] !== b[i]) return i;
  return -1;
}

function pool(
  planes: number,
  h: number,
  w: number,
  k: [number, number],
  s: [number, number],
  p: [number, number],
  d: [number, number],
  ceil: boolean,
): PoolGeometry {
  const size = (n: number, i: 0 | 1) => {
    const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1;
    let out = (ceil ? Math.ceil(span / s[i]) : Math.floor(span / s[i])) + 1;
    if (ceil && (out - 1) * s[i] >= n + p[i]) out--;
    return out;
  };
  return { planes, h, w, oh: size(h, 0), ow: size(w, 1), kernel: k, stride: s, padding: p, dilation: d };
}

const poolCases: [string, PoolGeometry][] = [
  ['2×2 s2 (fast path)', pool(6, 8, 10, [2, 2], [2, 2], [0, 0], [1, 1], false)],
  ['2×2 s2 odd input', pool(3, 7, 9, [2, 2], [2, 2], [0, 0], [1, 1], false)],
  ['2×2 s2 odd input ceilMode', pool(3, 7, 9, [2, 2], [2, 2], [0, 0], [1, 1], true)],
  ['3×3 s2 p1', pool(4, 11, 13, [3, 3], [2, 2], [1, 1], [1, 1], false)],
  ['3×2 s(1,2) p(1,1) d(2,1) ceil', pool(2, 9, 8, [3, 2], [1, 2], [1, 1], [2, 1], true)],
  ['3×3 s1 p1 ceil', pool(2, 5, 6, [3, 3], [3, 3], [1, 1], [1, 1], true)],
  ['threaded 2×2 s2', pool(4096, 28, 28, [2, 2], [2, 2], [0, 0], [1, 1], false)],
  [
    '2×2 s2 tiled, rows of 3 windows (narrower than a vector)',
    pool(5, 6, 6, [2, 2], [2, 2], [0, 0], [1, 1], false),
  ],
  [
    '2×2 s2 tiled 14×14, rows of 7 (last vector overlaps)',
    pool(37, 14, 14, [2, 2], [2, 2], [0, 0], [1, 1], false),
  ],
  ['2×2 s2 tiled, rows of 4', pool(9, 2, 8, [2, 2], [2, 2], [0, 0], [1, 1], false)],
  ['2×2 s2 rows wider than a chunk', pool(2, 4, 1030, [2, 2], [2, 2], [0, 0], [1, 1], false)],
  ['3×3 s1 rows wider than a chunk', pool(2, 3, 600, [3, 3], [1, 1], [1, 1], [1, 1], false)],
  ['3×3 s2 p1 wide rows (four windows a vector)', pool(4, 9, 40, [3, 3], [2, 2], [1, 1], [1, 1], false)],
  ['3×3 s1 p1 (four windows a vector)', pool(3, 8, 21, [3, 3], [1, 1], [1, 1], [1, 1], true)],
];

describe.each(fast)('%s', (name) => {
  const be = (): Backend => setBackend(name);
  const ref = tsBackend;

  it.each([
    [[4, 3, 5, 7], true, true],
    [[4, 3, 5, 7], false, true],
    [[6, 5], true, true],
    [[2, 3, 4, 5, 6], true, false],
    [[3, 2, 1, 1], false, false],
    [[16, 16, 32, 33], true, true],
    [[8, 16, 128, 128], true, true], // threaded
  ] as [number[], boolean, boolean][])('batchNorm %j training=%s affine=%s', (shape, training, affine) => {
    const [n, c] = shape as [number, number];
    const inner = shape.slice(2).reduce((a, b) => a + b, 1);
    const g = { n, c, inner };
    const x = fill(n * c * inner, 1).map((v, i) => v * 3 + (i % 7));
    const w = affine ? fill(c, 2) : null;
    const b = affine ? fill(c, 3) : null;
    const out = () => {
      const rm = fill(c, 4);
      const rv = fill(c, 5).map((v) => v + 2);
      return { rm, rv, y: junk(x.length), sm: junk(c), si: junk(c) };
    };
    const r = out();
    ref.batchNormForward(g, x, w, b, r.rm, r.rv, training, 0.1, 1e-5, r.y, r.sm, r.si);
    const f = out();
    be().batchNormForward(g, x, w, b, f.rm, f.rv, training, 0.1, 1e-5, f.y, f.sm, f.si);
    for (const k of ['y', 'sm', 'si', 'rm', 'rv'] as const) expect(relError(r[k], f[k]), k).toBeLessThan(TOL);

    const gy = fill(x.length, 6);
    const bwd = (backend: Backend) => {
      const o = { gx: junk(x.length), gw: junk(c), gb: junk(c) };
      backend.batchNormBackward(g, x, gy, w, r.sm, r.si, training, o.gx, o.gw, o.gb);
      return o;
    };
    const rb = bwd(ref);
    const fb = bwd(be());
    for (const k of ['gx', 'gw', 'gb'] as const) expect(relError(rb[k], fb[k]), k).toBeLessThan(TOL);
    // Outputs not asked for are skipped.
    const gx = junk(x.length);
    be().batchNormBackward(g, x, gy, w, r.sm, r.si, training, gx, null, null);
    expect(relError(rb.gx, gx)).toBeLessThan(TOL);
  });

  it.each(poolCases)('maxPool2d %s', (_label, g) => {
    const x = fill(g.planes * g.h * g.w, 7);
    x[3] = Number.NaN; // a NaN takes its window, as in PyTorch
    const outN = g.planes * g.oh * g.ow;
    const ry = junk(outN);
    const ri = new Int32Array(outN).fill(-7);
    ref.maxPool2dForward(g, x, ry, ri);
    const fy = junk(outN);
    const fi = new Int32Array(outN).fill(-7);
    be().maxPool2dForward(g, x, fy, fi);
    expect(firstDifference(fi, ri)).toBe(-1);
    expect(firstDifference(fy, ry)).toBe(-1);
    // Without indices, the same maxima.
    const fy2 = junk(outN);
    be().maxPool2dForward(g, x, fy2, null);
    expect(firstDifference(fy2, ry)).toBe(-1);
    // The backward finds the argmax again from x: the gradient lands where the forward's indices point.
    const gy = fill(outN, 8);
    const expected = new Float32Array(x.length);
    for (let o = 0; o < outN; o++) {
      const plane = Math.floor(o / (g.oh * g.ow));
      if (ri[o]! >= 0) expected[plane * g.h * g.w + ri[o]!]! += gy[o]!;
    }
    const rgx = junk(x.length);
    ref.maxPool2dBackward(g, x, gy, rgx);
    expect(relError(expected, rgx)).toBeLessThan(TOL);
    const fgx = junk(x.length);
    be().maxPool2dBackward(g, x, gy, fgx);
    expect(relError(expected, fgx)).toBeLessThan(TOL);
  });

  it('maxPool2d 2×2 s2 tiled with ties and NaNs: the first maximum of each window wins', () => {
    const g = pool(70, 14, 14, [2, 2], [2, 2], [0, 0], [1, 1], false);
    const x = fill(g.planes * g.h * g.w, 9).map((v) => Math.round(v * 2));
    for (let i = 5; i < x.length; i += 97) x[i] = Number.NaN;
    const outN = g.planes * g.oh * g.ow;
    const [ry, ri, fy, fi] = [junk(outN), new Int32Array(outN), junk(outN), new Int32Array(outN)];
    ref.maxPool2dForward(g, x, ry, ri);
    be().maxPool2dForward(g, x, fy, fi);
    expect(firstDifference(fi, ri)).toBe(-1);
    expect(firstDifference(fy, ry)).toBe(-1);
    const gy = fill(outN, 10);
    const [rgx, fgx] = [junk(x.length), junk(x.length)];
    ref.maxPool2dBackward(g, x, gy, rgx);
    be().maxPool2dBackward(g, x, gy, fgx);
    expect(firstDifference(fgx, rgx)).toBe(-1);
  });

  it.each(
    poolCases
      .filter(([, g]) => g.dilation[0] === 1 && g.dilation[1] === 1)
      .flatMap(([label, g]) => [
        [label, true, 0, g],
        [label, false, 0, g],
        [label, true, 3, g],
      ]) as [string, boolean, number, PoolGeometry][],
  )('avgPool2d %s countIncludePad=%s divisorOverride=%i', (_label, cip, div, g) => {
    const x = fill(g.planes * g.h * g.w, 9);
    const outN = g.planes * g.oh * g.ow;
    const ry = junk(outN);
    ref.avgPool2dForward(g, cip, div, x, ry);
    const fy = junk(outN);
    be().avgPool2dForward(g, cip, div, x, fy);
    expect(relError(ry, fy)).toBeLessThan(TOL);
    const gy = fill(outN, 10);
    const rgx = junk(x.length);
    ref.avgPool2dBackward(g, cip, div, gy, rgx);
    const fgx = junk(x.length);
    be().avgPool2dBackward(g, cip, div, gy, fgx);
    expect(relError(rgx, fgx)).toBeLessThan(TOL);
  });

  it.each([
    [5, 7, 7, 1, 1],
    [3, 10, 9, 3, 4],
    [2, 5, 6, 7, 9],
    [600, 16, 16, 1, 1],
    [2048, 7, 7, 1, 1],
  ])('adaptiveAvgPool2d planes=%i %i×%i → %i×%i', (planes, h, w, oh, ow) => {
    const g = pool(planes, h, w, [1, 1], [1, 1], [0, 0], [1, 1], false);
    g.oh = oh;
    g.ow = ow;
    const x = fill(planes * h * w, 11);
    const ry = junk(planes * oh * ow);
    ref.adaptiveAvgPool2dForward(g, x, ry);
    const fy = junk(ry.length);
    be().adaptiveAvgPool2dForward(g, x, fy);
    expect(relError(ry, fy)).toBeLessThan(TOL);
    const gy = fill(ry.length, 12);
    const rgx = junk(x.length);
    ref.adaptiveAvgPool2dBackward(g, gy, rgx);
    const fgx = junk(x.length);
    be().adaptiveAvgPool2dBackward(g, gy, fgx);
    expect(relError(rgx, fgx)).toBeLessThan(TOL);
  });

  it.each([
    ['nearest', false, 4, 5, 8, 10, 0.5, 0.5],
    ['nearest', false, 7, 5, 3, 11, 7 / 3, 5 / 11],
    ['bilinear', false, 4, 5, 9, 13, 4 / 9, 5 / 13],
    ['bilinear', true, 4, 5, 9, 13, 4 / 9, 5 / 13],
    ['bilinear', false, 8, 6, 3, 4, 8 / 3, 6 / 4],
    ['bilinear', true, 1, 6, 3, 1, 1 / 3, 6],
  ] as [ResampleGeometry['mode'], boolean, number, number, number, number, number, number][])(
    'interpolate2d %s alignCorners=%s %i×%i → %i×%i',
    (mode, alignCorners, h, w, oh, ow, scaleH, scaleW) => {
      const g: ResampleGeometry = { planes: 3, h, w, oh, ow, mode, alignCorners, scaleH, scaleW };
      const x = fill(3 * h * w, 13);
      const ry = junk(3 * oh * ow);
      ref.interpolate2dForward(g, x, ry);
      const fy = junk(ry.length);
      be().interpolate2dForward(g, x, fy);
      expect(relError(ry, fy)).toBeLessThan(TOL);
      const gy = fill(ry.length, 14);
      const rgx = junk(x.length);
      ref.interpolate2dBackward(g, gy, rgx);
      const fgx = junk(x.length);
      be().interpolate2dBackward(g, gy, fgx);
      expect(relError(rgx, fgx)).toBeLessThan(TOL);
    },
  );

  it.each([
    // permute [2,3,4,5] → dims (0,2,3,1): NCHW → NHWC
    ['NCHW→NHWC', [2, 4, 5, 3], 0, [60, 5, 1, 20], 0, [60, 15, 3, 1], 120, 120],
    ['2-D transpose 13×17', [17, 13], 0, [1, 17], 0, [13, 1], 221, 221],
    ['large transpose', [300, 257], 0, [1, 300], 0, [257, 1], 300 * 257, 300 * 257],
    ['slice with step into an offset', [3, 4], 5, [10, 2], 2, [4, 1], 40, 14],
    ['cat part', [2, 3, 6], 0, [18, 6, 1], 6, [42, 6, 1], 36, 84],
    ['scatter into a stepped slice (keeps what lies between)', [3, 4], 0, [4, 1], 1, [10, 2], 12, 40],
    ['pad interior', [2, 3, 4], 0, [12, 4, 1], 7, [30, 6, 1], 24, 67],
    ['scalar', [], 3, [], 1, [], 4, 2],
    ['empty', [2, 0, 3], 0, [0, 3, 1], 0, [0, 3, 1], 1, 1],
    [
      'threaded NCHW→NHWC',
      [16, 28, 28, 160],
      0,
      [125440, 28, 1, 784],
      0,
      [125440, 4480, 160, 1],
      2007040,
      2007040,
    ],
  ] as [string, number[], number, number[], number, number[], number, number][])(
    'stridedCopy %s',
    (_label, shape, so, ss, dOff, ds, srcLen, dstLen) => {
      const src = fill(srcLen, 15);
      const r = fill(dstLen, 16);
      ref.stridedCopy(shape, src, so, ss, r, dOff, ds);
      const f = fill(dstLen, 16);
      be().stridedCopy(shape, src, so, ss, f, dOff, ds);
      expect(firstDifference(f, r)).toBe(-1);
    },
  );
});

describe('ts reference', () => {
  it('updates running stats with the unbiased variance and momentum', () => {
    // two channels, values 1..4 in channel 0 and 10 in channel 1 (biased var 1.25, unbiased 5/3)
    const x = new Float32Array([1, 2, 10, 10, 3, 4, 10, 10]);
    const rm = new Float32Array([0, 1]);
    const rv = new Float32Array([1, 1]);
    const y = junk(8);
    const sm = junk(2);
    const si = junk(2);
    tsBackend.batchNormForward({ n: 2, c: 2, inner: 2 }, x, null, null, rm, rv, true, 0.1, 0, y, sm, si);
    expect(Array.from(sm)).toEqual([2.5, 10]);
    expect(si[0]).toBeCloseTo(1 / Math.sqrt(1.25), 6);
    expect(rm[0]).toBeCloseTo(0.25, 6);
    expect(rm[1]).toBeCloseTo(0.9 + 1, 6);
    expect(rv[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
    expect(rv[1]).toBeCloseTo(0.9, 6);
  });
});
