/** Inception block (row 10) against GoogLeNet's module as torchvision builds it. */
import { describe, expect, it } from 'vitest';
import { InceptionBlock, inception3a, inceptionCost } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('inception');

describe(`inception: golden (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => {
    const { branch3Kernel, ...channels } = a;
    return new InceptionBlock({ ...channels, branch3Kernel } as never);
  });
});

describe('inception: inception(3a) shapes and cost', () => {
  it('gives 256 channels from 192 and 128 M multiply-adds on 28×28 (convolutions only, 5×5 branch, batch 1)', () => {
    const block = inception3a();
    const macs = block.totalMacs([1, 192, 28, 28]);
    expect(macs).toBe(inceptionCost(block.channels, 28, 28).macs);
    expect(Math.round(macs / 1e6)).toBe(128);
    const trace = block.trace([1, 192, 28, 28]);
    expect(trace[0]!.outputShape).toEqual([1, 256, 28, 28]);
    // torchvision's 3×3 third branch: 121.6 M
    expect(inception3a({ branch3Kernel: 3 }).totalMacs([1, 192, 28, 28]) / 1e6).toBeCloseTo(121.6, 1);
    expect(block.countParams()).toBe(inceptionCost(block.channels, 28, 28).params);
  });
  it('rejects an even branch-3 kernel', () => {
    expect(() => inception3a({ branch3Kernel: 4 })).toThrow(/InceptionBlock: branch3Kernel must be odd/);
  });
});
