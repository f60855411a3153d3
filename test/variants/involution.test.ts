/** Involution (row 20) against d-li14/involution's naive PyTorch involution. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, Involution, involution2d, randn, ShapeError } from '../../src/index.js';
import { layerTests, loadFamily, opTests } from './harness.js';

const suite = loadFamily('involution');

describe(`involution: golden (torch ${suite.header.torch})`, () => {
  opTests(suite, (c, [x, w]) => involution2d(x!, w!, c.args as never));
  layerTests(suite, (a) => new Involution(a.channels, a.kernelSize, a));
});

describe('involution: cost and arguments', () => {
  it('the layer counts generation (two 1×1 convs) plus C·k² per output position', () => {
    const layer = new Involution(32, 7, { stride: 1 });
    const c = layer.cost([1, 32, 8, 8]);
    expect(layer.totalMacs([1, 32, 8, 8])).toBe(c.macs);
    expect(c.productMacs).toBe(64 * 32 * 49);
  });
  it('group channels must divide channels; the kernel must match the output', () => {
    expect(() => new Involution(24, 3)).toThrow(ArgumentError);
    expect(() =>
      involution2d(randn([1, 4, 5, 5]), randn([1, 2, 9, 4, 5]), { kernelSize: 3, padding: 1 }),
    ).toThrow(ShapeError);
  });
});
