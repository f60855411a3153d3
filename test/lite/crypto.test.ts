/** The browser build's synchronous SHA-256 (lite/src/shims/crypto.ts) against Node's, at the padding edges. */
import { createHash as nodeHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHash } from '../../lite/src/shims/crypto.js';

describe('createHash(sha256) of the browser build', () => {
  it('equals node:crypto on lengths around the 64-byte blocks and on a data file', () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 131 + 7) & 0xff);
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300]) {
      const part = bytes.subarray(0, n);
      expect(createHash('sha256').update(part).digest('hex')).toBe(
        nodeHash('sha256').update(part).digest('hex'),
      );
    }
    expect(createHash('sha256').update('abc').digest('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('names what it does not do', () => {
    expect(() => createHash('md5')).toThrow(
      "createHash: only 'sha256' in convlab's browser build, got 'md5'",
    );
  });
});
