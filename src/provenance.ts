/**
 * What a notebook's results depend on besides its source: the seeds it set through `manualSeed`, the data files
 * it read through convlab's loaders (with their SHA-256), and the backend, kernel set, CPU and Node that ran it.
 * `convlab run` asks the kernel for this after the last cell (a user expression naming the well-known symbol
 * below) and stores it in the executed notebook's metadata, so a shared result says how it was made.
 */
import { getBackend } from './backend/index.js';
import { currentNativeKernels } from './backend/native.js';

/** Seeds set in order; a loop that reseeds every step is not worth thousands of entries. */
const MAX_SEEDS = 100;
const seeds: number[] = [];
const dataFiles: Record<string, string> = {};

export function noteSeed(seed: number): void {
  if (seeds.length < MAX_SEEDS) seeds.push(seed);
}

/** The package root, found on the first read. */
let packageRoot: string | undefined;

/**
 * A loader's `readFileSync`, noting the file and its SHA-256. Node only, as the loaders are. The file is named
 * so that the record means the same on another machine: `convlab/…` inside this package (its bundled data),
 * relative to the working folder (the notebook's, in a kernel) inside that, absolute only elsewhere.
 */
export function readDataFile(path: string): Buffer {
  const proc = globalThis.process;
  const fs = proc.getBuiltinModule('node:fs') as typeof import('node:fs');
  const bytes = fs.readFileSync(path);
  const { createHash } = proc.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  const p = proc.getBuiltinModule('node:path') as typeof import('node:path');
  const { fileURLToPath } = proc.getBuiltinModule('node:url') as typeof import('node:url');
  const file = p.resolve(path);
  const within = (root: string) => {
    const rel = p.relative(root, file);
    return rel.startsWith('..') || p.isAbsolute(rel) ? null : rel.split(p.sep).join('/');
  };
  if (packageRoot === undefined) {
    // The nearest folder above this module with a package.json (dist/src/ or src/ to the root); found once.
    let root = p.dirname(fileURLToPath(import.meta.url));
    while (!fs.existsSync(p.join(root, 'package.json')) && p.dirname(root) !== root) root = p.dirname(root);
    packageRoot = root;
  }
  const inPackage = within(packageRoot);
  const name = inPackage !== null ? `convlab/${inPackage}` : (within(proc.cwd()) ?? file);
  dataFiles[name] = createHash('sha256').update(bytes).digest('hex');
  return bytes;
}

export interface Provenance {
  backend: string;
  kernels: string | null;
  threads: number;
  cpu: string | null;
  node: string | null;
  seeds: number[];
  dataFiles: Record<string, string>;
}

export function provenance(): Provenance {
  // Not backendInfo(): it loads every other backend to say why it is not in use, which a run need not pay.
  const b = getBackend();
  // node:os through the process, so this module also loads in a browser (where there is no CPU name to give).
  const os = globalThis.process?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  return {
    backend: b.name,
    kernels: b.name === 'native' ? currentNativeKernels() : null,
    threads: b.threads,
    cpu: os?.cpus()[0]?.model.trim() ?? null,
    node: globalThis.process?.versions?.node ?? null,
    seeds: [...seeds],
    dataFiles: { ...dataFiles },
  };
}

// The kernel client evaluates `globalThis[Symbol.for('convlab.provenance')]()`; the result shows as JSON.
(globalThis as Record<symbol, unknown>)[Symbol.for('convlab.provenance')] = () => {
  const p = provenance();
  return {
    [Symbol.for('Jupyter.display')]: () => ({ 'application/json': p, 'text/plain': JSON.stringify(p) }),
  };
};
