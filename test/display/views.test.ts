import { describe, expect, it } from 'vitest';
import { colorOf } from '../../src/display/colormap.js';
import type { FeatureMapsView, KernelsView, TensorView } from '../../src/display/contract.js';
import { barLabelWidth, cellScale } from '../../src/display/raster.js';
import {
  avgPool2d,
  CONTRACT_VERSION,
  MIME_TYPE,
  Conv2d,
  JUPYTER_DISPLAY,
  manualSeed,
  randn,
  show,
  Tensor,
  tensor,
  toMimeBundle,
  zeros,
} from '../../src/index.js';
import { payloadOf, pixel, pngOf, validate, valuesOf } from './helpers.js';

manualSeed(1);

describe('toMimeBundle', () => {
  it('draws an HW tensor as a heatmap: payload, stats, PNG cells in the colour map', () => {
    const x = randn([20, 30]);
    const b = toMimeBundle(x, { name: 'x' });
    const p = payloadOf<TensorView>(b);
    expect(p).toMatchObject({ version: 2, kind: 'tensor', layout: 'HW', shape: [20, 30], name: 'x' });
    // 600 values: small enough to travel exact.
    expect(p.dtype).toBe('float32');
    expect(Array.from(valuesOf(p))).toEqual(Array.from(x.data));
    // Statistics agree with the tensor library's own reductions (population std).
    expect(p.stats.min).toBeCloseTo(x.min().item(), 6);
    expect(p.stats.max).toBeCloseTo(x.max().item(), 6);
    expect(p.stats.mean).toBeCloseTo(x.mean().item(), 5);
    expect(p.stats.std).toBeCloseTo(x.std(null, { correction: 0 }).item(), 5);
    // Signed data: the diverging map on a scale symmetric about 0.
    expect(p.cmap).toBe('diverging');
    const a = Math.max(-p.stats.min, p.stats.max);
    expect(p.range).toEqual([-a, a]);
    const png = pngOf(b);
    const s = cellScale(30, 20);
    // The colour bar's tick values take the space their labels need.
    expect(png.shape).toEqual([3, 20 * s + 8, 30 * s + 8 + 22 + barLabelWidth(-a, a, 20 * s - 2)]);
    for (const [i, j] of [
      [0, 0],
      [7, 11],
      [19, 29],
    ]) {
      const expected = colorOf('diverging', x.data[i! * 30 + j!]!, -a, a);
      expect(pixel(png, 4 + j! * s + 1, 4 + i! * s + 1)).toEqual(expected);
    }
    expect(b['text/plain']).toContain('x: Tensor [20, 30] float32');
    expect(b['text/plain']).toMatch(/min -?\d.*max \d.*mean .*std \d/);
  });

  it('picks the view by rank', () => {
    expect(payloadOf<TensorView>(toMimeBundle(tensor(2.5)))).toMatchObject({ layout: 'scalar', shape: [] });
    expect(toMimeBundle(tensor(2.5))['text/plain']).toContain('tensor(2.5)');
    // Small tensors list their values in the text form; large ones do not.
    expect(toMimeBundle(tensor([0, 1.5, 2, 3]))['text/plain']).toContain('[0, 1.5, 2, 3]');
    expect(toMimeBundle(tensor([[[1, 2]], [[3, 4]]]))['text/plain']).toContain('[[[1, 2]], [[3, 4]]]');
    expect(toMimeBundle(randn([40]))['text/plain'].split('\n')).toHaveLength(2);
    const v = payloadOf<TensorView>(toMimeBundle(tensor([0, 1, 2, 3])));
    expect(v).toMatchObject({ kind: 'tensor', layout: 'vector', shape: [4], cmap: 'viridis', range: [0, 3] });
    const chw = payloadOf<FeatureMapsView>(toMimeBundle(randn([5, 6, 7])));
    expect(chw).toMatchObject({
      kind: 'feature-maps',
      layout: 'CHW',
      shape: [5, 6, 7],
      scale: 'shared',
      cols: 3,
    });
    expect(chw.note).toBeUndefined();
  });

  it('shows the first item of a batch, with a note, and stats of the whole batch', () => {
    const x = randn([2, 3, 4, 4]);
    const b = toMimeBundle(x);
    const p = payloadOf<FeatureMapsView>(b);
    expect(p.shape).toEqual([3, 4, 4]);
    expect(p.sourceShape).toEqual([2, 3, 4, 4]);
    expect(p.note).toBe('first item of a batch of 2');
    expect(Array.from(valuesOf(p))).toEqual(Array.from(x.data.subarray(0, 48)));
    expect(p.stats.mean).toBeCloseTo(x.mean().item(), 5);
    expect(b['text/plain']).toContain('first item of a batch of 2');
    const five = payloadOf<FeatureMapsView>(toMimeBundle(randn([2, 3, 2, 4, 4])));
    expect(five.shape).toEqual([12, 4, 4]);
    expect(five.note).toContain('flattened into 12 maps');
  });

  it('down-samples a large map by block mean with a visible note; the cap is an option', () => {
    const x = randn([1, 40, 40]);
    const b = toMimeBundle(x, { maxElements: 400 });
    const p = payloadOf<FeatureMapsView>(b);
    expect(p.shape).toEqual([1, 20, 20]);
    expect(p.sourceShape).toEqual([1, 40, 40]);
    expect(p.note).toContain('down-sampled 2× (block mean) from 40×40 to 20×20');
    expect(b['text/plain']).toContain('down-sampled 2×');
    const pooled = avgPool2d(x.reshape([1, 1, 40, 40]), 2);
    expect(p.dtype).toBe('float32');
    const got = valuesOf(p);
    for (let i = 0; i < pooled.size; i++) expect(got[i]).toBeCloseTo(pooled.data[i]!, 5);
    // Stats still describe the full tensor.
    expect(p.stats.max).toBeCloseTo(x.max().item(), 6);
    const png = pngOf(b);
    const s = cellScale(20, 20);
    expect(png.shape[2]).toBe(20 * s + 8 + 22 + barLabelWidth(p.range![0], p.range![1], 20 * s - 2));
    // A HW map and a vector are capped the same way; odd sizes keep a partial edge block.
    expect(payloadOf<TensorView>(toMimeBundle(randn([9, 9]), { maxElements: 24 })).shape).toEqual([3, 3]);
    expect(payloadOf<TensorView>(toMimeBundle(randn([101]), { maxElements: 50 })).shape).toEqual([34]);
  });

  it('leaves out channels past maxChannels', () => {
    const p = payloadOf<FeatureMapsView>(toMimeBundle(randn([10, 5, 5]), { maxChannels: 4 }));
    expect(p.shape).toEqual([4, 5, 5]);
    expect(p.note).toBe('showing the first 4 of 10 channels');
    expect(() => toMimeBundle(randn([2, 2]), { maxElements: 0 })).toThrow(
      /show.tensor: maxElements must be a positive integer, got 0/,
    );
  });

  it('keeps the first maps of a deep stack whole under the default cap, as 8-bit codes', () => {
    const x = randn([256, 56, 56]);
    const b = toMimeBundle(x);
    const p = payloadOf<FeatureMapsView>(b);
    // 2^15 values hold 10 maps of 56×56; at least 16 are kept, so they are halved.
    expect(p.shape).toEqual([16, 28, 28]);
    expect(p.note).toContain('showing the first 16 of 256 channels');
    expect(p.note).toContain('down-sampled 2×');
    expect(p).toMatchObject({ dtype: 'uint8' });
    // One scale per map: each map's codes span its own range, and decode within half a step.
    expect(p.quant!.scale).toHaveLength(16);
    const pooled = avgPool2d(x.narrow(0, 0, 16).reshape([1, 16, 56, 56]), 2);
    const got = valuesOf(p);
    for (let k = 0; k < 16; k++) {
      const step = p.quant!.scale[k]!;
      for (let i = 0; i < 28 * 28; i += 37) {
        const want = pooled.data[k * 28 * 28 + i]!;
        expect(Math.abs(got[k * 28 * 28 + i]! - want)).toBeLessThanOrEqual(step / 2 + 1e-6);
      }
    }
    const few = toMimeBundle(zeros([5, 4, 4]), { maxPictureMaps: 2 });
    expect(few['text/plain']).toContain('the picture shows the first 2 of 5 maps');
    expect(payloadOf<FeatureMapsView>(few).shape).toEqual([5, 4, 4]);
    // A 24×24 stack of 64 maps fits whole (36,864 > 2^15 values would not: 56 maps would).
    expect(payloadOf<FeatureMapsView>(toMimeBundle(zeros([64, 16, 16]))).shape).toEqual([64, 16, 16]);
  });

  it('carries what dtype asks for, and refuses an unknown one', () => {
    const x = randn([40, 40]);
    const half = payloadOf<TensorView>(toMimeBundle(x, { dtype: 'float16' }));
    expect(half.dtype).toBe('float16');
    for (const [i, v] of valuesOf(half).entries())
      expect(Math.abs(v - x.data[i]!)).toBeLessThanOrEqual(Math.abs(x.data[i]!) * 2 ** -11);
    const exact = payloadOf<TensorView>(toMimeBundle(x, { dtype: 'float32' }));
    expect(Array.from(valuesOf(exact))).toEqual(Array.from(x.data));
    expect(payloadOf<TensorView>(toMimeBundle(x)).dtype).toBe('uint8');
    expect(() => toMimeBundle(x, { dtype: 'int8' as never })).toThrow(
      /show.tensor: dtype must be 'uint8', 'float16' or 'float32', got "int8"/,
    );
  });

  it('leaves non-finite values out of the stats and says so', () => {
    const b = toMimeBundle(tensor([1, Number.NaN, 3, Number.POSITIVE_INFINITY]));
    const p = payloadOf<TensorView>(b);
    expect(p.stats).toEqual({ min: 1, max: 3, mean: 2, std: 1 });
    expect(b['text/plain']).toContain('2 non-finite values left out');
  });

  it('describes an empty tensor', () => {
    const b = toMimeBundle(new Tensor(new Float32Array(0), [0, 3]));
    expect(payloadOf<TensorView>(b).note).toBe('empty tensor of shape [0, 3]');
    expect(pngOf(b).shape).toEqual([3, 16, 16]);
  });

  it('is what a Tensor returns from Symbol.for("Jupyter.display")', () => {
    const x = randn([3, 3]);
    const fromSymbol = (x as unknown as Record<symbol, () => unknown>)[Symbol.for('Jupyter.display')]!();
    expect(fromSymbol).toEqual(toMimeBundle(x));
    expect(x[JUPYTER_DISPLAY]()).toEqual(fromSymbol);
    expect(Object.keys(x)).not.toContain(String(JUPYTER_DISPLAY));
  });
});

