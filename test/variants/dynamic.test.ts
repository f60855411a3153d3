/** Dynamic convolution (row 15) against a PyTorch version of Chen et al.'s attention over K kernels. */
import { describe, expect, it } from 'vitest';
import { annealedTemperature, ArgumentError, DynamicConv2d, randn } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('dynamic');

describe(`dynamic: golden DynamicConv2d (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => new DynamicConv2d(a.inChannels, a.outChannels, a.kernelSize, a));
});

describe('dynamic: temperature', () => {
  it('a high τ makes the attention near uniform, τ → small makes it peaked; annealing is linear 30 → 1 over 10 epochs', () => {
    const layer = new DynamicConv2d(8, 4, 3, { numKernels: 4 });
    const x = randn([2, 8, 5, 5]);
    const spread = () => {
      const a = layer.attention(x).data;
      return Math.max(...a) - Math.min(...a);
    };
    layer.setTemperature(1e4);
    expect(spread()).toBeLessThan(1e-3);
    layer.setTemperature(1e-3);
    expect(spread()).toBeGreaterThan(0.5);
    expect(layer.annealTemperature(0)).toBe(30);
    expect(layer.annealTemperature(5)).toBe(15.5);
    expect(layer.annealTemperature(20)).toBe(1);
    expect(annealedTemperature(2, { start: 10, end: 2, epochs: 4 })).toBe(6);
  });
  it('rejects a non-positive temperature', () => {
    expect(() => new DynamicConv2d(8, 4, 3).setTemperature(0)).toThrow(ArgumentError);
  });
});
