/** CondConv (row 14) against a PyTorch version of tensorflow/tpu's CondConv2D with sigmoid routing. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, CondConv2d, condConvCost } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('condconv');

describe(`condconv: golden CondConv2d (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => new CondConv2d(a.inChannels, a.outChannels, a.kernelSize, a));
});

describe('condconv: cost and arguments', () => {
  it('counts the per-example conv, the kernel mixing and the routing layer', () => {
    const layer = new CondConv2d(8, 16, 3, { numExperts: 4, padding: 1 });
    const c = condConvCost([2, 8, 6, 6], layer.weight.shape, { padding: 1 });
    expect(c.convMacs).toBe(2 * 16 * 36 * 8 * 9);
    expect(c.mixingMacs).toBe(2 * 4 * (16 * 8 * 9 + 16));
    expect(layer.totalMacs([2, 8, 6, 6])).toBe(c.macs);
    expect(layer.countParams()).toBe(4 * (16 * 8 * 9 + 16) + 8 * 4 + 4);
  });
  it('groups must divide the channels', () => {
    expect(() => new CondConv2d(6, 4, 3, { groups: 4 })).toThrow(ArgumentError);
  });
});
