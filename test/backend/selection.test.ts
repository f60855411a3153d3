/** Backend selection: the fast backends load here, and an unavailable one fails with a reason. */
import { describe, expect, it } from 'vitest';
import { availableBackends, getBackend, registerBackend, setBackend } from '../../src/backend/index.js';
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
});
