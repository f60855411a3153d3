/** Deformable convolution v1/v2 (row 7) against torchvision.ops.deform_conv2d. */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  conv2d,
  DeformConv2d,
  deformConv2d,
  deformConv2dCost,
  randn,
  ShapeError,
  type Tensor,
  withBackend,
} from '../../src/index.js';
import { type Case, layerTests, loadFamily, opTests } from './harness.js';

const suite = loadFamily('deformable');

function call(c: Case, inputs: Tensor[]): Tensor {
  const [x, offset, weight, ...rest] = inputs;
  const mask = c.args.mask ? rest.shift()! : null;
  const bias = c.args.bias ? rest.shift()! : null;
  const { stride, padding, dilation } = c.args;
  return deformConv2d(x!, offset!, weight!, { mask, bias, stride, padding, dilation });
}

describe(`deformable: golden (torchvision, torch ${suite.header.torch})`, () => {
  opTests(suite, call);
  layerTests(suite, (a) => new DeformConv2d(a.inChannels, a.outChannels, a.kernelSize, a));
});

// The TypeScript backend's deformIm2col/deformCol2im are the reference the other backends are checked against.
describe('deformable: golden deformConv2d on the ts backend', () => {
  opTests(suite, (c, inputs) => withBackend('ts', () => call(c, inputs)));
});

describe('deformable: semantics and errors', () => {
  it('zero offsets give the plain convolution', () => {
    const x = randn([2, 4, 6, 5]);
    const w = randn([6, 2, 3, 3]);
    const offset = randn([2, 18, 3, 3]).mul(0);
    const y = deformConv2d(x, offset, w, { stride: 2, padding: 1 });
    const ref = conv2d(x, w, { stride: 2, padding: 1, groups: 2 });
    expect(Math.max(...y.data.map((v, i) => Math.abs(v - ref.data[i]!)))).toBeLessThan(1e-5);
  });
  it('the layer starts as a plain convolution (zero-initialised offset conv)', () => {
    const layer = new DeformConv2d(3, 4, 3, { padding: 1, modulated: true });
    expect(layer.convOffset.weight.data.every((v) => v === 0)).toBe(true);
    expect(layer.countParams()).toBe(4 * 3 * 9 + 4 + 27 * 3 * 9 + 27);
  });
  it('offsets of the wrong shape raise ShapeError naming deformConv2d and offset', () => {
    const x = randn([1, 2, 5, 5]);
    const w = randn([3, 2, 3, 3]);
    expect(() => deformConv2d(x, randn([1, 17, 3, 3]), w)).toThrow(ShapeError);
    expect(() => deformConv2d(x, randn([1, 18, 4, 3]), w)).toThrow(/deformConv2d: offset must be/);
    expect(() => deformConv2d(x, randn([1, 18, 3, 3]), w, { mask: randn([1, 8, 3, 3]) })).toThrow(/mask/);
    expect(() => deformConv2d(x, randn([1, 36, 3, 3]), randn([4, 1, 3, 3]))).not.toThrow();
    expect(() => new DeformConv2d(3, 4, 3, { groups: 2 })).toThrow(ArgumentError);
  });
  it('cost: the GEMM of a plain convolution plus 4 multiply-adds per bilinear sample', () => {
    const c = deformConv2dCost([1, 8, 10, 10], [16, 8, 3, 3], { padding: 1 });
    expect(c.macs).toBe(16 * 100 * 8 * 9 + 8 * 9 * 100 * 4);
    expect(new DeformConv2d(8, 16, 3, { padding: 1 }).totalMacs([1, 8, 10, 10])).toBe(
      c.macs + 18 * 100 * 8 * 9,
    );
  });
});
