/**
 * `convlab run`: executes notebooks headless on a fresh convlab kernel each, papermill-style parameters injected
 * after the cell tagged `parameters`, and writes the executed notebook (nbformat 4.5, execution counts, cell ids)
 * and a standalone HTML page, atomically, never over its input unless `--inplace`.
 *
 * A run always ends: every cell has a time limit (DEFAULT_CELL_TIMEOUT_S unless --timeout says otherwise), a
 * kernel that dies or stops answering its heartbeat fails its notebook at the cell it was running and the next
 * notebook goes on, and SIGINT/SIGTERM to the runner shut its kernel down before it exits.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { type CellRun, KernelClient } from './client.js';
import { type GalleryEntry, galleryHtml, notebookHtml } from './html.js';
import { PACKAGE_ROOT } from './repl.js';

export interface RunOptions {
  parameters: string[];
  out?: string;
  timeoutSeconds?: number;
  inplace: boolean;
  /** Where progress lines go (stdout by default). */
  print?: (line: string) => void;
}

interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  metadata: Record<string, unknown> & { tags?: string[] };
  execution_count?: number | null;
  outputs?: Record<string, unknown>[];
}

interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

const EXECUTED_SUFFIX = '.executed.ipynb';
/** Seconds a cell may run when --timeout is not given; `--timeout 0` lifts the limit. */
export const DEFAULT_CELL_TIMEOUT_S = 600;
const STANDALONE_BUNDLE = path.join(PACKAGE_ROOT, 'extension', 'standalone', 'convlab-render.js');

function source(c: Cell): string {
  return Array.isArray(c.source) ? c.source.join('') : c.source;
}

/** `-p name=value`: JSON values (numbers, booleans, arrays, quoted strings) as given, anything else as a string. */
export function parameterCell(params: string[]): string {
  const lines = params.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`convlab run: -p expects name=value, got ${JSON.stringify(p)}`);
    const name = p.slice(0, eq).trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(name))
      throw new Error(`convlab run: -p name must be an identifier, got ${JSON.stringify(name)}`);
    const raw = p.slice(eq + 1);
    let literal: string;
    try {
      JSON.parse(raw);
      literal = raw;
    } catch {
      literal = JSON.stringify(raw);
    }
    return `const ${name} = ${literal};`;
  });
  return `// Parameters injected by convlab run\n${lines.join('\n')}`;
}

export function injectParameters(nb: Notebook, params: string[]): void {
  nb.cells = nb.cells.filter((c) => !c.metadata.tags?.includes('injected-parameters'));
  if (params.length === 0) return;
  const cell: Cell = {
    id: newId(),
    cell_type: 'code',
    source: parameterCell(params),
    metadata: { tags: ['injected-parameters'] },
    execution_count: null,
    outputs: [],
  };
  const at = nb.cells.findIndex((c) => c.metadata.tags?.includes('parameters'));
  nb.cells.splice(at + 1, 0, cell);
}

function newId(): string {
  return randomBytes(4).toString('hex');
}

/** Upgrades to nbformat 4.5: every cell gets a unique id and the fields its type requires. */
function normalise(nb: Notebook): void {
  nb.nbformat = 4;
  nb.nbformat_minor = Math.max(nb.nbformat_minor ?? 0, 5);
  const seen = new Set<string>();
  for (const c of nb.cells) {
    c.metadata ??= {};
    if (!c.id || seen.has(c.id)) c.id = newId();
    seen.add(c.id);
    if (c.cell_type === 'code') {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  nb.metadata.kernelspec = { name: 'convlab', display_name: 'convlab (TypeScript)', language: 'typescript' };
  nb.metadata.language_info ??= { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' };
}

/** The reason of a failed file operation in words: `ENOTDIR: not a directory, mkdir …` -> `not a directory`. */
function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const m = /^[A-Z]+: ([^,]+)/.exec(e?.message ?? '');
  return m ? `${m[1]} (${e.code})` : String(e?.message ?? err);
}

function writeAtomic(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`convlab run: cannot write ${file}: ${reason(err)}`);
  }
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new Error(`convlab run: cannot write to the output folder ${dir}: ${reason(err)}`);
  }
}

function expand(inputs: string[]): { files: string[]; galleryDirs: string[] } {
  const files: string[] = [];
  const galleryDirs: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`convlab run: no such notebook or folder ${input}`);
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

