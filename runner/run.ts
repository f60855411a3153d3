/**
 * `convlab run`: executes notebooks headless, each on a fresh convlab kernel — started here, or on a Jupyter
 * server (`--server`) — and writes the executed notebook and a standalone HTML page, atomically, never over its
 * input unless `--inplace`. `--sweep` runs a notebook once per point of a grid of parameters and gathers what the
 * runs record; `--jobs N` keeps N kernels busy at once.
 *
 * A run always ends: every cell has a time limit (DEFAULT_CELL_TIMEOUT_S unless --timeout says otherwise), a
 * kernel that dies or stops answering fails its run at the cell it was running and the other runs go on, and
 * SIGINT/SIGTERM to the runner shut its kernels down before it exits.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelSource } from './connection.js';
import { type GalleryEntry, galleryHtml, liveUrl, notebookHtml } from './html.js';
import { localKernels } from './local.js';
import {
  executeNotebook,
  injectParameters,
  makeDir,
  normalise,
  readNotebook,
  writeAtomic,
} from './notebook.js';
import { serverKernels } from './remote.js';
import {
  parameterObject,
  parseSweeps,
  type SweepAxis,
  type SweepRun,
  sweepPoints,
  sweepResults,
} from './sweep.js';

export { DEFAULT_CELL_TIMEOUT_S, injectParameters, parameterCell } from './notebook.js';

export interface ServerOptions {
  url: string;
  token: string;
}

export interface RunOptions {
  parameters: string[];
  /** `name=v1,v2,…` each; the runs are their Cartesian product. */
  sweeps?: string[];
  /** Kernels running at once (1 by default). */
  jobs?: number;
  out?: string;
  timeoutSeconds?: number;
  inplace: boolean;
  /** Run on this Jupyter server instead of local kernels. */
  server?: ServerOptions;
  /** A `convlab lite` site holding the notebooks: each HTML page links to its live version there. */
  site?: string;
  /** Where progress lines go (stdout by default). */
  print?: (line: string) => void;
}

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXECUTED_SUFFIX = '.executed.ipynb';
const STANDALONE_BUNDLE = path.join(PACKAGE_ROOT, 'extension', 'standalone', 'convlab-render.js');

/** The notebooks named, folders expanded to the notebooks they hold (not executed copies). */
export function expand(
  inputs: string[],
  command = 'convlab run',
): { files: string[]; galleryDirs: string[] } {
  const files: string[] = [];
  const galleryDirs: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`${command}: no such notebook or folder ${input}`);
    if (statSync(input).isDirectory()) {
      galleryDirs.push(input);
      const names = readdirSync(input)
        .filter((n) => n.endsWith('.ipynb') && !n.endsWith(EXECUTED_SUFFIX))
        .sort();
      files.push(...names.map((n) => path.join(input, n)));
    } else {
      files.push(input);
    }
  }
  return { files, galleryDirs };
}

/** Kernels from the server when one is given, else local ones. */
export function kernelSource(server?: ServerOptions): Promise<KernelSource> {
  return server ? serverKernels(server.url, server.token) : Promise.resolve(localKernels());
}

/** One run: a notebook, its parameters, where it is written and, in a sweep, its label. */
interface Task {
  input: string;
  parameters: string[];
  label?: string;
  /** Where it is written; computed when the run starts, so a bad output path fails that run only. */
  paths: () => { ipynb: string; html: string };
}

export interface NotebookResult {
  input: string;
  label?: string;
  output: string;
  html: string;
  ok: boolean;
  failure?: string;
  seconds: number;
  thumbnail?: string;
  parameters: string[];
  records: Record<string, unknown>;
}

function outputPaths(input: string, o: RunOptions): { ipynb: string; html: string } {
  const stem = path.basename(input, '.ipynb');
  if (o.inplace) return { ipynb: input, html: path.join(o.out ?? path.dirname(input), `${stem}.html`) };
  const dir = o.out ?? path.dirname(input);
  const ipynb = path.join(dir, o.out ? `${stem}.ipynb` : `${stem}${EXECUTED_SUFFIX}`);
  if (path.resolve(ipynb) === path.resolve(input)) {
    throw new Error(`convlab run: output ${ipynb} would overwrite the input; pass --inplace to allow it`);
  }
  return { ipynb, html: path.join(dir, `${stem}.html`) };
}

