/** ShuffleNet unit (stride 1 and 2) against the official ShuffleNet v1 block (megvii-model ShuffleV1Block). */
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShuffleNetUnit } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('shufflenet');

describe(`shufflenet: golden ShuffleNetUnit (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => new ShuffleNetUnit(a.inChannels, a.outChannels, a));
});

describe('shufflenet: cost and arguments', () => {
  it('the closed form matches the traced multiply-adds, stride 1 and 2', () => {
    for (const [cin, cout, stride] of [
      [240, 240, 1],
      [240, 480, 2],
    ] as const) {
      const unit = new ShuffleNetUnit(cin, cout, { groups: 3, stride, midChannels: 60 });
      expect(unit.totalMacs([1, cin, 14, 14])).toBe(unit.cost([1, cin, 14, 14]).macs);
    }
  });
  it('channels must be divisible by groups', () => {
    expect(() => new ShuffleNetUnit(24, 24, { groups: 5, midChannels: 10 })).toThrow(ArgumentError);
    expect(() => new ShuffleNetUnit(24, 24, { groups: 3, midChannels: 8 })).toThrow(
      /midChannels \(8\) must be a positive multiple of groups \(3\)/,
    );
  });
});
