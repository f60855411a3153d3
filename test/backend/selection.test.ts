/** Backend selection: the fast backends load here, and an unavailable one fails with a reason. */
import { describe, expect, it } from 'vitest';
import {
  availableBackends,
  backendInfo,
  getBackend,
  initWasmBackend,
  registerBackend,
  setBackend,
  withBackend,
} from '../../src/backend/index.js';
import { loadNativeBackend } from '../../src/backend/native.js';

describe('backend selection', () => {
  it('loads wasm in Node, and native when the addon was built', () => {
    expect(availableBackends()).toContain('wasm');
    expect(availableBackends().at(-1)).toBe('ts');
    expect(setBackend('wasm').name).toBe('wasm');
    expect(getBackend().threads).toBeGreaterThanOrEqual(1);
  });

  it('names the backend and the reason when it cannot load', () => {
    const before = getBackend();
    registerBackend('native', () => ({
      reason: 'the addon native/build/Release/convlab.node was not built',
    }));
    try {
      expect(() => setBackend('native')).toThrow(
        "setBackend: backend 'native' is unavailable: the addon native/build/Release/convlab.node was not built",
      );
      expect(availableBackends()).not.toContain('native');
      expect(getBackend()).toBe(before);
    } finally {
      registerBackend('native', loadNativeBackend);
    }
  });

  it('rejects an unknown name', () => {
    expect(() => setBackend('gpu' as 'ts')).toThrow(/setBackend: name must be one of native, wasm, ts/);
  });

  it('says which backend, kernels and threads run, and why', () => {
    for (const name of availableBackends()) {
      const info = withBackend(name, backendInfo);
      expect(info.name).toBe(name);
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(info.reason.length).toBeGreaterThan(0);
      expect(info.threadsReason.length).toBeGreaterThan(0);
      if (name === 'native') {
        expect(['avx512', 'avx2', 'sse2', 'scalar']).toContain(info.kernels);
        expect(info.kernelsReason).toMatch(/CPU|scalar/);
      } else expect(info.kernels).toBeNull();
      expect(info.unavailable.map((u) => u.name)).not.toContain(name);
    }
  });

  it('reloads the wasm backend when initWasmBackend is called again, also after a failed load', () => {
    initWasmBackend(new Uint8Array([0, 1, 2, 3]));
    try {
      expect(() => setBackend('wasm')).toThrow(
        /setBackend: backend 'wasm' is unavailable: the module failed to load/,
      );
      expect(availableBackends()).not.toContain('wasm');
    } finally {
      initWasmBackend(null);
    }
    expect(setBackend('wasm').name).toBe('wasm');
    expect(availableBackends()).toContain('wasm');
  });
});
