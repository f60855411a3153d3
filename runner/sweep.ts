/**
 * Sweeps: `--sweep name=v1,v2,…` (repeatable) runs a notebook once per point of the Cartesian product of the
 * values, each run written as `OUT/<notebook>/<name=value,…>.ipynb` (+ HTML). What the runs `record` is gathered
 * into `results.csv` (one row per run, one column per parameter and recorded scalar), `results.json` (everything,
 * tables too) and a results page with a plot per recorded scalar.
 */
import path from 'node:path';
import { resultsHtml } from './html.js';

export interface SweepAxis {
  name: string;
  /** Raw values as typed: each becomes a `-p name=value`. */
  values: string[];
}

/** One point of a sweep: its label (also its file name) and its `-p` parameters. */
export interface SweepPoint {
  label: string;
  parameters: string[];
}

export function parseSweeps(specs: string[]): SweepAxis[] {
  const axes = specs.map((spec) => {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_$][\w$]*$/.test(name))
      throw new Error(
        `convlab run: --sweep expects name=v1,v2,… with an identifier name, got ${JSON.stringify(spec)}`,
      );
    const values = spec.slice(eq + 1).split(',');
    if (values.some((v) => v.trim() === ''))
      throw new Error(`convlab run: --sweep ${name} has an empty value in ${JSON.stringify(spec)}`);
    return { name, values };
  });
  const names = axes.map((a) => a.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`convlab run: --sweep names ${twice} twice; give all its values in one --sweep`);
  return axes;
}

/** Characters a file name cannot hold on common systems become `_`. */
function fileSafe(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is being removed.
  return s.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_');
}

/** The Cartesian product of the axes, the first axis varying slowest (as nested loops in the order given). */
export function sweepPoints(axes: SweepAxis[]): SweepPoint[] {
  let points: { name: string; value: string }[][] = [[]];
  for (const axis of axes)
    points = points.flatMap((p) => axis.values.map((value) => [...p, { name: axis.name, value }]));
  return points.map((p) => ({
    label: fileSafe(p.map(({ name, value }) => `${name}=${value}`).join(',')),
    parameters: p.map(({ name, value }) => `${name}=${value}`),
  }));
}

/** A `-p` value as the notebook sees it: JSON when it parses, the text otherwise. */
export function parameterValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function parameterObject(params: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of params) {
    const eq = p.indexOf('=');
    out[p.slice(0, eq).trim()] = parameterValue(p.slice(eq + 1));
  }
  return out;
}

export interface SweepRun {
  label: string;
  parameters: Record<string, unknown>;
  ok: boolean;
  failure?: string;
  seconds: number;
  /** The run's notebook and page, relative to the results folder. */
  notebook: string;
  html: string;
  records: Record<string, unknown>;
}

function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The names recorded as numbers by at least one run, in the order first seen: they get a column and a plot. */
export function scalarNames(runs: SweepRun[]): string[] {
  const names: string[] = [];
  for (const r of runs)
    for (const [k, v] of Object.entries(r.records))
      if ((typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') && !names.includes(k))
        names.push(k);
  return names;
}

export function resultsCsv(axes: SweepAxis[], runs: SweepRun[]): string {
  const scalars = scalarNames(runs);
  const header = ['run', 'status', ...axes.map((a) => a.name), ...scalars];
  const rows = runs.map((r) => [
    r.label,
    r.ok ? 'ok' : 'failed',
    ...axes.map((a) => r.parameters[a.name]),
    ...scalars.map((s) => r.records[s]),
  ]);
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

/** results.csv, results.json and results.html beside the runs' notebooks; returns the page's path. */
export function sweepResults(
  dir: string,
  title: string,
  axes: SweepAxis[],
  runs: SweepRun[],
  write: (file: string, data: string) => void,
): string {
  write(path.join(dir, 'results.csv'), resultsCsv(axes, runs));
  write(
    path.join(dir, 'results.json'),
    `${JSON.stringify({ notebook: title, sweep: axes, runs }, null, 1)}\n`,
  );
  const page = path.join(dir, 'results.html');
  write(page, resultsHtml(title, axes, runs, scalarNames(runs)));
  return page;
}
