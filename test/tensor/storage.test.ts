import { describe, expect, it } from 'vitest';
import { uninitialized } from '../../src/tensor/storage.js';

describe('uninitialized', () => {
  it.each([0, 1, 4095, 4096, 100_003])('gives %i floats in an array of its own', (n) => {
    const a = uninitialized(n);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(n);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(4 * n);
    const b = uninitialized(n);
    expect(b.buffer).not.toBe(a.buffer);
  });
});
