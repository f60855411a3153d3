/** Split attention (row 19) against zhanghang1989/ResNeSt's SplAtConv2d. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, rSoftmax, SplAtConv2d, splatCost, randn } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('splat');

describe(`splat: golden SplAtConv2d (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => new SplAtConv2d(a.inChannels, a.channels, a.kernelSize, a));
});

describe('splat: r-softmax, cost and arguments', () => {
  it('r-softmax sums to 1 across the radix within each cardinal group', () => {
    const a = rSoftmax(randn([2, 2 * 3 * 4]), 3, 2)
      .reshape([2, 3, 2, 4])
      .sum(1).data;
    for (const v of a) expect(v).toBeCloseTo(1, 6);
  });
  it('the closed form matches the traced multiply-adds', () => {
    const layer = new SplAtConv2d(64, 64, 3, { padding: 1, radix: 2, groups: 2 });
    const c = splatCost(64, 64, 3, 64, { radix: 2, groups: 2 });
    expect(layer.totalMacs([1, 64, 8, 8])).toBe(c.macs);
    expect(layer.cost([1, 64, 8, 8]).macs).toBe(c.macs);
  });
  it('channels must be divisible by radix and groups', () => {
    expect(() => new SplAtConv2d(6, 4, 3, { radix: 4 })).toThrow(ArgumentError);
    expect(() => new SplAtConv2d(8, 6, 3, { groups: 4 })).toThrow(
      /SplAtConv2d: channels \(6\) must be divisible by groups/,
    );
  });
});
