import { describe, expect, it } from 'vitest';
import { firstDifference } from '../../runner/compare.js';
import { decodeArray, encodeArray, fromHalf, NON_FINITE_CODE, toHalf } from '../../src/display/codec.js';
import { niceTicks, tickLabel } from '../../src/display/font.js';
import { manualSeed, randn, show } from '../../src/index.js';
import { payloadOf, pixel, pngOf } from './helpers.js';

manualSeed(5);

describe('array codec of the display contract', () => {
  it('rounds float32 to IEEE half as numpy does (nearest, ties to even, subnormals, overflow)', () => {
    // Reference bit patterns: numpy.float16(v).view(numpy.uint16).
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [0.1, 0x2e66],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [6.097555e-5, 0x03ff],
      [Number.NEGATIVE_INFINITY, 0xfc00],
    ];
    for (const [v, bits] of cases) expect(toHalf(v), `${v}`).toBe(bits);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
    for (const [v, bits] of [cases[0]!, cases[1]!, cases[2]!, cases[4]!])
      expect(fromHalf(bits)).toBeCloseTo(v, 3);
    expect(fromHalf(0x7c00)).toBe(Number.POSITIVE_INFINITY);
  });

  it('quantises each map on its own scale, marks non-finite values, and decodes within half a step', () => {
    const x = new Float32Array(2 * 3 * 4);
    for (let i = 0; i < 12; i++) x[i] = i / 100;
    for (let i = 12; i < 24; i++) x[i] = 1000 + i;
    x[5] = Number.NaN;
    const enc = encodeArray(x, [2, 3, 4], 'uint8', 2);
    expect(enc.quant!.offset).toEqual([0, 1012]);
    expect(enc.quant!.scale[0]).toBeCloseTo(0.11 / 254, 9);
    const back = decodeArray('x', enc, [2, 3, 4]);
    expect(Number.isNaN(back[5]!)).toBe(true);
    for (let i = 0; i < 24; i++) {
      if (i === 5) continue;
      const step = enc.quant!.scale[i < 12 ? 0 : 1]!;
      expect(Math.abs(back[i]! - x[i]!)).toBeLessThanOrEqual(step / 2 + 1e-4);
    }
    expect(NON_FINITE_CODE).toBe(255);
  });

  it('filters rows losslessly and packs a smooth map several times smaller than raw codes', () => {
    const h = 64;
    const w = 96;
    const smooth = new Float32Array(h * w);
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) smooth[i * w + j] = Math.sin(i / 9) + Math.cos(j / 13);
    const enc = encodeArray(smooth, [h, w], 'uint8');
    const bytes = Buffer.from(enc.data, 'base64').length;
    expect(bytes).toBeLessThan((h * w) / 4);
    const noise = randn([h, w]).data;
    const exact = decodeArray('n', encodeArray(noise, [h, w], 'float32'), [h, w]);
    expect(Array.from(exact)).toEqual(Array.from(noise));
    expect(() => decodeArray('n', encodeArray(noise, [h, w], 'float32'), [h, w + 1])).toThrow(
      /^n\.data: holds 24576 bytes but the shape needs 6208 float32 values/,
    );
  });
});

describe('the notebook comparison of encoded arrays', () => {
  const payload = (values: Float32Array) => ({
    version: 2,
    kind: 'tensor',
    shape: [values.length],
    ...encodeArray(values, [values.length], 'uint8'),
  });

  it('takes codes a step apart on a rounding boundary as equal, and a real change as a difference', () => {
    const a = new Float32Array(300).map((_, i) => i / 299);
    const nudged = a.map((v, i) => (i === 100 ? v + 0.6 / 254 : v));
    const moved = a.map((v, i) => (i === 100 ? v + 0.05 : v));
    expect(firstDifference(payload(nudged), payload(a))).toBeNull();
    expect(firstDifference(payload(moved), payload(a))).toMatch(/^\.data\[100\]: /);
  });

  it('compares coverage counts, which carry no shape of their own, exactly', () => {
    const counts = (values: number[]) => ({
      version: 2,
      kind: 'coverage',
      shape: [2, 3],
      counts: encodeArray(Float32Array.from(values), [2, 3], 'float32'),
    });
    expect(firstDifference(counts([0, 1, 2, 4, 2, 1]), counts([0, 1, 2, 4, 2, 1]))).toBeNull();
    expect(firstDifference(counts([0, 1, 2, 4, 2, 1]), counts([0, 1, 2, 3, 2, 1]))).toMatch(
      /^\.counts\.data\[3\]: 4 vs 3/,
    );
  });
});

describe('numbers on pictures', () => {
  it('chooses round ticks within the range', () => {
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3.7, 3.7, 4)).toEqual([-2, 0, 2]);
    expect(niceTicks(0, 2.7, 6)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(0.3, 0.31, 3).map(tickLabel)).toEqual(['0.3', '0.305', '0.31']);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('labels a colour bar with its values', () => {
    const b = show.tensor(randn([16, 16]).abs(), { cmap: 'viridis' }).bundle;
    const png = pngOf(b);
    const [, h, w] = png.shape as [number, number, number];
    const p = payloadOf(b);
    expect(p.kind).toBe('tensor');
    // Rows with ink (the font's grey) right of the bar: tick marks are one row each, their values seven rows.
    let rows = 0;
    for (let y = 0; y < h; y++) {
      let ink = false;
      for (let x = w - 30; x < w; x++) if (pixel(png, x, y).join() === '68,68,68') ink = true;
      if (ink) rows++;
    }
    expect(rows).toBeGreaterThan(14);
  });
});
