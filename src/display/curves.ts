/**
 * Training curves as Vega-Lite (`application/vnd.vegalite.v5+json`, which JupyterLab renders natively), one
 * panel per series with its own y scale, and a PNG fallback drawn the same way (axes as lines, no text) for
 * viewers without Vega.
 */
import { ArgumentError } from '../errors.js';
import type { RGB } from './colormap.js';
import type { MimeBundle } from './contract.js';
import { FRAME, Raster } from './raster.js';
import { fmt } from './stats.js';

/** Series by name (`{ loss: [...], accuracy: [...] }`) or one record per step (`[{ epoch: 1, loss: 0.5 }, …]`). */
export type History = Record<string, readonly number[]> | readonly Record<string, number>[];

export interface CurvesOptions {
  /** The x field of record histories (default 'epoch' or 'step' when present, else the index). */
  x?: string;
  title?: string;
  width?: number;
  height?: number;
}

export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

// Tableau 10, Vega-Lite's default categorical palette, so both renderings agree.
const PALETTE: RGB[] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 73],
];

interface Series {
  name: string;
  points: [number, number][];
}

function seriesOf(fn: string, history: History, xName?: string): { x: string; series: Series[] } {
  if (Array.isArray(history)) {
    const records = history as readonly Record<string, number>[];
    const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
    const x = xName ?? keys.find((k) => k === 'epoch' || k === 'step') ?? 'step';
    const names = keys.filter((k) => k !== x);
    const series = names.map((name) => ({
      name,
      points: records
        .map((r, i) => [r[x] ?? i, r[name]] as [number, number | undefined])
        .filter((p): p is [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1])),
    }));
    return { x, series };
  }
  if (typeof history !== 'object' || history === null) {
    throw new ArgumentError(
      `${fn}: history must be { name: number[] } or an array of records, got ${typeof history}`,
    );
  }
  const x = xName ?? 'step';
  const series = Object.entries(history as Record<string, readonly number[]>).map(([name, values]) => {
    if (!Array.isArray(values)) throw new ArgumentError(`${fn}: series ${name} must be an array of numbers`);
    return {
      name,
      points: values.map((v, i) => [i, v] as [number, number]).filter((p) => Number.isFinite(p[1])),
    };
  });
  return { x, series };
}

/** The bundle of training curves: Vega-Lite, a PNG fallback and a text summary of the last and best values. */
export function curvesBundle(history: History, opts: CurvesOptions = {}): MimeBundle {
  const fn = 'show.curves';
  const { x, series } = seriesOf(fn, history, opts.x);
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) throw new ArgumentError(`${fn}: history holds no finite values to plot`);
  const width = opts.width ?? 400;
  const height = opts.height ?? 160;
  const values = drawn.flatMap((s) => s.points.map(([px, py]) => ({ [x]: px, series: s.name, value: py })));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title && { title: opts.title }),
    data: { values },
    facet: { row: { field: 'series', type: 'nominal', title: null } },
    spec: {
      width,
      height,
      mark: { type: 'line', point: values.length <= 60 * drawn.length },
      encoding: {
        x: { field: x, type: 'quantitative' },
        y: { field: 'value', type: 'quantitative', scale: { zero: false } },
        color: { field: 'series', type: 'nominal', legend: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };

  const pad = 8;
  const gap = 12;
  const r = new Raster(width + 2 * pad, drawn.length * (height + gap) - gap + 2 * pad);
  const xs = drawn.flatMap((s) => s.points.map((p) => p[0]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  drawn.forEach((s, k) => {
    const top = pad + k * (height + gap);
    const ys = s.points.map((p) => p[1]);
    const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const px = (v: number) => pad + (x1 > x0 ? ((v - x0) / (x1 - x0)) * (width - 1) : (width - 1) / 2);
    const py = (v: number) => top + (y1 > y0 ? (1 - (v - y0) / (y1 - y0)) * (height - 1) : (height - 1) / 2);
    r.line(pad, top + height - 1, pad + width - 1, top + height - 1, FRAME);
    r.line(pad, top, pad, top + height - 1, FRAME);
    const colour = PALETTE[k % PALETTE.length]!;
    for (let i = 1; i < s.points.length; i++) {
      const [a, b] = [s.points[i - 1]!, s.points[i]!];
      r.line(px(a[0]), py(a[1]), px(b[0]), py(b[1]), colour, 2);
    }
    if (s.points.length === 1) r.fillRect(px(s.points[0]![0]) - 2, py(s.points[0]![1]) - 2, 5, 5, colour);
  });

  const lines = [opts.title ? `Training curves: ${opts.title}` : 'Training curves'];
  for (const s of drawn) {
    const last = s.points.at(-1)!;
    let lo = s.points[0]!;
    let hi = s.points[0]!;
    for (const p of s.points) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    lines.push(
      `${s.name}: ${s.points.length} points, last ${fmt(last[1])} at ${x} ${last[0]}, min ${fmt(lo[1])} at ${lo[0]}, max ${fmt(hi[1])} at ${hi[0]}`,
    );
  }
  return { 'text/plain': lines.join('\n'), 'image/png': r.toPngBase64(), [VEGA_LITE_MIME]: spec };
}
