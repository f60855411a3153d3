/** HetConv (row 13) against the exact rewrite conv_k×k(groups=P) + conv_1×1 − conv_1×1(groups=P). */
import { describe, expect, it } from 'vitest';
import { ArgumentError, conv2d, HetConv, hetConvCost, hetConvFlopsRatio, randn } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('hetconv');

describe(`hetconv: golden HetConv (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => new HetConv(a.inChannels, a.outChannels, a.kernelSize, a as { part: number }));
});

describe('hetconv: cost and arguments', () => {
  for (const [p, k] of [
    [2, 3],
    [4, 3],
    [8, 5],
  ] as const) {
    it(`FLOPs ratio to a k×k conv is 1/P + (1 − 1/P)/k² (P=${p}, k=${k})`, () => {
      const layer = new HetConv(32, 16, k, { part: p });
      const macs = layer.totalMacs([1, 32, 10, 10]);
      const plain = 16 * 100 * 32 * k * k;
      expect(macs / plain).toBeCloseTo(hetConvFlopsRatio(p, k), 12);
      expect(hetConvCost(32, 16, k, p, 100).params).toBe(layer.countParams());
    });
  }
  it('P = 1 is a plain k×k convolution', () => {
    const layer = new HetConv(3, 4, 3, { part: 1 });
    expect(layer.pointwise).toBeNull();
    const x = randn([2, 3, 5, 5]);
    const ref = conv2d(x, layer.weight, { padding: 1 });
    expect(Array.from(layer.forward(x).data)).toEqual(Array.from(ref.data));
  });
  it('P must divide the channels', () => {
    expect(() => new HetConv(6, 8, 3, { part: 4 })).toThrow(ArgumentError);
    expect(() => new HetConv(8, 6, 3, { part: 4 })).toThrow(
      /HetConv: part P=4 must divide the output channels \(6\)/,
    );
  });
});