/** The folder of a swept notebook's runs: OUT/<notebook>/ (OUT is the notebook's folder without --out). */
function sweepDir(input: string, o: RunOptions): string {
  return path.join(o.out ?? path.dirname(input), path.basename(input, '.ipynb'));
}

function tasksOf(files: string[], axes: SweepAxis[], o: RunOptions): Task[] {
  if (axes.length === 0)
    return files.map((input) => ({ input, parameters: o.parameters, paths: () => outputPaths(input, o) }));
  return files.flatMap((input) =>
    sweepPoints(axes).map((p) => ({
      input,
      label: p.label,
      parameters: [...o.parameters, ...p.parameters],
      paths: () => ({
        ipynb: path.join(sweepDir(input, o), `${p.label}.ipynb`),
        html: path.join(sweepDir(input, o), `${p.label}.html`),
      }),
    })),
  );
}

async function runTask(t: Task, o: RunOptions, kernels: KernelSource): Promise<NotebookResult> {
  const started = Date.now();
  const nb = readNotebook(t.input);
  normalise(nb);
  injectParameters(nb, t.parameters);
  const { ipynb, html } = t.paths();
  // Checked before a kernel starts: a run that cannot write its results should say so at once.
  makeDir(path.dirname(ipynb));
  makeDir(path.dirname(html));
  const { failure, records } = await executeNotebook(nb, t.input, kernels, {
    timeoutSeconds: o.timeoutSeconds,
    parameters: t.parameters,
  });
  writeAtomic(ipynb, `${JSON.stringify(nb, null, 1)}\n`);
  const bundle = existsSync(STANDALONE_BUNDLE) ? readFileSync(STANDALONE_BUNDLE, 'utf8') : undefined;
  const title = path.basename(t.input, '.ipynb') + (t.label ? ` [${t.label}]` : '');
  // The site holds the notebook under its own name (convlab lite of its folder); a sweep's runs link to it too.
  const live = o.site === undefined ? undefined : liveUrl(o.site, path.basename(t.input));
  writeAtomic(html, notebookHtml(title, nb.cells, bundle, { live }));
  const thumbnail = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((out) => (out.data as Record<string, unknown> | undefined)?.['image/png'])
    .find((png): png is string => typeof png === 'string');
  return {
    input: t.input,
    label: t.label,
    output: ipynb,
    html: html,
    ok: !failure,
    failure,
    seconds: (Date.now() - started) / 1000,
    thumbnail,
    parameters: t.parameters,
    records,
  };
}

