import { describe, expect, it } from 'vitest';
import { conv2d, convTranspose2d, randn, manualSeed, tensor, crossEntropy } from '../../src/index.js';

describe('smoke', () => {
  it('conv2d forward/backward shapes', () => {
    manualSeed(0);
    const x = randn([2, 4, 7, 7], { requiresGrad: true });
    const w = randn([6, 2, 3, 3], { requiresGrad: true });
    const b = randn([6], { requiresGrad: true });
    const y = conv2d(x, w, { bias: b, padding: 1, groups: 2, paddingMode: 'reflect' });
    expect(y.shape).toEqual([2, 6, 7, 7]);
    y.sum().backward();
    expect(x.grad!.shape).toEqual([2, 4, 7, 7]);
    expect(w.grad!.shape).toEqual([6, 2, 3, 3]);
    expect(b.grad!.data[0]).toBeCloseTo(98);
    const t = convTranspose2d(x, randn([4, 3, 4, 4]), { stride: 2, padding: 1 });
    expect(t.shape).toEqual([2, 3, 14, 14]);
    const l = crossEntropy(
      tensor(
        [
          [1, 2, 3],
          [1, 1, 1],
        ],
        undefined,
        { requiresGrad: true },
      ),
      [2, 0],
    );
    expect(l.item()).toBeCloseTo((0.40760596 + 1.0986123) / 2, 5);
  });
});