export interface NotebookResult {
  input: string;
  output: string;
  html: string;
  ok: boolean;
  failure?: string;
  seconds: number;
  thumbnail?: string;
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

export async function runNotebook(input: string, o: RunOptions): Promise<NotebookResult> {
  const started = Date.now();
  const nb = JSON.parse(readFileSync(input, 'utf8')) as Notebook;
  if (nb.nbformat !== 4)
    throw new Error(`convlab run: ${input} is nbformat ${nb.nbformat}; only version 4 is read`);
  normalise(nb);
  injectParameters(nb, o.parameters);
  const paths = outputPaths(input, o);
  // Checked before a kernel starts: a run that cannot write its results should say so at once.
  makeDir(path.dirname(paths.ipynb));
  makeDir(path.dirname(paths.html));

  let failure: string | undefined;
  const client = await KernelClient.launch({ cwd: path.dirname(path.resolve(input)), stderr: 'capture' });
  try {
    const info = await client.ready();
    nb.metadata.language_info = info.language_info;
    if (nb.cells.some((c) => c.cell_type === 'code' && source(c).trim() !== '')) await client.started();
    const seconds = o.timeoutSeconds ?? DEFAULT_CELL_TIMEOUT_S;
    const timeoutMs = seconds === 0 ? Number.POSITIVE_INFINITY : seconds * 1000;
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code' || source(cell).trim() === '') continue;
      const run: CellRun = await client.execute(source(cell), timeoutMs);
      cell.execution_count = run.executionCount;
      cell.outputs = run.outputs;
      if (run.status !== 'ok') {
        failure = `cell ${i + 1} (id ${cell.id}): ${run.error?.ename ?? run.status}: ${run.error?.evalue ?? ''}`;
        if (run.status === 'timeout')
          cell.outputs.push({
            output_type: 'error',
            ename: 'Timeout',
            evalue: run.error?.evalue ?? '',
            traceback: [],
          });
        break;
      }
    }
  } finally {
    await client.shutdown();
  }

  writeAtomic(paths.ipynb, `${JSON.stringify(nb, null, 1)}\n`);
  const bundle = existsSync(STANDALONE_BUNDLE) ? readFileSync(STANDALONE_BUNDLE, 'utf8') : undefined;
  writeAtomic(paths.html, notebookHtml(path.basename(input, '.ipynb'), nb.cells, bundle));
  const thumbnail = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((out) => (out.data as Record<string, unknown> | undefined)?.['image/png'])
    .find((png): png is string => typeof png === 'string');
  return {
    input,
    output: paths.ipynb,
    html: paths.html,
    ok: !failure,
    failure,
    seconds: (Date.now() - started) / 1000,
    thumbnail,
  };
}

async function runAll(
  files: string[],
  o: RunOptions,
  results: NotebookResult[],
  print: (line: string) => void,
): Promise<void> {
  for (const [i, file] of files.entries()) {
    let r: NotebookResult;
    try {
      r = await runNotebook(file, o);
    } catch (err) {
      r = {
        input: file,
        output: '',
        html: '',
        ok: false,
        failure: err instanceof Error ? err.message : String(err),
        seconds: 0,
      };
    }
    results.push(r);
    print(
      `[${i + 1}/${files.length}] ${file}: ${r.ok ? 'ok' : `FAILED at ${r.failure}`} (${r.seconds.toFixed(1)} s) -> ${r.output || '-'}`,
    );
  }
}

export async function runNotebooks(inputs: string[], o: RunOptions): Promise<number> {
  const print = o.print ?? ((l: string) => console.log(l));
  if (inputs.length === 0) throw new Error('convlab run: give at least one notebook or folder');
  if (o.timeoutSeconds !== undefined && !(o.timeoutSeconds >= 0)) {
    throw new Error(
      `convlab run: --timeout must be a number of seconds (0 for no limit), got ${o.timeoutSeconds}`,
    );
  }
  const { files, galleryDirs } = expand(inputs);
  const results: NotebookResult[] = [];
  const stopOnSignal = shutDownOnSignals(print);
  try {
    await runAll(files, o, results, print);
  } finally {
    stopOnSignal();
  }
  for (const dir of galleryDirs) {
    const here = results.filter((r) => path.resolve(path.dirname(r.input)) === path.resolve(dir));
    const outDir = o.out ?? dir;
    const entries: GalleryEntry[] = here.map((r) => ({
      title: path.basename(r.input, '.ipynb'),
      href: path.relative(outDir, r.html || r.input),
      status: r.ok ? 'ok' : 'failed',
      detail: r.ok ? `ran in ${r.seconds.toFixed(1)} s` : `failed: ${r.failure}`,
      thumbnail: r.thumbnail,
    }));
    writeAtomic(path.join(outDir, 'index.html'), galleryHtml(path.basename(path.resolve(dir)), entries));
  }
  const failed = results.filter((r) => !r.ok);
  print(
    `${results.length} notebook${results.length === 1 ? '' : 's'}: ${results.length - failed.length} ok, ${failed.length} failed`,
  );
  for (const f of failed) print(`  ${f.input}: ${f.failure}`);
  // The exit status counts the failed notebooks (capped below the range shells use for signals).
  return Math.min(failed.length, 100);
}

/**
 * SIGINT (Ctrl-C) or SIGTERM: every kernel this runner started is ended before the runner exits with the
 * signal's conventional status, so no kernel process outlives it. Returns the function that removes the handlers.
 */
function shutDownOnSignals(print: (line: string) => void): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    const handler = () => {
      const kernels = KernelClient.live();
      print(`convlab run: ${signal}: stopping ${kernels.length} kernel${kernels.length === 1 ? '' : 's'}`);
      for (const k of kernels) k.kill();
      process.exit(status);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