/** Runs `work` over `items` with at most `jobs` at once; `done` sees each result as it comes. */
export async function pool<T, R>(
  items: T[],
  jobs: number,
  work: (item: T) => Promise<R>,
  done: (result: R, item: T) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      done(await work(item), item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

function checkOptions(inputs: string[], o: RunOptions): void {
  if (inputs.length === 0) throw new Error('convlab run: give at least one notebook or folder');
  if (o.timeoutSeconds !== undefined && !(o.timeoutSeconds >= 0)) {
    throw new Error(
      `convlab run: --timeout must be a number of seconds (0 for no limit), got ${o.timeoutSeconds}`,
    );
  }
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`convlab run: --jobs must be a whole number of kernels, at least 1, got ${o.jobs}`);
  if (o.inplace && (o.sweeps?.length ?? 0) > 0)
    throw new Error('convlab run: --inplace cannot be combined with --sweep (each run has its own file)');
  if (o.site !== undefined && !/^(https?:\/\/[^/\s]+|\.{0,2}\/|[\w.-]+(\/|$))\S*$/i.test(o.site))
    throw new Error(
      `convlab run: --site must be the URL of a convlab lite site (http(s)://… or a relative path), got ${JSON.stringify(o.site)}`,
    );
}

export async function runNotebooks(inputs: string[], o: RunOptions): Promise<number> {
  const print = o.print ?? ((l: string) => console.log(l));
  checkOptions(inputs, o);
  const axes = parseSweeps(o.sweeps ?? []);
  const { files, galleryDirs } = expand(inputs);
  const tasks = tasksOf(files, axes, o);
  const kernels = await kernelSource(o.server);
  const results: NotebookResult[] = [];
  const stopOnSignal = shutDownOnSignals(kernels, print);
  try {
    let finished = 0;
    await pool(
      tasks,
      o.jobs ?? 1,
      async (t) => {
        try {
          return await runTask(t, o, kernels);
        } catch (err) {
          const failure = err instanceof Error ? err.message : String(err);
          return {
            input: t.input,
            label: t.label,
            output: '',
            html: '',
            ok: false,
            failure,
            seconds: 0,
            parameters: t.parameters,
            records: {},
          };
        }
      },
      (r) => {
        results.push(r);
        const name = r.label ? `${r.input} [${r.label}]` : r.input;
        print(
          `[${++finished}/${tasks.length}] ${name}: ${r.ok ? 'ok' : `FAILED at ${r.failure}`} (${r.seconds.toFixed(1)} s) -> ${r.output || '-'}`,
        );
      },
    );
  } finally {
    stopOnSignal();
    await kernels.close();
  }
  // Results in the order the runs were listed, whatever order they finished in.
  results.sort(
    (a, b) =>
      tasks.findIndex((t) => t.input === a.input && t.label === a.label) -
      tasks.findIndex((t) => t.input === b.input && t.label === b.label),
  );
  const pages = new Map<string, string>();
  if (axes.length > 0) for (const file of files) pages.set(file, writeSweepResults(file, axes, results, o));
  for (const dir of galleryDirs) writeGallery(dir, files, results, pages, o);
  const failed = results.filter((r) => !r.ok);
  const noun = axes.length > 0 ? 'run' : 'notebook';
  print(
    `${results.length} ${noun}${results.length === 1 ? '' : 's'}: ${results.length - failed.length} ok, ${failed.length} failed`,
  );
  for (const f of failed) print(`  ${f.input}${f.label ? ` [${f.label}]` : ''}: ${f.failure}`);
  for (const page of pages.values()) print(`results: ${page}`);
  // The exit status counts the failed runs (capped below the range shells use for signals).
  return Math.min(failed.length, 100);
}

function writeSweepResults(
  file: string,
  axes: SweepAxis[],
  results: NotebookResult[],
  o: RunOptions,
): string {
  const dir = sweepDir(file, o);
  const runs: SweepRun[] = results
    .filter((r) => r.input === file)
    .map((r) => ({
      label: r.label ?? '',
      parameters: parameterObject(r.parameters),
      ok: r.ok,
      failure: r.failure,
      seconds: r.seconds,
      notebook: r.output ? path.relative(dir, r.output) : '',
      html: r.html ? path.relative(dir, r.html) : '',
      records: r.records,
    }));
  return sweepResults(dir, path.basename(file, '.ipynb'), axes, runs, writeAtomic);
}

/** index.html of a folder given as input: a card per notebook (per sweep: its results page). */
function writeGallery(
  dir: string,
  files: string[],
  results: NotebookResult[],
  pages: Map<string, string>,
  o: RunOptions,
): void {
  const outDir = o.out ?? dir;
  const entries: GalleryEntry[] = files
    .filter((f) => path.resolve(path.dirname(f)) === path.resolve(dir))
    .map((f) => {
      const runs = results.filter((r) => r.input === f);
      const failed = runs.filter((r) => !r.ok);
      const page = pages.get(f) ?? runs[0]?.html;
      return {
        title: path.basename(f, '.ipynb'),
        href: path.relative(outDir, page || f),
        status: failed.length === 0 ? 'ok' : 'failed',
        detail:
          runs.length === 1
            ? runs[0]!.ok
              ? `ran in ${runs[0]!.seconds.toFixed(1)} s`
              : `failed: ${runs[0]!.failure}`
            : `${runs.length} runs, ${failed.length} failed`,
        thumbnail: runs.find((r) => r.thumbnail)?.thumbnail,
      };
    });
  writeAtomic(path.join(outDir, 'index.html'), galleryHtml(path.basename(path.resolve(dir)), entries));
}

/**
 * SIGINT (Ctrl-C) or SIGTERM: every kernel this runner started is ended before the runner exits with the
 * signal's conventional status, so no kernel outlives it. Returns the function that removes the handlers.
 */
export function shutDownOnSignals(kernels: KernelSource, print: (line: string) => void): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    const handler = () => {
      print(`convlab run: ${signal}: stopping the kernels`);
      void kernels.abort().finally(() => process.exit(status));
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
