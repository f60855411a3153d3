import { describe, expect, it } from 'vitest';
import {
  coverage,
  effectiveReceptiveField,
  noGrad,
  randn,
  receptiveField,
  type Tensor,
} from '../../src/index.js';
import { linearStack } from './stack.js';

describe('effectiveReceptiveField', () => {
  const layers = [
    { name: 'a', kernel: 3, padding: 1 },
    { name: 'b', kernel: 3, stride: 2, padding: 1 },
    { name: 'c', kernel: 3, padding: 1 },
  ];

  it('has the theoretical box as its support for a linear stack', () => {
    const model = linearStack(layers);
    const input = randn([2, 1, 20, 20]);
    const rf = receptiveField(layers, { inputSize: 20 });
    for (const unit of [
      [5, 5],
      [0, 0],
      [9, 3],
    ] as [number, number][]) {
      const erf = effectiveReceptiveField(model, input, unit);
      const box = rf.clippedBox(...unit);
      expect(erf.support()).toEqual(box);
      // Every cell of the box is reached: no holes in a stack without dilation.
      const w = 20;
      for (let i = box.top; i <= box.bottom; i++)
        for (let j = box.left; j <= box.right; j++) expect(erf.map.data[i * w + j]).toBeGreaterThan(0);
    }
    // The model's layers were read too.
    expect(effectiveReceptiveField(model, input, [5, 5]).theoretical?.size).toEqual(rf.size);
  });

  it('reaches exactly the cells coverage counts in a dilated stack', () => {
    const dilatedLayers = [2, 2, 2].map((d) => ({ kernel: 3, dilation: d, padding: d }));
    const model = linearStack(dilatedLayers, { seed: 3 });
    const erf = effectiveReceptiveField(model, randn([1, 1, 17, 17]), [8, 8]);
    const c = coverage(dilatedLayers, 17, { unit: [8, 8] });
    expect(Array.from(erf.map.data, (v) => v > 0)).toEqual(c.counts.map((n) => n > 0));
    expect(c.reached).toBe(49);
  });

  it('leaves the model parameters without gradients and accepts a function', () => {
    const model = linearStack(layers);
    effectiveReceptiveField(model, randn([1, 20, 20]), [3, 3]);
    for (const p of model.parameters()) expect(p.grad).toBeNull();
    const erf = effectiveReceptiveField((x: Tensor) => x.mul(x), randn([1, 1, 4, 4]).add(2), [1, 2], {});
    expect(erf.support()).toEqual({ top: 1, left: 2, bottom: 1, right: 2 });
    expect(erf.theoretical).toBeUndefined();
  });

  it('rejects a bad unit or channel and a no-grad context', () => {
    const model = linearStack(layers);
    const x = randn([1, 1, 8, 8]);
    expect(() => effectiveReceptiveField(model, x, [4, 0])).toThrow(
      /effectiveReceptiveField: unit must be within the 4×4 output, got \[4, 0\]/,
    );
    expect(() => effectiveReceptiveField(model, x, [0, 0], { channel: 1 })).toThrow(
      /channel must be in 0..0, got 1/,
    );
    expect(() => noGrad(() => effectiveReceptiveField(model, x, [0, 0]))).toThrow(/runs inside noGrad/);
    expect(() => effectiveReceptiveField(model, randn([8, 8]), [0, 0])).toThrow(
      /input must be \[N, C, H, W\]/,
    );
  });
});
