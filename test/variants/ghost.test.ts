/** Ghost module (row 16) against huawei-noah GhostNet's GhostModule. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, GhostModule, ghostSpeedup } from '../../src/index.js';
import { layerTests, loadFamily } from './harness.js';

const suite = loadFamily('ghost');

describe(`ghost: golden GhostModule (torch ${suite.header.torch})`, () => {
  layerTests(suite, (a) => new GhostModule(a.inChannels, a.outChannels, a));
});

describe('ghost: speed-up ≈ s', () => {
  for (const s of [2, 3, 4]) {
    it(`s = ${s}: traced multiply-adds give the closed form s·c·k²/(c·k² + (s−1)·d²), close to s`, () => {
      const c = 128;
      const n = 120;
      const layer = new GhostModule(c, n, { kernelSize: 3, ratio: s, dwSize: 3 });
      const plain = 1 * 8 * 8 * n * c * 9;
      const speedup = plain / layer.totalMacs([1, c, 8, 8]);
      expect(speedup).toBeCloseTo(ghostSpeedup(c, s, 3, 3), 10);
      expect(Math.abs(speedup - s) / s).toBeLessThan(0.025);
    });
  }
  it('rejects a ratio below 2', () => {
    expect(() => new GhostModule(4, 8, { ratio: 1 })).toThrow(ArgumentError);
  });
});
