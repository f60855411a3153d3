/** Octave convolution (row 12) against d-li14/octconv.pytorch's OctaveConv. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, OctaveConv, octaveCost, randn } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('octave');

describe(`octave: golden OctaveConv (torch ${suite.header.torch})`, () => {
  layerTests(
    suite,
    (a) => new OctaveConv(a.inChannels, a.outChannels, a.kernelSize, a),
    (m, [xh, xl]) => m.forwardPair(xh!, xl),
  );
});

describe('octave: cost and arguments', () => {
  it('at α = 0.5 costs 43.75 % of a plain convolution', () => {
    expect(octaveCost(64, 64, 3, 0.5, 0.5, 32, 32).ratio).toBeCloseTo(0.4375, 10);
    // the four paths' own convolutions, each at the resolution it runs at
    const layer = new OctaveConv(64, 64, 3, { padding: 1 });
    const hi = [1, 32, 32, 32];
    const lo = [1, 32, 16, 16];
    const paths =
      layer.convH2h.macs(hi) + layer.convH2l!.macs(lo) + layer.convL2l!.macs(lo) + layer.convL2h!.macs(lo);
    expect(paths / (32 * 32 * 64 * 64 * 9)).toBeCloseTo(0.4375, 12);
    expect(layer.cost(hi).macs).toBe(paths);
    // a first layer (αin = 0) traces as a Module: H→H at full and H→L at half resolution
    const first = new OctaveConv(64, 64, 3, { alphaIn: 0, padding: 1 });
    expect(first.totalMacs([1, 64, 32, 32])).toBe(first.cost([1, 64, 32, 32]).macs);
    // α = 0 on both sides is a plain grouped convolution, groups and all
    const plain = new OctaveConv(8, 8, 3, { alphaIn: 0, alphaOut: 0, groups: 4, padding: 1 });
    expect(plain.cost([1, 8, 16, 16]).macs).toBe(plain.totalMacs([1, 8, 16, 16]));
    expect(plain.cost([1, 8, 16, 16]).macs).toBe(16 * 16 * 8 * 2 * 9);
  });
  it('rejects α outside [0, 1) naming the argument', () => {
    expect(() => new OctaveConv(4, 4, 3, { alphaIn: 1 })).toThrow(ArgumentError);
    expect(() => new OctaveConv(4, 4, 3, { alphaOut: -0.1 })).toThrow(
      /OctaveConv: alphaOut must be a number in \[0, 1\)/,
    );
    expect(() => new OctaveConv(4, 4, 3, { stride: 3 })).toThrow(/stride must be 1 or 2/);
    expect(() => new OctaveConv(4, 4, 3, { padding: 1 }).forwardPair(randn([1, 2, 8, 8]))).toThrow(
      /needs a low-frequency input/,
    );
  });
});
