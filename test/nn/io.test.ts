import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  Conv2d,
  loadNpy,
  loadSafetensors,
  manualSeed,
  randn,
  saveNpy,
  saveSafetensors,
} from '../../src/index.js';

describe('safetensors', () => {
  it('round-trips a state dict with metadata, 8-byte aligned', () => {
    manualSeed(3);
    const conv = new Conv2d(3, 4, 3);
    const bytes = saveSafetensors(conv.stateDict(), { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { tensors, metadata } = loadSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['weight', 'bias']);
    const other = new Conv2d(3, 4, 3);
    other.loadStateDict(tensors);
    expect(Array.from(other.weight.data)).toEqual(Array.from(conv.weight.data));
  });

  it('reads F64 and F16 tensors written by hand per the spec', () => {
    const header = JSON.stringify({
      a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      b: { dtype: 'F16', shape: [1], data_offsets: [16, 18] },
    });
    const hb = new TextEncoder().encode(header);
    const buf = new Uint8Array(8 + hb.length + 18);
    const view = new DataView(buf.buffer);
    view.setBigUint64(0, BigInt(hb.length), true);
    buf.set(hb, 8);
    view.setFloat64(8 + hb.length, 1.5, true);
    view.setFloat64(8 + hb.length + 8, -2.25, true);
    view.setUint16(8 + hb.length + 16, 0x3c00, true); // 1.0 in half precision
    const { tensors } = loadSafetensors(buf);
    expect(Array.from(tensors.get('a')!.data)).toEqual([1.5, -2.25]);
    expect(tensors.get('b')!.item()).toBe(1);
  });

  it('names the problem in a truncated file', () => {
    const bytes = saveSafetensors({ w: randn([4]) });
    expect(() => loadSafetensors(bytes.subarray(0, bytes.length - 3))).toThrow(
      /loadSafetensors: tensor "w".*data_offsets/,
    );
    expect(() => loadSafetensors(new Uint8Array(4))).toThrow(ArgumentError);
  });
});

describe('npy', () => {
  it('round-trips float32 tensors of any rank', () => {
    for (const shape of [[], [5], [2, 3], [2, 1, 4]]) {
      const t = randn(shape);
      const back = loadNpy(saveNpy(t));
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data)).toEqual(Array.from(t.data));
    }
  });
  it('rejects a file that is not .npy', () => {
    expect(() => loadNpy(new Uint8Array(20))).toThrow(/loadNpy: not a .npy file/);
  });
});
