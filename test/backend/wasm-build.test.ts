/** The committed module is the build of the current C sources: build-wasm.mjs records their hash beside it. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { sourceHash } from '../../native/build-wasm.mjs';

const meta = JSON.parse(
  readFileSync(new URL('../../native/wasm/convlab.wasm.json', import.meta.url), 'utf8'),
);

describe('native/wasm/convlab.wasm', () => {
  it('was built from the current sources (else run: node native/build-wasm.mjs)', () => {
    expect(meta.sourceHash).toBe(sourceHash());
  });

  it.each(['convlab.wasm', 'convlab-relaxed.wasm'])('%s is the module that build recorded', (name) => {
    const bytes = readFileSync(new URL(`../../native/wasm/${name}`, import.meta.url));
    expect(meta.wasmHashes[name]).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
