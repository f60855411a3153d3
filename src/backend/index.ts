/**
 * Backend selection: the fastest available backend is chosen on first use (native > wasm > ts);
 * `setBackend(name)` or the CONVLAB_BACKEND environment variable overrides the choice.
 */
import { ArgumentError, describe } from '../errors.js';
import type { Backend } from './contract.js';
import { currentNativeKernels, loadNativeBackend } from './native.js';
import { tsBackend } from './ts.js';
import { loadWasmBackend, setWasmBytes } from './wasm.js';

export type { Backend, ConvGeometry, DeformGeometry } from './contract.js';
export type BackendName = Backend['name'];

/**
 * The one registry of backends: loaders, what each load gave (memoised: a backend starts once, and a failure is
 * remembered with its reason), and the backend in use. Re-initialisation (`registerBackend`, `initWasmBackend`)
 * goes through here, so no other module keeps a copy that could go stale.
 */

/** Loaders for the backends; each returns the backend, or the reason it cannot load here. */
type Loader = () => { backend: Backend } | { reason: string };
const loaders = new Map<BackendName, Loader>([
  ['ts', () => ({ backend: tsBackend })],
  ['native', loadNativeBackend],
  ['wasm', loadWasmBackend],
]);
const loaded = new Map<BackendName, Backend | string>();
const preference: BackendName[] = ['native', 'wasm', 'ts'];
let current: Backend | null = null;

/** Called by an optional backend's module to make itself selectable. */
export function registerBackend(name: BackendName, loader: Loader): void {
  loaders.set(name, loader);
  forget(name);
}

/** Drops what a load of `name` gave; if it is in use, the next `getBackend` chooses again. */
function forget(name: BackendName): void {
  loaded.delete(name);
  if (current?.name === name) current = null;
}

/**
 * Supplies the WASM module's bytes where they cannot be read from the package (a browser: convlab-relaxed.wasm
 * where `WebAssembly.validate` accepts it, else convlab.wasm); `null` returns to the package's files. Call it before
 * the wasm backend is used; calling it again (after a failed load, or with other bytes) reloads the backend.
 */
export function initWasmBackend(wasm: BufferSource | null): void {
  setWasmBytes(wasm);
  forget('wasm');
}

function load(name: BackendName): Backend | string {
  let result = loaded.get(name);
  if (result === undefined) {
    const loader = loaders.get(name);
    if (loader === undefined) result = `the ${name} backend is not built into this installation`;
    else {
      try {
        const r = loader();
        result = 'backend' in r ? r.backend : r.reason;
      } catch (e) {
        result = e instanceof Error ? e.message : String(e);
      }
    }
    loaded.set(name, result);
  }
  return result;
}

/** Names of the backends that load on this machine, fastest first. */
export function availableBackends(): BackendName[] {
  return preference.filter((n) => typeof load(n) !== 'string');
}

/** The backend in use; chosen on first call from CONVLAB_BACKEND or the fastest available. */
export function getBackend(): Backend {
  if (current === null) {
    const requested = typeof process !== 'undefined' ? process.env.CONVLAB_BACKEND : undefined;
    if (requested !== undefined && requested !== '') setBackend(requested as BackendName);
    // The first that loads, in preference order: a slower backend is not started when a faster one works.
    else current = load(preference.find((n) => typeof load(n) !== 'string') ?? 'ts') as Backend;
  }
  return current!;
}

/** Selects a backend by name ('ts', 'wasm' or 'native'); throws if it cannot load here, saying why. */
export function setBackend(name: BackendName): Backend {
  if (!preference.includes(name)) {
    throw new ArgumentError(
      `setBackend: name must be one of ${preference.join(', ')}, got ${describe(name)}`,
    );
  }
  const result = load(name);
  if (typeof result === 'string')
    throw new ArgumentError(`setBackend: backend '${name}' is unavailable: ${result}`);
  current = result;
  return result;
}

/** Runs fn with the named backend selected, then restores the previous one (used by cross-backend tests). */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const previous = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Why each native kernel config is the one chosen: the instructions it needs, found by CPUID at load. */
const KERNEL_REASONS: Record<string, string> = {
  avx512: 'the CPU has AVX-512 F and VL (16-lane FMA tiles)',
  avx2: 'the CPU has AVX2 and FMA but not AVX-512 (8-lane FMA tiles)',
  sse2: 'the CPU has neither AVX2+FMA nor AVX-512 (4-lane SSE2 tiles, the x86-64 floor)',
  scalar: 'no vector instruction set the addon was built for (scalar kernels)',
};

/** What runs convlab's heavy ops here, and why: for `convlab doctor` and bug reports. */
export interface BackendInfo {
  /** The backend in use. */
  name: BackendName;
  /** Why it is the one in use. */
  reason: string;
  /** Backends that could not load here, with the reason each gave. */
  unavailable: { name: BackendName; reason: string }[];
  /** Threads of its parallel primitives, and where that number comes from. */
  threads: number;
  threadsReason: string;
  /** The native kernel config ('avx512', 'avx2', …) and why, when the backend is native. */
  kernels: string | null;
  kernelsReason: string | null;
}

export function backendInfo(): BackendInfo {
  const b = getBackend();
  const env = typeof process !== 'undefined' ? process.env : {};
  const unavailable = preference
    .filter((n) => n !== b.name)
    .map((n) => ({ name: n, result: load(n) }))
    .filter((r): r is { name: BackendName; result: string } => typeof r.result === 'string')
    .map(({ name, result }) => ({ name, reason: result }));
  const requested = env.CONVLAB_BACKEND;
  const reason =
    requested !== undefined && requested !== ''
      ? `CONVLAB_BACKEND=${requested}`
      : b.name === preference[0]
        ? 'the fastest backend, and it loads here'
        : `the fastest that loads here (${unavailable.map((u) => u.name).join(', ')} did not)`;
  const threadsReason =
    env.CONVLAB_THREADS !== undefined && env.CONVLAB_THREADS !== ''
      ? `CONVLAB_THREADS=${env.CONVLAB_THREADS}`
      : b.name === 'ts'
        ? 'the TypeScript backend runs on the calling thread'
        : 'the CPUs this process may use (affinity mask and cgroup CPU quota)';
  const kernels = b.name === 'native' ? currentNativeKernels() : null;
  return {
    name: b.name,
    reason,
    unavailable,
    threads: b.threads,
    threadsReason,
    kernels,
    kernelsReason: kernels === null ? null : (KERNEL_REASONS[kernels] ?? 'chosen by name'),
  };
}
