/**
 * The native backend: the N-API addon built from native/ at install (node native/build.mjs), with AVX-512 / AVX2 /
 * SSE2 kernels chosen at run time and its own thread pool (CONVLAB_THREADS threads, by default as many as the CPUs
 * the process may use: its affinity mask, capped by a cgroup CPU quota).
 * When the addon is missing the loader says why, and selection falls back to wasm.
 */
import type { Backend } from './contract.js';
import { convFields, deformFields, findPackageFile } from './cgeometry.js';
import { nativeNormPool, type NormPoolAddon } from './native-normpool.js';
import { type EltwiseAddon, nativeEltwise } from './eltwise-native.js';

/** The addon's exports (native/addon/addon.c). */
interface Addon extends NormPoolAddon, EltwiseAddon {
  gemm(...args: (number | boolean | Float32Array)[]): void;
  convForward(g: Int32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array): void;
  convBackwardData(g: Int32Array, gy: Float32Array, w: Float32Array, gx: Float32Array): void;
  convBackwardFilter(g: Int32Array, x: Float32Array, gy: Float32Array, gw: Float32Array): void;
  deformIm2col(g: Int32Array, ...arrays: (Float32Array | null)[]): void;
  deformCol2im(g: Int32Array, ...arrays: (Float32Array | null)[]): void;
  configs(): string[];
  select(name: string): boolean;
  current(): string;
  threads(): number;
}

const ADDON_PATH = 'native/build/Release/convlab.node';

function loadAddon(): Addon | string {
  const proc = globalThis.process;
  if (proc?.versions?.node === undefined) return 'native addons load only in Node';
  const fs = proc.getBuiltinModule('fs');
  const { createRequire } = proc.getBuiltinModule('module');
  // One built here from source wins; else the prebuilt the package ships for this platform (no compiler needed).
  const prebuilt = `native/prebuilds/${proc.platform}-${proc.arch}/convlab.node`;
  let failure = `no addon for ${proc.platform}-${proc.arch} (build one: npx convlab install, or node native/build.mjs)`;
  for (const file of [ADDON_PATH, prebuilt]) {
    const url = findPackageFile(file, (u) => fs.existsSync(u));
    if (url === null) continue;
    try {
      return createRequire(import.meta.url)(url.pathname) as Addon;
    } catch (e) {
      failure = `${file} failed to load: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return failure;
}

/** Builds the backend over a loaded addon; `kernels` names the config (default: the best this CPU runs). */
function makeBackend(addon: Addon): Backend {
  const geom = new Int32Array(22);
  const dgeom = new Int32Array(15);
  return {
    name: 'native',
    threads: addon.threads(),
    gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) {
      addon.gemm(ta ? 1 : 0, tb ? 1 : 0, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    },
    convForward: (g, x, w, bias, y) => addon.convForward(convFields(g, geom), x, w, bias, y),
    convBackwardData: (g, gy, w, gx) => addon.convBackwardData(convFields(g, geom), gy, w, gx),
    convBackwardFilter: (g, x, gy, gw) => addon.convBackwardFilter(convFields(g, geom), x, gy, gw),
    deformIm2col: (g, x, off, mask, cols) => addon.deformIm2col(deformFields(g, dgeom), x, off, mask, cols),
    deformCol2im: (g, x, off, mask, gc, gx, go, gm) =>
      addon.deformCol2im(deformFields(g, dgeom), x, off, mask, gc, gx, go, gm),
    ...nativeNormPool(addon),
    ...nativeEltwise(addon),
  };
}

let addon: Addon | string | undefined;

function getAddon(): Addon | string {
  if (addon === undefined) {
    try {
      addon = loadAddon();
    } catch (e) {
      addon = `the addon failed to load: ${e instanceof Error ? e.message : String(e)}`;
    }
    // Said once, where the addon could have been: a user who expected native speed learns why it is slower.
    if (typeof addon === 'string' && globalThis.process?.versions?.node !== undefined) {
      console.warn(`convlab: the native backend is unavailable (${addon}); using wasm`);
    }
  }
  return addon;
}

/** Kernel configs of the addon on this CPU, best first (tests run each against the scalar twin and ts). */
export function nativeKernels(): string[] {
  const a = getAddon();
  return typeof a === 'string' ? [] : a.configs();
}

/** Selects the addon's kernel config by name ('avx512', 'avx2', 'sse2', 'scalar'); returns the previous one. */
export function selectNativeKernels(name: string): string {
  const a = getAddon();
  if (typeof a === 'string') throw new Error(`selectNativeKernels: the native backend is unavailable: ${a}`);
  const previous = a.current();
  if (!a.select(name)) {
    throw new Error(`selectNativeKernels: kernels must be one of ${a.configs().join(', ')}, got '${name}'`);
  }
  return previous;
}

/** The loader src/backend/index.ts registers: the backend, or why the addon is not usable here. */
export function loadNativeBackend(): { backend: Backend } | { reason: string } {
  const a = getAddon();
  return typeof a === 'string' ? { reason: a } : { backend: makeBackend(a) };
}

/** The addon's kernel config in use ('avx512', 'avx2', 'sse2' or 'scalar'), or null without the addon. */
export function currentNativeKernels(): string | null {
  const a = getAddon();
  return typeof a === 'string' ? null : a.current();
}
