/** The extension's canvases and the library's PNGs draw with one set of colour maps (src/display/colormap.ts). */
import { describe, expect, it } from 'vitest';
import { lut } from '../../extension/src/colormap';
import { colorAt } from '../../src/display/colormap';

describe('colour maps', () => {
  it.each(['viridis', 'gray', 'diverging'] as const)(
    '%s: every entry of the canvas table is the PNG colour',
    (cmap) => {
      const table = lut(cmap);
      for (let i = 0; i < 256; i++) {
        expect([table[i * 4], table[i * 4 + 1], table[i * 4 + 2], table[i * 4 + 3]]).toEqual([
          ...colorAt(cmap, i / 255),
          255,
        ]);
      }
    },
  );
});
