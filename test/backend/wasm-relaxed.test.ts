/**
 * The relaxed-SIMD module (fused multiply-add) against ts. Node 20 validates it only with
 * --experimental-wasm-relaxed-simd, so this file turns the flag on for its own process before loading the backend.
 */
import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { initWasmBackend, setBackend } from '../../src/backend/index.js';
import { tsBackend } from '../../src/backend/ts.js';
import { wasmVariant } from '../../src/backend/wasm.js';
import { convCases, fill, inputSize, outputSize, relError, weightSize } from './cases.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');
// Reloads the module, now that the runtime validates relaxed SIMD.
initWasmBackend(null);
afterAll(() => {
  setFlagsFromString('--no-experimental-wasm-relaxed-simd');
});

describe('wasm with relaxed SIMD', () => {
  it('loads the relaxed module when the runtime validates it', () => {
    expect(setBackend('wasm').name).toBe('wasm');
    expect(wasmVariant()).toBe('relaxed-simd');
  });

  it.each(convCases)('conv %s matches ts', (_c, g) => {
    const be = setBackend('wasm');
    const x = fill(inputSize(g), 1);
    const w = fill(weightSize(g), 2);
    const gy = fill(outputSize(g), 3);
    const want = [
      new Float32Array(outputSize(g)),
      new Float32Array(inputSize(g)),
      new Float32Array(weightSize(g)),
    ];
    const got = [fill(outputSize(g), 4), fill(inputSize(g), 5), fill(weightSize(g), 6)];
    for (const [b, out] of [
      [tsBackend, want],
      [be, got],
    ] as const) {
      b.convForward(g, x, w, null, out[0]!);
      b.convBackwardData(g, gy, w, out[1]!);
      b.convBackwardFilter(g, x, gy, out[2]!);
    }
    for (let i = 0; i < 3; i++) expect(relError(want[i]!, got[i]!)).toBeLessThan(1e-5);
  });
});
