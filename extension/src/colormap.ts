import type { Colormap } from '../../src/display/contract';

/**
 * Colour look-up tables of 256 RGBA entries. Viridis is interpolated from nine stops of matplotlib's table (close to
 * the full table at display precision); diverging runs blue, near-white at 0, red, so signed data reads at a glance.
 */
const STOPS: Record<Colormap, [number, number, number][]> = {
  viridis: [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  diverging: [
    [59, 76, 192],
    [141, 176, 254],
    [242, 242, 242],
    [244, 154, 123],
    [180, 4, 38],
  ],
};

const cache = new Map<Colormap, Uint8ClampedArray>();

export function isColormap(name: unknown): name is Colormap {
  return name === 'viridis' || name === 'gray' || name === 'diverging';
}

export function lut(cmap: Colormap): Uint8ClampedArray {
  const hit = cache.get(cmap);
  if (hit) return hit;
  const stops = STOPS[cmap];
  const table = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(Math.floor(t), stops.length - 2);
    const f = t - k;
    for (let ch = 0; ch < 3; ch++)
      table[i * 4 + ch] = Math.round(stops[k][ch] * (1 - f) + stops[k + 1][ch] * f);
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
 * few milliseconds. Values that are NaN show as a neutral grey rather than as the low end of the scale.
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
      const nan = Number.isNaN(v);
      const r = nan ? 128 : table[k * 4];
      const g = nan ? 128 : table[k * 4 + 1];
      const b = nan ? 128 : table[k * 4 + 2];
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
