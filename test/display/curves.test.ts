import { describe, expect, it } from 'vitest';
import { show, VEGA_LITE_MIME } from '../../src/index.js';
import { pngOf } from './helpers.js';

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
    expect(pngOf(b).shape).toEqual([4, 2 * 160 + 12 + 16, 416]);
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
