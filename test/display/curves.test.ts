import { describe, expect, it } from 'vitest';
import { show, VEGA_LITE_MIME } from '../../src/index.js';
import { pixel, pngOf } from './helpers.js';

interface VegaSpec {
  $schema: string;
  data: { values: Record<string, unknown>[] };
  facet: { row: { field: string } };
  spec: { encoding: { x: { field: string } } };
  resolve: { scale: { y: string } };
}

describe('show.curves', () => {
  it('gives Vega-Lite in long form with one panel per series, and a PNG fallback', () => {
    const b = show.curves({ loss: [1, 0.5, 0.25], accuracy: [0.1, 0.6, 0.9] }, { title: 'digits' }).bundle;
    const spec = b[VEGA_LITE_MIME] as VegaSpec;
    expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
    expect(spec.data.values).toHaveLength(6);
    expect(spec.data.values[4]).toEqual({ step: 1, series: 'accuracy', value: 0.6 });
    expect(spec.facet.row.field).toBe('series');
    expect(spec.resolve.scale.y).toBe('independent');
    // Two panels of 400×160 with their axes: ticks and values in the margins left of and below each panel.
    const png = pngOf(b);
    const [, h, w] = png.shape as [number, number, number];
    expect(w).toBeGreaterThan(400 + 16);
    expect(h).toBeGreaterThan(2 * 160 + 16);
    const frame = [160, 160, 160];
    const ink = [68, 68, 68];
    // The y axis: the first column drawn in the frame colour over most of a panel's height.
    const axis = Array.from({ length: w }, (_, x) => x).find(
      (x) =>
        Array.from({ length: 160 }, (_, y) => pixel(png, x, 8 + y)).filter((c) => c.join() === frame.join())
          .length > 150,
    )!;
    expect(axis).toBeGreaterThan(8 + 5);
    const inked = (x0: number, x1: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) if (pixel(png, x, y).join() === ink.join()) n++;
      return n;
    };
    // Labels of the loss panel's y ticks (1, 0.5, 0.25 span: round values between) left of the axis …
    expect(inked(0, axis, 8, 8 + 160)).toBeGreaterThan(40);
    // … and of the x ticks (steps 0, 1, 2) under it.
    expect(inked(axis, w, 8 + 160, 8 + 160 + 12)).toBeGreaterThan(40);
    // The accuracy panel has its own axis labels.
    expect(inked(0, axis, h / 2 + 8, h - 8)).toBeGreaterThan(40);
    expect(b['text/plain']).toContain('Training curves: digits');
    expect(b['text/plain']).toContain('loss: 3 points, last 0.25 at step 2, min 0.25 at 2, max 1 at 0');
  });

  it('reads one record per epoch, skipping missing values', () => {
    const b = show.curves([
      { epoch: 1, loss: 2 },
      { epoch: 2, loss: 1, val: 1.5 },
      { epoch: 3, loss: 0.5 },
    ]).bundle;
    const values = (b[VEGA_LITE_MIME] as VegaSpec).data.values;
    expect(values).toEqual([
      { epoch: 1, series: 'loss', value: 2 },
      { epoch: 2, series: 'loss', value: 1 },
      { epoch: 3, series: 'loss', value: 0.5 },
      { epoch: 2, series: 'val', value: 1.5 },
    ]);
    expect((b[VEGA_LITE_MIME] as VegaSpec).spec.encoding.x.field).toBe('epoch');
  });

  it('refuses a history with nothing to plot', () => {
    expect(() => show.curves({ loss: [] })).toThrow(/show.curves: history holds no finite values to plot/);
    expect(() => show.curves(3 as never)).toThrow(/show.curves: history must be/);
  });
});
