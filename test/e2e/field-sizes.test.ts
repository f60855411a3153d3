/**
 * The receptive-field renderer sizes its input and ERF layers by the shapes it decodes: a payload whose input
 * and ERF were down-sampled by the library (or whose ERF has another size than the input) is drawn, not refused.
 */
import { describe, expect, it } from 'vitest';
import { checkPayload } from '../../extension/src/payload.js';
import { planeOf } from '../../extension/src/receptiveField.js';
import {
  Conv2d,
  effectiveReceptiveField,
  MIME_TYPE,
  manualSeed,
  randn,
  Sequential,
  show,
} from '../../src/index.js';

const payloadOf = (shown: unknown) =>
  (shown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]()[MIME_TYPE];

describe('receptive-field payloads the library down-sampled', () => {
  manualSeed(3);
  const net = new Sequential(new Conv2d(1, 1, 3, { padding: 1 }), new Conv2d(1, 1, 3, { padding: 1 }));
  const input = randn([1, 1, 40, 40]);
  const erf = effectiveReceptiveField(net, input, [20, 20]);

  it('decodes an input and an ERF smaller than inputShape, each at its own resolution', () => {
    const p = payloadOf(show.receptiveField(erf, { input, name: 'small cap', maxElements: 400 }));
    const c = checkPayload(p);
    expect(c.kind).toBe('receptive-field');
    if (c.kind !== 'receptive-field') return;
    expect(c.field.view.inputShape).toEqual([40, 40]);
    const inputView = c.field.input as { view: { shape: number[] }; values: Float32Array };
    expect(planeOf(inputView.view.shape)).toEqual([20, 20]);
    expect(inputView.values.length).toBe(400);
    expect(planeOf(c.field.erf?.view.shape ?? [])).toEqual([20, 20]);
  });

  it('accepts an ERF whose shape differs from the input shape', () => {
    const p = payloadOf(show.receptiveField(erf, { input, name: 'full' })) as Record<string, unknown>;
    const small = payloadOf(show.tensor(randn([10, 12]))) as Record<string, unknown>;
    const c = checkPayload({ ...p, erf: { ...small, name: 'effective receptive field' } });
    expect(c.kind === 'receptive-field' && planeOf(c.field.erf?.view.shape ?? [])).toEqual([10, 12]);
  });

  it('still refuses an ERF that is not a plane', () => {
    const p = payloadOf(show.receptiveField(erf, { input })) as Record<string, unknown>;
    const flat = payloadOf(show.tensor(randn([12]))) as Record<string, unknown>;
    expect(() => checkPayload({ ...p, erf: flat })).toThrow(/^erf\.shape: expected \[\.\.\., H, W\]/);
  });
});
