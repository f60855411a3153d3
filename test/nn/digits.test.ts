import { describe, expect, it } from 'vitest';
import { loadDigits } from '../../src/index.js';

describe('loadDigits', () => {
  it('splits every class into train and test, reproducibly', () => {
    const a = loadDigits({ perClass: 50 });
    const b = loadDigits({ perClass: 50 });
    expect(a.trainImages.shape).toEqual([400, 1, 28, 28]);
    expect(a.testLabels.shape).toEqual([100]);
    expect(Array.from(a.trainLabels.data)).toEqual(Array.from(b.trainLabels.data));
    const counts = new Array(10).fill(0);
    for (const l of a.testLabels.data) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(10));
    expect(a.trainImages.max().item()).toBeLessThanOrEqual(1);
    expect(Array.from(loadDigits({ perClass: 50, seed: 1 }).trainLabels.data)).not.toEqual(
      Array.from(a.trainLabels.data),
    );
  });
  it('rejects a bad split', () => {
    expect(() => loadDigits({ trainFraction: 1 })).toThrow(
      /loadDigits: trainFraction must be in \(0, 1\), got 1/,
    );
  });
});
