/** Shared pieces of the fault-injection suite: tiny notebooks, `convlab run` as a child, kernel process counts. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../kernel/build';

export { CLI, ensureBuilt, ROOT } from '../kernel/build';

export interface Cell {
  id: string;
  cell_type: string;
  source: string;
  metadata: Record<string, unknown>;
  execution_count: number | null;
  outputs: Record<string, unknown>[];
}

export function notebook(...sources: string[]) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: sources.map(
      (source, i): Cell => ({
        id: `c${i + 1}`,
        cell_type: source.startsWith('#') ? 'markdown' : 'code',
        source,
        metadata: {},
        execution_count: null,
        outputs: [],
      }),
    ),
  };
}

/** A fresh folder whose name marks every kernel started under it (kernels get TMPDIR from the runner). */
export function workspace(tag: string): { dir: string; tmp: string } {
  const dir = mkdtempSync(path.join(tmpdir(), `convlab-fault-${tag}-`));
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  return { dir, tmp };
}

export function writeNotebook(file: string, nb: object): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

export const readNotebook = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { cells: Cell[] };

/** Pids of live processes whose command line contains `marker` (the kernel's connection-file folder). */
export function processesWith(marker: string): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((l) => l.includes(marker) && l.includes(' kernel ') && !/^\s*\d+\s+Z/.test(l))
    .map((l) => Number.parseInt(l, 10));
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** `convlab run ARGS` with TMPDIR set so its kernels are recognisable; resolves when it exits. */
export function runCli(
  args: string[],
  o: {
    tmp: string;
    env?: Record<string, string>;
    onLine?: (line: string, pid: number) => void;
    detached?: boolean;
  },
): { pid: number; done: Promise<Run> } {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'run', ...args], {
    env: { ...process.env, TMPDIR: o.tmp, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.detached,
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (t: string) => {
    stdout += t;
    partial += t;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) o.onLine?.(l, child.pid ?? 0);
  });
  child.stderr.on('data', (t: string) => {
    stderr += t;
  });
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (status, signal) =>
      resolve({ status, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    ),
  );
  return { pid: child.pid ?? 0, done };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
