/** Self-calibrated convolution (row 17) against MCG-NKU/SCNet's SCConv. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, SCBottleneck, SCConv } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('scconv');

describe(`scconv: golden SCConv (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) =>
    a.planes === undefined
      ? new SCConv(a.inChannels, a.outChannels, a)
      : new SCBottleneck(a.inChannels, a.planes, a),
  );
});

describe('scconv: cost and arguments', () => {
  it('k2 runs at 1/r² of the positions of k3; the closed form matches the traced count', () => {
    const layer = new SCConv(16, 16, { poolingR: 4, stride: 2 });
    const c = layer.cost([2, 16, 16, 16]);
    expect(c.k2 * 16).toBe(c.k3);
    expect(c.k4 * 4).toBe(c.k3);
    expect(layer.totalMacs([2, 16, 16, 16])).toBe(c.macs);
  });
  it('needs outChannels = inChannels and a positive pooling rate', () => {
    expect(() => new SCConv(4, 8)).toThrow(ArgumentError);
    expect(() => new SCConv(4, 4, { poolingR: 0 })).toThrow(/SCConv: poolingR/);
  });
});
