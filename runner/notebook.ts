/**
 * One notebook on one kernel, the part `convlab run` and `convlab verify` share: read and upgrade the file
 * (nbformat 4.5, cell ids), inject papermill-style parameters after the cell tagged `parameters`, run the code
 * cells in order on a kernel from any KernelSource until one fails, and stamp the result with its provenance and
 * the values its cells `record`ed.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RECORD_MIME } from '../src/record.js';
import type { KernelSource } from './connection.js';
import { parameterObject } from './sweep.js';

export interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  metadata: Record<string, unknown> & { tags?: string[] };
  execution_count?: number | null;
  outputs?: Record<string, unknown>[];
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** Seconds a cell may run when --timeout is not given; `--timeout 0` lifts the limit. */
export const DEFAULT_CELL_TIMEOUT_S = 600;

/** What the kernel is asked after the last cell (src/provenance.ts registers it). */
const PROVENANCE_EXPRESSION = "globalThis[Symbol.for('convlab.provenance')]()";

export function source(c: Cell): string {
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

export function readNotebook(input: string, command = 'convlab run'): Notebook {
  const nb = JSON.parse(readFileSync(input, 'utf8')) as Notebook;
  if (nb.nbformat !== 4)
    throw new Error(`${command}: ${input} is nbformat ${nb.nbformat}; only version 4 is read`);
  return nb;
}

/** Upgrades to nbformat 4.5: every cell gets a unique id and the fields its type requires; outputs are cleared. */
export function normalise(nb: Notebook): void {
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

export function writeAtomic(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`convlab run: cannot write ${file}: ${reason(err)}`);
  }
}

export function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new Error(`convlab run: cannot write to the output folder ${dir}: ${reason(err)}`);
  }
}

/** The commit of the notebook's folder, and whether the notebook differs from it; null outside a git work tree. */
function gitState(file: string): { commit: string; modified: boolean } | null {
  const dir = path.dirname(path.resolve(file));
  const head = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return null;
  const status = spawnSync('git', ['-C', dir, 'status', '--porcelain', '--', path.basename(file)], {
    encoding: 'utf8',
  });
  return { commit: head.stdout.trim(), modified: status.stdout.trim() !== '' };
}

/** The values the cells recorded (a later record of one name replaces an earlier one), from their outputs. */
export function recordsOf(nb: Notebook): Record<string, unknown> {
  const records: Record<string, unknown> = {};
  for (const c of nb.cells)
    for (const o of c.outputs ?? []) {
      const r = (o.data as Record<string, unknown> | undefined)?.[RECORD_MIME] as
        | { name?: unknown; value?: unknown }
        | undefined;
      if (r && typeof r.name === 'string') records[r.name] = r.value;
    }
  return records;
}

export interface Execution {
  /** `cell N (id X): ename: evalue` of the cell that failed, or undefined when every cell ran. */
  failure?: string;
  records: Record<string, unknown>;
}

/**
 * Runs the notebook's code cells in order on a fresh kernel from `kernels`, filling in their outputs and
 * execution counts, and stops at the first that fails. Its metadata gets `convlab: { provenance, records }`.
 * Throws only when no kernel could be started; a cell's failure, the kernel's death included, is returned.
 */
export async function executeNotebook(
  nb: Notebook,
  input: string,
  kernels: KernelSource,
  o: { timeoutSeconds?: number; parameters: string[] },
): Promise<Execution> {
  const ranAt = new Date().toISOString();
  const seconds = o.timeoutSeconds ?? DEFAULT_CELL_TIMEOUT_S;
  const timeoutMs = seconds === 0 ? Number.POSITIVE_INFINITY : seconds * 1000;
  let failure: string | undefined;
  let kernelDied = false;
  let ranCode = false;
  let fromKernel: Record<string, unknown> = {};
  const kernel = await kernels.start(path.dirname(path.resolve(input)));
  try {
    nb.metadata.language_info = kernel.info.language_info;
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code' || source(cell).trim() === '') continue;
      ranCode = true;
      const run = await kernel.execute(source(cell), timeoutMs);
      cell.execution_count = run.executionCount;
      cell.outputs = run.outputs;
      if (run.status !== 'ok') {
        failure = `cell ${i + 1} (id ${cell.id}): ${run.error?.ename ?? run.status}: ${run.error?.evalue ?? ''}`;
        kernelDied = run.status === 'died';
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
    // A notebook without code leaves nothing to ask about (and need not wait for the engine to start).
    if (ranCode && !kernelDied) {
      const answer = (await kernel.evaluate({ provenance: PROVENANCE_EXPRESSION }, 30_000)).provenance as
        | { status?: string; data?: Record<string, unknown> }
        | undefined;
      if (answer?.status === 'ok')
        fromKernel = (answer.data?.['application/json'] as Record<string, unknown>) ?? {};
    }
  } finally {
    await kernel.shutdown();
  }
  const records = recordsOf(nb);
  const convlab = (nb.metadata.convlab ?? {}) as Record<string, unknown>;
  nb.metadata.convlab = {
    ...convlab,
    provenance: {
      convlab: kernel.info.implementation_version ?? null,
      kernel: kernels.where,
      ranAt,
      ...fromKernel,
      parameters: parameterObject(o.parameters),
      git: gitState(input),
    },
    records,
  };
  return { failure, records };
}
