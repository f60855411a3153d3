import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng, encodePng, readPng, rand, tensor, writePng } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'convlab-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PNG', () => {
  it('round-trips an RGB image to within 8-bit quantisation', () => {
    const img = rand([3, 5, 7]);
    const back = decodePng(encodePng(img));
    expect(back.shape).toEqual([3, 5, 7]);
    for (let i = 0; i < img.size; i++)
      expect(Math.abs(back.data[i]! - img.data[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });

  it('writes [H, W] as gray, clamps to [0, 1] and reads files back', () => {
    const path = join(dir, 'gray.png');
    writePng(
      path,
      tensor([
        [-1, 0.5],
        [2, Number.NaN],
      ]),
    );
    expect(Array.from(readFileSync(path).subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const back = readPng(path);
    expect(back.shape).toEqual([1, 2, 2]);
    expect(Array.from(back.data)).toEqual([0, 128 / 255, 1, 0].map(Math.fround));
  });

  it('keeps or drops alpha, averages to gray, and reads 16-bit and palette files', () => {
    const rgba = new Uint8Array([255, 0, 0, 128, 0, 255, 0, 255]);
    const bytes = encode({ width: 2, height: 1, data: rgba, channels: 4, depth: 8 });
    expect(decodePng(bytes).shape).toEqual([4, 1, 2]);
    expect(decodePng(bytes, { alpha: false }).shape).toEqual([3, 1, 2]);
    const gray = decodePng(bytes, { gray: true });
    expect(Array.from(gray.data)).toEqual([1 / 3, 1 / 3].map(Math.fround));
    const deep = encode({
      width: 1,
      height: 1,
      data: new Uint16Array([65535, 0, 32768]),
      channels: 3,
      depth: 16,
    });
    expect(Array.from(decodePng(deep).data)).toEqual([1, 0, 32768 / 65535].map(Math.fround));
    const palette = encode({
      width: 2,
      height: 1,
      data: new Uint8Array([1, 0]),
      channels: 1,
      depth: 8,
      palette: [
        [255, 0, 0],
        [0, 0, 255],
      ],
    });
    expect(Array.from(decodePng(palette).data)).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('rejects what it cannot encode', () => {
    expect(() => encodePng(rand([5, 2, 2]))).toThrow(
      /encodePng: image must have 1 to 4 channels, got 5 in \[5, 2, 2\]/,
    );
    expect(() => encodePng(rand([4]))).toThrow(/encodePng: image must be \[H, W\] or \[C, H, W\], got \[4\]/);
  });
});
