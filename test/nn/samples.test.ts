import { describe, expect, it } from 'vitest';
import { SAMPLE_IMAGES, sampleImage } from '../../src/index.js';

describe('sample images', () => {
  it('loads every bundled photograph as [C, H, W] in [0, 1]', () => {
    for (const name of SAMPLE_IMAGES) {
      const t = sampleImage(name);
      expect(t.ndim).toBe(3);
      expect([1, 3]).toContain(t.shape[0]);
      expect(t.min().item()).toBeGreaterThanOrEqual(0);
      expect(t.max().item()).toBeLessThanOrEqual(1);
      expect(t.var().item()).toBeGreaterThan(0.001);
    }
    expect(sampleImage('chelsea', { gray: true }).shape).toEqual([1, 113, 150]);
  });
  it('names the choices for an unknown image', () => {
    expect(() => sampleImage('lena' as 'chelsea')).toThrow(
      /sampleImage: name must be one of chelsea, coffee, astronaut, camera, got "lena"/,
    );
  });
});
