/**
 * Training curves as Vega-Lite (`application/vnd.vegalite.v5+json`, which JupyterLab renders natively), one
 * panel per series with its own y scale, and a PNG fallback drawn the same way (axes with ticks and their values,
 * each panel named by its series, the x axis by its field) for viewers without Vega.
 */
import { ArgumentError } from '../errors.js';
import type { RGB } from './colormap.js';
import type { MimeBundle } from './contract.js';
import { GLYPH_HEIGHT, niceTicks, textWidth, tickLabel } from './font.js';
import { FRAME, INK, Raster, TICK } from './raster.js';
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

  // The fallback: one panel per series, each with its own y axis, ticks and their values, like the Vega-Lite.
  const pad = 8;
  const gap = 16;
  const xs = drawn.flatMap((s) => s.points.map((p) => p[0]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yTicks = drawn.map((s) => {
    const ys = s.points.map((p) => p[1]);
    const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
    const ticks = niceTicks(lo, hi, 4);
    // The panel spans the ticks' round values when they cover the data, so the top and bottom ticks sit on its edges.
    const y0 = Math.min(lo, ticks[0] ?? lo);
    const y1 = Math.max(hi, ticks.at(-1) ?? hi);
    return { ticks, y0, y1 };
  });
  const xTicks = niceTicks(x0, x1, 6);
  const left =
    pad + TICK + 2 + Math.max(...yTicks.flatMap((t) => t.ticks.map((v) => textWidth(tickLabel(v)))));
  const right = pad + Math.ceil(textWidth(tickLabel(xTicks.at(-1) ?? x1)) / 2);
  const axisLabels = TICK + 2 + GLYPH_HEIGHT;
  // Under the last panel, the name of the x axis.
  const xName = GLYPH_HEIGHT + 4;
  const r = new Raster(
    left + width + right,
    drawn.length * (height + axisLabels + gap) - gap + xName + 2 * pad,
  );
  const px = (v: number) => left + (x1 > x0 ? ((v - x0) / (x1 - x0)) * (width - 1) : (width - 1) / 2);
  drawn.forEach((s, k) => {
    const top = pad + k * (height + axisLabels + gap);
    const { ticks, y0, y1 } = yTicks[k]!;
    const py = (v: number) => top + (y1 > y0 ? (1 - (v - y0) / (y1 - y0)) * (height - 1) : (height - 1) / 2);
    const bottom = top + height - 1;
    r.line(left, bottom, left + width - 1, bottom, FRAME);
    r.line(left, top, left, bottom, FRAME);
    for (const t of ticks) {
      const y = Math.round(py(t));
      r.fillRect(left - TICK, y, TICK, 1, INK);
      const label = tickLabel(t);
      r.text(label, left - TICK - 2 - textWidth(label), y - 3);
    }
    for (const t of xTicks) {
      const x = Math.round(px(t));
      r.fillRect(x, bottom + 1, 1, TICK, INK);
      const label = tickLabel(t);
      r.text(label, x - Math.floor(textWidth(label) / 2), bottom + TICK + 2);
    }
    const colour = PALETTE[k % PALETTE.length]!;
    // The series' name in its colour at the panel's top right, where Vega-Lite puts the facet's title.
    r.text(s.name, left + width - 2 - textWidth(s.name), top + 2, colour);
    for (let i = 1; i < s.points.length; i++) {
      const [a, b] = [s.points[i - 1]!, s.points[i]!];
      r.line(px(a[0]), py(a[1]), px(b[0]), py(b[1]), colour, 2);
    }
    if (s.points.length === 1) r.fillRect(px(s.points[0]![0]) - 2, py(s.points[0]![1]) - 2, 5, 5, colour);
  });
  r.text(x, left + (width - textWidth(x)) / 2, r.height - pad - GLYPH_HEIGHT);

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
