import { describe, expect, it } from 'vitest';
import { colorOf } from '../../src/display/colormap.js';
import type { CoverageView, ReceptiveFieldView, TensorView } from '../../src/display/contract.js';
import { cellScale } from '../../src/display/raster.js';
import {
  checkerboard,
  Conv2d,
  coverage,
  effectiveReceptiveField,
  JUPYTER_DISPLAY,
  manualSeed,
  rand,
  randn,
  receptiveField,
  ReLU,
  Sequential,
  show,
} from '../../src/index.js';
import { payloadOf, pixel, pngOf, valuesOf } from './helpers.js';
import { decodeArray, type EncodedArray } from '../../src/display/codec.js';

manualSeed(2);
const ORANGE = [255, 127, 14];
const stack = [
  { name: 'conv1', kernel: 7, stride: 2, padding: 3 },
  { name: 'pool', kernel: 3, stride: 2, padding: 1 },
  { name: 'conv2', kernel: 3, padding: 1 },
];

describe('show.receptiveField', () => {
  it('carries the layer arithmetic and outlines the pinned unit on the input', () => {
    const rf = receptiveField(stack);
    const input = rand([1, 32, 32]);
    const b = show.receptiveField(rf, { input, units: [[2, 3]], name: 'stem' }).bundle;
    const p = payloadOf<ReceptiveFieldView>(b);
    const rows = rf.withInputSize(32).layers;
    expect(p.layers).toEqual(
      rows.map(({ name, kernel, stride, padding, dilation, jump, size, start }) => ({
        name,
        kernel,
        stride,
        padding,
        dilation,
        jump,
        size,
        start,
      })),
    );
    expect(p.inputShape).toEqual([32, 32]);
    expect(p.output.shape).toEqual([8, 8]);
    expect(p.units).toEqual([[2, 3]]);
    expect(p.reach).toBeUndefined();
    const view = p.input as TensorView;
    expect(view).toMatchObject({ kind: 'tensor', layout: 'HW', shape: [32, 32], cmap: 'gray' });
    expect(Array.from(valuesOf(view))).toEqual(Array.from(input.data));
    // Unit [2, 3]: centre 8, 12 with a 19-cell field: rows −1..17, cols 3..21; the outline starts at the clipped
    // corner.
    const box = rf.box(2, 3);
    expect(box).toEqual({ top: -1, left: 3, bottom: 17, right: 21 });
    const png = pngOf(b);
    const s = cellScale(32, 32, 256, 16);
    expect(png.shape).toEqual([3, 32 * s + 8, 32 * s + 8]);
    expect(pixel(png, 4 + 3 * s, 4 + 0)).toEqual(ORANGE);
    expect(pixel(png, 4 + 21 * s + s - 1, 4 + 17 * s + s - 1)).toEqual(ORANGE);
    // A cell inside the box shows the input in gray.
    const v = input.data[10 * 32 + 10]!;
    const stats = view.stats;
    expect(pixel(png, 4 + 10 * s + s / 2, 4 + 10 * s + s / 2)).toEqual(
      colorOf('gray', v, stats.min, stats.max),
    );
    expect(b['text/plain']).toContain('stem: Receptive field of 3 layers, input 32×32 → output 8×8');
    expect(b['text/plain']).toContain('unit [2, 3] sees input rows -1..17, cols 3..21');
    expect(b['text/plain']).toMatch(/conv2 +3 +1 +1 +1 +4 +19 +0/);
  });

  it('draws the input of its picture from the values the payload carries', () => {
    const input = rand([3, 16, 16]);
    const b = show.receptiveField(receptiveField(stack), { input, maxElements: 3 * 8 * 8 }).bundle;
    const view = payloadOf<ReceptiveFieldView>(b).input as TensorView;
    expect(view).toMatchObject({ shape: [3, 8, 8], sourceShape: [3, 16, 16], dtype: 'float32' });
    const values = valuesOf(view);
    const png = pngOf(b);
    const s = cellScale(16, 16, 256, 16);
    // Input cells [4, 6] and [5, 7] share sampled cell [2, 3]: one colour, the payload's.
    const want = [0, 1, 2].map((c) => Math.round(values[c * 64 + 2 * 8 + 3]! * 255));
    expect(pixel(png, 4 + 6 * s + 1, 4 + 4 * s + 1)).toEqual(want);
    expect(pixel(png, 4 + 7 * s + 1, 4 + 5 * s + 1)).toEqual(want);
  });

  it('takes a model and defaults to the centre unit on a blank grid', () => {
    const model = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new Conv2d(2, 2, 3));
    const p = payloadOf<ReceptiveFieldView>(show.receptiveField(model).bundle);
    // Field 5: the default grid is 16×16, output 12×12, centre unit [5, 5].
    expect(p.inputShape).toEqual([16, 16]);
    expect(p.output.shape).toEqual([12, 12]);
    expect(p.units).toEqual([[5, 5]]);
    expect((p.input as TensorView).note).toBe('no input given: a blank grid');
    // An asked-for size wins over the field's own.
    const sized = receptiveField(model, { inputSize: 32 });
    expect(payloadOf<ReceptiveFieldView>(show.receptiveField(sized).bundle).inputShape).toEqual([32, 32]);
    const asked = payloadOf<ReceptiveFieldView>(show.receptiveField(sized, { inputSize: [20, 24] }).bundle);
    expect(asked.inputShape).toEqual([20, 24]);
    expect(asked.output.shape).toEqual([16, 20]);
  });

  it('marks the cells a dilated stack reaches and carries its ERF', () => {
    const layers = [2, 2, 2].map((d) => ({ kernel: 3, dilation: d, padding: d }));
    const model = new Sequential(
      ...layers.map((l) => new Conv2d(3, 3, 3, { dilation: l.dilation, padding: l.padding })),
    );
    const img = rand([3, 24, 24]);
    const erf = effectiveReceptiveField(model, img, [12, 12]);
    const b = erf[JUPYTER_DISPLAY]();
    const p = payloadOf<ReceptiveFieldView>(b);
    expect(p.erfUnit).toEqual([12, 12]);
    expect(p.units).toEqual([[12, 12]]);
    const c = coverage(layers);
    expect(p.reach!.shape).toEqual([13, 13]);
    expect(Array.from(decodeArray('reach', p.reach!.counts as EncodedArray, [13, 13]))).toEqual(c.counts);
    expect((p.erf as TensorView).shape).toEqual([24, 24]);
    expect(Array.from(valuesOf(p.erf as TensorView))).toEqual(Array.from(erf.map.data));
    // An RGB input in [0, 1] stays in colour: 8-bit codes on one scale for its three channels.
    const image = p.input as TensorView;
    expect(image).toMatchObject({ kind: 'tensor', layout: 'CHW', shape: [3, 24, 24], dtype: 'uint8' });
    expect(image.quant?.scale).toHaveLength(1);
    const step = image.quant!.scale[0]!;
    for (const [i, v] of valuesOf(image).entries())
      expect(Math.abs(v - img.data[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6);
    expect(b['text/plain']).toContain('dilated: one unit reaches 49 of 169 cells of its field');
    expect(b['text/plain']).toContain('effective receptive field of unit [12, 12]');
  });

  it('rejects units outside the output and an ERF of another size', () => {
    const rf = receptiveField(stack, { inputSize: 32 });
    expect(() => show.receptiveField(rf, { units: [[8, 0]] })).toThrow(
      /show.receptiveField: units must be \[i, j\] within the 8×8 output, got \[8,0\]/,
    );
    expect(() => show.receptiveField([])).toThrow(
      /show.receptiveField: the stack has no sliding-window layers/,
    );
    expect(() => show.receptiveField(rf, { erf: randn([16, 16]), input: rand([1, 32, 32]) })).toThrow(
      /erf must be an \[H, W\] map of the input's 32×32, got \[16, 16\]/,
    );
  });

  it('shows an ERF of a plain function as a heatmap', () => {
    const erf = effectiveReceptiveField((x) => x.mul(2), randn([1, 1, 5, 5]), [2, 2]);
    const p = payloadOf<TensorView>(erf[JUPYTER_DISPLAY]());
    expect(p).toMatchObject({
      kind: 'tensor',
      layout: 'HW',
      name: 'effective receptive field of unit [2, 2]',
    });
  });
});

describe('show.coverage', () => {
  it('draws gridding counts with the holes left white', () => {
    const c = coverage([2, 2, 2].map((d) => ({ kernel: 3, dilation: d })));
    const b = c[JUPYTER_DISPLAY]();
    const p = payloadOf<CoverageView>(b);
    expect(p).toMatchObject({ mode: 'gridding', shape: [13, 13], reached: 49, total: 169 });
    // Counts travel encoded (exact float32, deflated): a JSON array would take a line per number in a notebook.
    expect(Array.from(decodeArray('counts', p.counts as EncodedArray, [13, 13]))).toEqual(c.counts);
    const png = pngOf(b);
    const s = cellScale(13, 13, 320, 24);
    expect(pixel(png, 4 + 1 * s + 1, 4 + 1)).toEqual([255, 255, 255]);
    expect(pixel(png, 4 + 1, 4 + 1)).toEqual(colorOf('viridis', 1, 1, Math.max(...c.counts)));
    expect(b['text/plain']).toContain('49 of 169 cells reached (29.0%)');
    expect(show.coverage(coverage([1, 2, 5].map((d) => ({ kernel: 3, dilation: d })))).toString()).toContain(
      '289 of 289 cells reached (100.0%)',
    );
  });

  it('says whether a transposed convolution overlaps evenly', () => {
    const uneven = show.coverage(checkerboard(3, 2)).bundle;
    expect(payloadOf<CoverageView>(uneven).mode).toBe('checkerboard');
    expect(uneven['text/plain']).toContain('3×3 stride-2 transposed convolution');
    expect(uneven['text/plain']).toContain('uneven overlap: interior cells are written 1, 2, 4 times');
    expect(show.coverage(checkerboard(4, 2)).toString()).toContain(
      'even overlap: every interior cell is written 4 times',
    );
  });
});
