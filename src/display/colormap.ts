/**
 * Colour maps of every convlab picture: the library's PNG renderings and the extension's canvases read the same
 * tables (extension/src/colormap.ts imports this module), as anchor colours interpolated linearly in sRGB:
 * viridis (matplotlib's perceptually uniform map, sampled at 11 even stops), gray, and a diverging blue–white–red
 * map (ColorBrewer RdBu, reversed) whose white sits at the middle of a range symmetric about 0.
 */
import type { Colormap } from './contract.js';

export type RGB = [number, number, number];

const hex = (s: string): RGB => [1, 3, 5].map((i) => Number.parseInt(s.slice(i, i + 2), 16)) as RGB;

const ANCHORS: Record<Colormap, RGB[]> = {
  viridis: [
    '#440154',
    '#482475',
    '#414487',
    '#355f8d',
    '#2a788e',
    '#21918c',
    '#22a884',
    '#44bf70',
    '#7ad151',
    '#bddf26',
    '#fde725',
  ].map(hex),
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  diverging: ['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b'].map(hex),
};

/** Drawn for NaN and ±Infinity so they never pass for data. */
export const NON_FINITE: RGB = [255, 0, 255];

/** 256-entry lookup tables, built once per map. */
const tables = new Map<Colormap, Uint8Array>();

/** The map's 256 colours as RGB triples (entry i is the colour of t = i / 255); shared, not to be written. */
export function colorTable(cmap: Colormap): Uint8Array {
  let t = tables.get(cmap);
  if (t) return t;
  const anchors = ANCHORS[cmap];
  t = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (anchors.length - 1);
    const k = Math.min(anchors.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++)
      t[i * 3 + c] = Math.round(anchors[k]![c]! * (1 - f) + anchors[k + 1]![c]! * f);
  }
  tables.set(cmap, t);
  return t;
}

/** The colour of t in [0, 1] (clamped). */
export function colorAt(cmap: Colormap, t: number): RGB {
  if (!Number.isFinite(t)) return NON_FINITE;
  const i = Math.round(Math.min(1, Math.max(0, t)) * 255);
  const lut = colorTable(cmap);
  return [lut[i * 3]!, lut[i * 3 + 1]!, lut[i * 3 + 2]!];
}

/** The colour of value v on the scale [lo, hi]; a flat scale (lo = hi) maps to the middle colour. */
export function colorOf(cmap: Colormap, v: number, lo: number, hi: number): RGB {
  if (!Number.isFinite(v)) return NON_FINITE;
  return colorAt(cmap, hi > lo ? (v - lo) / (hi - lo) : 0.5);
}
