import { describe, expect, it } from 'vitest';
import { checkerboard, coverage, convTranspose2d, ones } from '../../src/index.js';
import { linearStack } from './stack.js';
import { effectiveReceptiveField } from '../../src/index.js';

const dilated = (rates: number[]) =>
  rates.map((d, i) => ({ name: `conv${i}`, kernel: 3, dilation: d, padding: d }));

describe('coverage', () => {
  it('shows the gridding of a [2, 2, 2] dilated stack: 49 of 169 cells', () => {
    const c = coverage(dilated([2, 2, 2]));
    expect(c.shape).toEqual([13, 13]);
    expect(c.reached).toBe(49);
    expect(c.total).toBe(169);
    // Only even offsets from the field's corner are reached.
    expect(c.at(0, 0)).toBe(1);
    expect(c.at(0, 1)).toBe(0);
    expect(c.at(6, 6)).toBe(49);
  });

  it('reaches every cell with rates [1, 2, 5]: 289 of 289', () => {
    const c = coverage(dilated([1, 2, 5]));
    expect(c.shape).toEqual([17, 17]);
    expect(c.reached).toBe(289);
    // Paths from one unit through three 3×3 layers: 9³ in all.
    expect(c.counts.reduce((a, b) => a + b, 0)).toBe(729);
  });

  it('on a bounded input equals the input gradient of an all-ones linear stack', () => {
    const rates = [1, 2, 3];
    const layers = dilated(rates);
    const unit: [number, number] = [1, 6];
    const c = coverage(layers, [9, 11], { unit });
    // Backpropagating a one-hot through convolutions with all-ones kernels counts paths; zero padding drops
    // the paths through padding cells, as coverage does.
    const model = linearStack(layers, { ones: true });
    const erf = effectiveReceptiveField(model, ones([1, 1, 9, 11]), unit);
    expect(c.shape).toEqual([9, 11]);
    expect(c.counts).toEqual(Array.from(erf.map.data));
  });

  it('rejects a unit outside the output', () => {
    expect(() => coverage(dilated([1]), 5, { unit: [5, 0] })).toThrow(
      /coverage: unit must be within the 5×5 output/,
    );
  });
});

describe('checkerboard', () => {
  const reference = (k: number, s: number, n: number, padding = 0) =>
    Array.from(convTranspose2d(ones([1, 1, n, n]), ones([1, 1, k, k]), { stride: s, padding }).data);

  it('counts the writes of a 3×3, stride-2 transposed convolution: uneven overlap', () => {
    const c = checkerboard(3, 2, { inputSize: 6 });
    expect(c.counts).toEqual(reference(3, 2, 6));
    expect(c.interiorLevels).toEqual([1, 2, 4]);
    expect(c.uniform).toBe(false);
  });

  it('is even when the kernel is divisible by the stride', () => {
    const c = checkerboard(4, 2, { inputSize: 5, padding: 1 });
    expect(c.counts).toEqual(reference(4, 2, 5, 1));
    expect(c.interiorLevels).toEqual([4]);
    expect(c.uniform).toBe(true);
    expect(c.levels).toContain(1);
  });

  it('names the argument it rejects', () => {
    expect(() => checkerboard(3, 0)).toThrow(
      /checkerboard: layer convTranspose stride must be an integer >= 1/,
    );
  });
});
