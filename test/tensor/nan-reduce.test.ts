import { describe, expect, it } from 'vitest';
import { argmax, max, min, tensor } from '../../src/index.js';

describe('reductions along a dim with NaN', () => {
  const x = tensor([1, Number.NaN, 3, Number.NaN, 2, 0], [2, 3]);
  it('max and min return NaN where a row holds one', () => {
    expect(max(x, 1).tolist()).toEqual([Number.NaN, Number.NaN]);
    expect(min(x, 1).tolist()).toEqual([Number.NaN, Number.NaN]);
  });
  it('argmax points at the first NaN, as PyTorch', () => {
    expect(argmax(x, 1).tolist()).toEqual([1, 0]);
  });
});
