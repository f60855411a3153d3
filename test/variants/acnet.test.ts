/** ACNet (row 11) against DingXiaoH/ACNet's ACBlock, and its deploy-time fold. */
import { describe, expect, it } from 'vitest';
import { ACBlock, randn } from '../../src/index.js';
import { fixture, layerTests, loadFamily, loadLayer, relativeError } from './harness.js';

const suite = loadFamily('acnet');
const build = (a: Record<string, number>) => new ACBlock(a.inChannels!, a.outChannels!, a.kernelSize!, a);

describe(`acnet: golden ACBlock (torch ${suite.header.torch})`, () => {
  layerTests(suite, build);
});

describe('acnet: switchToDeploy folds BN and the strips into one kernel', () => {
  for (const c of suite.cases) {
    it(`${c.name}: deploy form equals the training form in eval mode within 1e-5`, () => {
      const block = loadLayer(suite, c, build).eval();
      const x = fixture(suite, c.inputs[0]!);
      const before = block.forward(x);
      block.switchToDeploy();
      expect(block.fusedConv).toBeDefined();
      expect(block.squareConv).toBeUndefined();
      expect(block.countParams()).toBe(
        c.args.outChannels * (c.args.inChannels / c.args.groups) * c.args.kernelSize ** 2 +
          c.args.outChannels,
      );
      expect(relativeError(block.forward(x).data, before.data)).toBeLessThanOrEqual(1e-5);
    });
  }
  it('cost: k² + 2k per output in training, k² deployed', () => {
    const block = new ACBlock(4, 8, 3, { padding: 1 });
    const macs = block.totalMacs([2, 4, 6, 6]);
    expect(macs).toBe(block.cost([2, 8, 6, 6]).macs);
    expect(block.cost([2, 8, 6, 6]).deployMacs).toBe(2 * 8 * 36 * 4 * 9);
    block.eval().switchToDeploy();
    expect(block.totalMacs([2, 4, 6, 6])).toBe(2 * 8 * 36 * 4 * 9);
    expect(block.forward(randn([1, 4, 5, 5])).shape).toEqual([1, 8, 5, 5]);
  });
});
