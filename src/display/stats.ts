/** Summary statistics and colour scales of displayed arrays. */
import type { Colormap, Stats } from './contract.js';

export interface Summary extends Stats {
  /** Count of NaN and ±Infinity values, left out of the statistics. */
  nonFinite: number;
}

/** min, max, mean and population std of the finite values, accumulated in float64. */
export function summarize(data: ArrayLike<number>): Summary {
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { min: 0, max: 0, mean: 0, std: 0, nonFinite: data.length };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) sq += (v - mean) * (v - mean);
  }
  return { min, max, mean, std: Math.sqrt(sq / n), nonFinite: data.length - n };
}

/** Signed data (values on both sides of 0) get the diverging map; everything else viridis. */
export function defaultColormap(stats: Stats): Colormap {
  return stats.min < 0 && stats.max > 0 ? 'diverging' : 'viridis';
}

/** The colour-scale limits for a map: symmetric about 0 for the diverging map, min..max otherwise. */
export function scaleFor(cmap: Colormap, stats: Pick<Stats, 'min' | 'max'>): [number, number] {
  if (cmap === 'diverging') {
    const a = Math.max(Math.abs(stats.min), Math.abs(stats.max));
    return [-a, a];
  }
  return [stats.min, stats.max];
}

/** A number for a summary line: 4 significant digits, exponent form when very large or small. */
export function fmt(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

export function fmtStats(s: Summary): string {
  const base = `min ${fmt(s.min)}  max ${fmt(s.max)}  mean ${fmt(s.mean)}  std ${fmt(s.std)}`;
  return s.nonFinite > 0 ? `${base}  (${s.nonFinite} non-finite values left out)` : base;
}
