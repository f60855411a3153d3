/**
 * The renderer's logic that needs no browser: payload checking (every refusal names the field) and the
 * receptive-field arithmetic the overlay draws, against the library's receptiveField.
 */
import { describe, expect, it } from 'vitest';
import { clipBox, fieldGeometry, unitBox } from '../../extension/src/field.js';
import { checkPayload, PayloadError } from '../../extension/src/payload.js';
import { coverage, MIME_TYPE, type LayerSpec, receptiveField, randn, show } from '../../src/index.js';
import { DILATED, STEM } from './fixtures.js';

const tensorPayload = () =>
  show.tensor(randn([4, 5]))[Symbol.for('Jupyter.display') as never]()[MIME_TYPE] as unknown as Record<
    string,
    unknown
  >;

describe('renderer payload checks', () => {
  it('accepts a tensor payload from the library and decodes its values', () => {
    const t = randn([4, 5]);
    const p = show.tensor(t)[Symbol.for('Jupyter.display') as never]()[MIME_TYPE];
    const c = checkPayload(p);
    expect(c.kind).toBe('tensor');
    if (c.kind !== 'tensor') return;
    expect(Array.from(c.decoded.values)).toEqual(Array.from(t.data));
    expect(c.decoded.precision).toBe(0);
  });

  it('decodes 8-bit codes within the half step it reports', () => {
    const t = randn([64, 64]);
    const p = show.tensor(t)[Symbol.for('Jupyter.display') as never]()[MIME_TYPE];
    const c = checkPayload(p);
    if (c.kind !== 'tensor') throw new Error(`expected a tensor, got ${c.kind}`);
    expect(c.decoded.view.dtype).toBe('uint8');
    const step = (t.max().item() - t.min().item()) / 254;
    expect(c.decoded.precision).toBeCloseTo(step / 2, 6);
    for (const [i, v] of c.decoded.values.entries())
      expect(Math.abs(v - t.data[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6);
  });

  it('decodes coverage counts, encoded in version 2 and a JSON array in version 1', () => {
    const c = coverage(DILATED);
    const p = show.coverage(c)[Symbol.for('Jupyter.display') as never]()[MIME_TYPE] as Record<
      string,
      unknown
    >;
    const checked = checkPayload(p);
    expect(checked.kind === 'coverage' && checked.coverage.counts).toEqual(c.counts);
    const v1 = checkPayload({ ...p, version: 1, counts: c.counts });
    expect(v1.kind === 'coverage' && v1.coverage.counts).toEqual(c.counts);
    expect(() => checkPayload({ ...p, shape: [12, 13] })).toThrow(/^counts\.data: holds 676 bytes/);
  });

  it('still reads a version 1 payload (raw float32) from notebooks saved before version 2', () => {
    const v1 = {
      version: 1,
      kind: 'tensor',
      shape: [2],
      dtype: 'float32',
      data: Buffer.from(new Float32Array([1.5, -2]).buffer).toString('base64'),
      stats: { min: -2, max: 1.5, mean: -0.25, std: 1.75 },
    };
    const c = checkPayload(v1);
    expect(c.kind === 'tensor' && Array.from(c.decoded.values)).toEqual([1.5, -2]);
    expect(() => checkPayload({ ...v1, dtype: 'uint8' })).toThrow(/^payload\.dtype: expected one of float32/);
  });

  const refusals: [string, (p: Record<string, unknown>) => unknown, RegExp][] = [
    ['not an object', () => 'text', /^payload: expected a JSON object/],
    ['another version', (p) => ({ ...p, version: 3 }), /^version: expected 1 or 2/],
    [
      'an unknown kind',
      (p) => ({ ...p, kind: '<b>x</b>' }),
      /^kind: expected one of tensor, .*got "<b>x<\/b>"/,
    ],
    [
      'truncated data',
      (p) => ({ ...p, data: String(p.data).slice(0, 8) }),
      /^payload\.data: (expected base64 of a zlib stream|holds \d+ bytes but the shape needs 20 float32)/,
    ],
    [
      'data of another shape',
      (p) => ({ ...p, shape: [4, 6] }),
      /^payload\.data: holds 80 bytes but the shape needs 24 float32 values/,
    ],
    [
      'codes without their scale',
      (p) => ({ ...p, dtype: 'uint8', quant: undefined }),
      /^payload\.(data: holds|quant: expected)/,
    ],
    [
      'an unknown dtype',
      (p) => ({ ...p, dtype: 'int4' }),
      /^payload\.dtype: expected one of uint8, float16, float32/,
    ],
    ['bad base64', (p) => ({ ...p, data: '%%%' }), /^payload\.data: expected valid base64/],
    [
      'a negative dimension',
      (p) => ({ ...p, shape: [-4, 5] }),
      /^payload\.shape: expected an array of positive integers/,
    ],
    ['an absurd size', (p) => ({ ...p, shape: [1 << 20, 1 << 20] }), /^payload\.shape: expected at most/],
    [
      'missing stats',
      (p) => ({ ...p, stats: undefined }),
      /^payload\.stats: expected \{min, max, mean, std\}/,
    ],
    ['feature maps of rank 2', (p) => ({ ...p, kind: 'feature-maps' }), /^shape: expected \[C, H, W\]/],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} with a PayloadError naming the field`, () => {
      const bad = make(tensorPayload());
      expect(() => checkPayload(bad)).toThrow(PayloadError);
      expect(() => checkPayload(bad)).toThrow(message);
    });
  }
});

describe('receptive-field arithmetic of the overlay', () => {
  const stacks: [string, LayerSpec[], number][] = [
    ['three 3×3 convolutions', [1, 2, 3].map(() => ({ kernel: 3, padding: 1 })), 7],
    ['conv7/s2 → pool3/s2 → conv3', STEM, 19],
    ['dilation 2, 2, 2', DILATED, 13],
    [
      'asymmetric, unpadded, strided',
      [
        { kernel: [3, 5], stride: [2, 1] },
        { kernel: [1, 3], dilation: [1, 3] },
      ],
      0,
    ],
  ];
  for (const [name, layers, size] of stacks) {
    it(`matches receptiveField for ${name}`, () => {
      const rf = receptiveField(layers, { inputSize: 40 });
      const g = fieldGeometry(
        rf.layers.map((l) => ({
          name: l.name,
          kernel: l.kernel,
          stride: l.stride,
          padding: l.padding,
          dilation: l.dilation,
        })),
      );
      if (size) expect(g.size).toEqual([size, size]);
      expect(g.size).toEqual(rf.size);
      const [oh, ow] = rf.layers.at(-1)!.outputShape!;
      for (const [i, j] of [
        [0, 0],
        [oh >> 1, ow >> 1],
        [oh - 1, ow - 1],
      ]) {
        const b = rf.box(i, j);
        expect(unitBox(g, [i, j])).toEqual([b.top, b.left, b.bottom, b.right]);
        const c = rf.clippedBox(i, j);
        expect(clipBox(unitBox(g, [i, j]), [40, 40])).toEqual([c.top, c.left, c.bottom, c.right]);
      }
    });
  }
});
