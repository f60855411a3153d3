import { colorTable, NON_FINITE } from '../../src/display/colormap';
import type { Colormap } from '../../src/display/contract';

/** The library's colour maps (src/display/colormap.ts) as RGBA tables for canvas ImageData. */
const cache = new Map<Colormap, Uint8ClampedArray>();

export function isColormap(name: unknown): name is Colormap {
  return name === 'viridis' || name === 'gray' || name === 'diverging';
}

export function lut(cmap: Colormap): Uint8ClampedArray {
  const hit = cache.get(cmap);
  if (hit) return hit;
  const rgb = colorTable(cmap);
  const table = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    for (let ch = 0; ch < 3; ch++) table[i * 4 + ch] = rgb[i * 3 + ch]!;
    table[i * 4 + 3] = 255;
  }
  cache.set(cmap, table);
  return table;
}

/** The colour-scale limits: the payload's `range` when given, else min/max (symmetric about 0 for diverging). */
export function scaleRange(
  cmap: Colormap,
  min: number,
  max: number,
  range?: [number, number],
): [number, number] {
  if (range && Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[1] > range[0]) return range;
  if (cmap === 'diverging') {
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return [-m, m];
  }
  return max > min ? [min, max] : [min - 0.5, min + 0.5];
}

/**
 * Paints `h*w` values starting at `offset` into `img` at (x0, y0), each value as a `zoom`×`zoom` block. The hot
 * loop of every renderer: one multiply and a table read per value, no allocation, so a 256×56×56 stack paints in a
 * few milliseconds. NaN and ±Infinity show in the library's non-finite colour, never as an end of the scale.
 */
export function paint(
  img: ImageData,
  x0: number,
  y0: number,
  values: Float32Array,
  offset: number,
  h: number,
  w: number,
  table: Uint8ClampedArray,
  lo: number,
  hi: number,
  zoom = 1,
): void {
  const px = img.data;
  const stride = img.width * 4;
  const scale = 255 / (hi - lo);
  for (let i = 0; i < h; i++) {
    const row = (y0 + i * zoom) * stride + x0 * 4;
    let s = offset + i * w;
    for (let j = 0; j < w; j++, s++) {
      const v = values[s];
      let k = (v - lo) * scale;
      k = k < 0 ? 0 : k > 255 ? 255 : k | 0;
      const bad = !Number.isFinite(v);
      const r = bad ? NON_FINITE[0] : table[k * 4];
      const g = bad ? NON_FINITE[1] : table[k * 4 + 1];
      const b = bad ? NON_FINITE[2] : table[k * 4 + 2];
      for (let a = 0; a < zoom; a++) {
        let o = row + a * stride + j * zoom * 4;
        for (let c = 0; c < zoom; c++, o += 4) {
          px[o] = r;
          px[o + 1] = g;
          px[o + 2] = b;
          px[o + 3] = 255;
        }
      }
    }
  }
}