describe('show.featureMaps and show.kernels', () => {
  it('uses per-map scales when asked: no shared range, a labelled colour bar beside each map', () => {
    const x = randn([4, 3, 3]).abs();
    const shared = pngOf(show.featureMaps(x).bundle);
    const b = show.featureMaps(x, { scale: 'per-map', cols: 4, cmap: 'gray' }).bundle;
    const p = payloadOf<FeatureMapsView>(b);
    expect(p).toMatchObject({ scale: 'per-map', cols: 4, cmap: 'gray' });
    expect(p.range).toBeUndefined();
    const png = pngOf(b);
    // Four small bars with their labels take more room than the one shared bar.
    expect(png.shape[2]).toBeGreaterThan(shared.shape[2]!);
    // Each map on its own scale: its brightest cell is white.
    const s = cellScale(4 * 5, 5);
    const m0 = Array.from(x.data.subarray(0, 9));
    const k = m0.indexOf(Math.max(...m0));
    expect(pixel(png, 4 + (k % 3) * s, 4 + Math.floor(k / 3) * s)).toEqual([255, 255, 255]);
  });

  it('draws weights as an out × in grid of filters, from a tensor or a layer', () => {
    const conv = new Conv2d(3, 8, 5);
    const b = show.kernels(conv).bundle;
    const p = payloadOf<KernelsView>(b);
    expect(p).toMatchObject({ kind: 'kernels', layout: 'OIHW', shape: [8, 3, 5, 5], scale: 'shared' });
    expect(Array.from(valuesOf(p))).toEqual(Array.from(conv.weight.data));
    const s = cellScale(3 * 7, 8 * 7);
    const a = Math.max(-p.stats.min, p.stats.max);
    const barH = Math.max(8 * 5 * s + 7 * 2, 48) - 2;
    expect(pngOf(b).shape).toEqual([
      3,
      8 * 5 * s + 7 * 2 + 8,
      3 * 5 * s + 2 * 2 + 8 + 22 + barLabelWidth(-a, a, barH),
    ]);
    expect(b['text/plain']).toContain('Kernels [8, 3, 5, 5]');
    const w = randn([6, 6, 3, 3]);
    const capped = payloadOf<KernelsView>(show.kernels(w, { maxChannels: 2 }).bundle);
    expect(capped.shape).toEqual([2, 2, 3, 3]);
    expect(capped.note).toBe('showing 2 of 6 output and 2 of 6 input channels');
    // Filter [1, 0] of the kept grid is filter [1, 0] of the weights.
    expect(Array.from(valuesOf(capped).subarray(18, 27))).toEqual(Array.from(w.data.subarray(54, 63)));
    expect(payloadOf<KernelsView>(show.kernels(randn([4, 2, 3])).bundle).shape).toEqual([4, 2, 1, 3]);
    expect(() => show.kernels(randn([3, 3]))).toThrow(/show.kernels: expected weights \[out, in, kH, kW\]/);
  });
});

describe('contract schema', () => {
  it('names the same MIME type and version as the types', () => {
    const schema = validate.schema as {
      title: string;
      definitions: Record<string, { properties: { version: { const: number } } }>;
    };
    expect(schema.title).toBe(MIME_TYPE);
    for (const def of ['tensor', 'featureMaps', 'kernels', 'receptiveField', 'coverage']) {
      expect(schema.definitions[def]!.properties.version.const).toBe(CONTRACT_VERSION);
    }
  });

  it('rejects payloads that break the contract', () => {
    const good = payloadOf<TensorView>(toMimeBundle(randn([2, 2])));
    expect(validate({ ...good, kind: 'tensors' })).toBe(false);
    expect(validate({ ...good, version: 1 })).toBe(false);
    expect(validate({ ...good, dtype: 'uint8' })).toBe(false);
    expect(validate({ ...good, stats: { min: 0, max: 1 } })).toBe(false);
    expect(validate({ ...good, data: '<script>' })).toBe(false);
    expect(validate({ ...good, extra: 1 })).toBe(false);
  });
});
