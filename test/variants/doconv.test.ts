/** DO-Conv (row 18) against yangyanli/DO-Conv's DOConv2d, and fuse() to one plain convolution. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, DOConv2d, doconvCost, randn } from '../../src/index.js';
import { fixture, layerTests, loadFamily, loadLayer, relativeError } from './harness.js';

const suite = loadFamily('doconv');
const build = (a: Record<string, never>) => new DOConv2d(a.inChannels, a.outChannels, a.kernelSize, a);

describe(`doconv: golden DOConv2d (torch ${suite.header.torch})`, () => {
  layerTests(suite, build);
});

describe('doconv: fuse() gives one plain convolution with the same output', () => {
  for (const c of suite.cases) {
    it(`${c.name}: fused within 1e-5`, () => {
      const layer = loadLayer(suite, c, build);
      const x = fixture(suite, c.inputs[0]!);
      const fused = layer.fuse();
      expect(relativeError(fused.forward(x).data, layer.forward(x).data)).toBeLessThanOrEqual(1e-5);
      expect(fused.countParams()).toBe(
        doconvCost(c.args.inChannels, c.args.outChannels, c.args.kernelSize, layer.DMul, layer.groups)
          .deployParams + (layer.bias ? c.args.outChannels : 0),
      );
    });
  }
  it('starts equal to a plain convolution with kernel W (D = 0, D_diag = identity)', () => {
    const layer = new DOConv2d(3, 4, 3, { padding: 1 });
    const w = layer.W.data;
    expect(Array.from(layer.kernel().data)).toEqual(Array.from(w));
    expect(layer.forward(randn([1, 3, 5, 5])).shape).toEqual([1, 4, 5, 5]);
  });
  it('costs the multiply-adds of the plain convolution it folds into', () => {
    const layer = new DOConv2d(8, 16, 3, { DMul: 12, padding: 1, stride: 2 });
    expect(layer.totalMacs([2, 8, 10, 10])).toBe(layer.fuse().totalMacs([2, 8, 10, 10]));
    expect(layer.totalMacs([2, 8, 10, 10])).toBe(2 * 16 * 25 * 8 * 9);
    expect(layer.countParams()).toBe(doconvCost(8, 16, 3, 12, 1).params);
  });
  it('D_mul must be at least M·N', () => {
    expect(() => new DOConv2d(3, 4, 3, { DMul: 4 })).toThrow(ArgumentError);
  });
});
