/**
 * The WASM backend: native/wasm/convlab.wasm, the same C core as the addon compiled for SIMD128, run on worker
 * instances sharing one WebAssembly.Memory (see wasm-threads.ts). Arrays are copied into reused regions of that
 * memory, the C routine runs there, and outputs are copied back into the caller's Float32Arrays.
 *
 * In Node the module is read from the package; a browser host calls `initWasmBackend(bytes)` once with the bytes
 * (fetched however it likes) before selecting it, since backend loaders are synchronous.
 */
import { CONV_FIELDS, convFields, DEFORM_FIELDS, deformFields, findPackageFile } from './cgeometry.js';
import type { Backend, ConvGeometry } from './contract.js';
import { cpuQuota, type WasmExports, WasmThreads } from './wasm-threads.js';
import { type NormPoolExports, wasmNormPool } from './wasm-normpool.js';
import { type EltwiseExports, wasmEltwise } from './eltwise-wasm.js';

interface CoreExports extends WasmExports, NormPoolExports, EltwiseExports {
  cl_set_threads(n: number): void;
  cl_gemm_workspace(m: number, n: number, k: number): number;
  cl_gemm(...args: number[]): void;
  cl_conv_workspace(g: number): number;
  cl_conv_forward(g: number, x: number, w: number, b: number, y: number, ws: number): void;
  cl_conv_backward_data(g: number, gy: number, w: number, gx: number, ws: number): void;
  cl_conv_backward_filter(g: number, x: number, gy: number, gw: number, ws: number): void;
  cl_deform_im2col(g: number, x: number, off: number, mask: number, col: number): void;
  cl_deform_col2im(g: number, ...ptrs: number[]): void;
}

const WASM_PATH = 'native/wasm/convlab.wasm';
/** The same build with relaxed SIMD (fused multiply-add), used when this runtime validates it. */
const RELAXED_PATH = 'native/wasm/convlab-relaxed.wasm';

/**
 * Threads: CONVLAB_THREADS, else the CPUs the process may use (affinity mask and CPU quota). A browser's main thread
 * may not block, so it runs on one.
 */
function threadCount(): number {
  const proc = globalThis.process;
  const env = proc?.env?.CONVLAB_THREADS;
  if (env !== undefined && env !== '') return Math.max(1, Math.min(64, Number.parseInt(env, 10) || 1));
  if (proc?.versions?.node !== undefined)
    return Math.max(1, Math.min(64, proc.getBuiltinModule('os').availableParallelism(), cpuQuota()));
  const isWindow = typeof (globalThis as { document?: unknown }).document !== 'undefined';
  return isWindow ? 1 : Math.min(64, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/** Grow-only regions of the module's memory, reused by every call (fresh pages are expensive). */
class Core {
  readonly ex: CoreExports;
  private f32: Float32Array;
  private i32: Int32Array;
  private io = { ptr: 0, bytes: 0 };
  private ws = { ptr: 0, bytes: 0 };
  private readonly geom: number;
  readonly threads: number;

  constructor(bytes: BufferSource) {
    const module = new WebAssembly.Module(bytes);
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    this.threads = threadCount();
    const pool = new WasmThreads(module, memory, this.threads);
    const instance = new WebAssembly.Instance(module, { env: { memory, parallel_for: pool.parallelFor } });
    this.ex = instance.exports as unknown as CoreExports;
    pool.exports = this.ex;
    this.ex.cl_set_threads(this.threads);
    this.memory = memory;
    this.geom = this.ex.cl_alloc(4 * Math.max(CONV_FIELDS, DEFORM_FIELDS));
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  private readonly memory: WebAssembly.Memory;

  private views(): void {
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  }

  private region(r: { ptr: number; bytes: number }, bytes: number): number {
    if (r.bytes < bytes) {
      const want = Math.ceil(bytes * 1.5);
      const ptr = this.ex.cl_alloc(want);
      if (ptr === 0) throw new Error(`convlab wasm: out of memory allocating ${want} bytes`);
      r.ptr = ptr;
      r.bytes = want;
      this.views();
    }
    return r.ptr;
  }

  /** Copies the arrays (null stays 0) into the I/O region; returns their addresses in bytes. */
  stage(arrays: (Float32Array | number | null)[]): number[] {
    let floats = 0;
    const sizes = arrays.map((a) => (a === null ? 0 : typeof a === 'number' ? a : a.length));
    for (const s of sizes) floats += Math.ceil(s / 16) * 16;
    const base = this.region(this.io, 4 * floats);
    const ptrs: number[] = [];
    let at = base;
    arrays.forEach((a, i) => {
      if (a === null) ptrs.push(0);
      else {
        if (typeof a !== 'number') this.f32.set(a, at / 4);
        ptrs.push(at);
      }
      at += 4 * Math.ceil(sizes[i]! / 16) * 16;
    });
    return ptrs;
  }

  workspace(floats: number): number {
    return this.region(this.ws, 4 * floats + 64);
  }

  geometry(fields: Int32Array): number {
    this.i32.set(fields, this.geom / 4);
    return this.geom;
  }

  /** Copies `out.length` floats at ptr back into out. */
  unstage(ptr: number, out: Float32Array): void {
    this.views();
    out.set(this.f32.subarray(ptr / 4, ptr / 4 + out.length));
  }
}

const wsFloats = (core: Core, g: ConvGeometry) => core.ex.cl_conv_workspace(core.geometry(convFields(g)));

function makeBackend(core: Core): Backend {
  const ex = core.ex;
  const geom = new Int32Array(CONV_FIELDS);
  const dgeom = new Int32Array(DEFORM_FIELDS);
  return {
    name: 'wasm',
    threads: core.threads,
    gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) {
      if (m === 0 || n === 0) return;
      const span = (rows: number, cols: number, ld: number) =>
        rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
      // subarray would clamp a short array silently: say so instead, as the native addon does.
      const view = (name: string, x: Float32Array, off: number, floats: number) => {
        if (off < 0 || x.length < off + floats)
          throw new RangeError(
            `convlab wasm: gemm: ${name} needs ${floats} floats from offset ${off}, has ${x.length}`,
          );
        return x.subarray(off, off + floats);
      };
      const aView = view('a', a, aOff, span(ta ? k : m, ta ? m : k, lda));
      const bView = view('b', b, bOff, span(tb ? n : k, tb ? k : n, ldb));
      const cView = view('c', c, cOff, span(m, n, ldc));
      const ws = core.workspace(ex.cl_gemm_workspace(m, n, k));
      const [pa, pb, pc] = core.stage([aView, bView, cView]);
      ex.cl_gemm(ta ? 1 : 0, tb ? 1 : 0, m, n, k, alpha, pa!, lda, pb!, ldb, beta, pc!, ldc, ws);
      core.unstage(pc!, cView);
    },
    convForward(g, x, w, bias, y) {
      const ws = core.workspace(wsFloats(core, g));
      const [px, pw, pb, py] = core.stage([x, w, bias, y.length]);
      ex.cl_conv_forward(core.geometry(convFields(g, geom)), px!, pw!, pb!, py!, ws);
      core.unstage(py!, y);
    },
    convBackwardData(g, gy, w, gx) {
      const ws = core.workspace(wsFloats(core, g));
      const [pgy, pw, pgx] = core.stage([gy, w, gx.length]);
      ex.cl_conv_backward_data(core.geometry(convFields(g, geom)), pgy!, pw!, pgx!, ws);
      core.unstage(pgx!, gx);
    },
    convBackwardFilter(g, x, gy, gw) {
      const ws = core.workspace(wsFloats(core, g));
      const [px, pgy, pgw] = core.stage([x, gy, gw.length]);
      ex.cl_conv_backward_filter(core.geometry(convFields(g, geom)), px!, pgy!, pgw!, ws);
      core.unstage(pgw!, gw);
    },
    deformIm2col(g, x, offset, mask, columns) {
      const [px, po, pm, pc] = core.stage([x, offset, mask, columns.length]);
      ex.cl_deform_im2col(core.geometry(deformFields(g, dgeom)), px!, po!, pm!, pc!);
      core.unstage(pc!, columns);
    },
    deformCol2im(g, x, offset, mask, gColumns, gx, gOffset, gMask) {
      const ptrs = core.stage([
        x,
        offset,
        mask,
        gColumns,
        gx,
        gOffset.length,
        gMask === null ? null : gMask.length,
      ]);
      ex.cl_deform_col2im(core.geometry(deformFields(g, dgeom)), ...ptrs);
      core.unstage(ptrs[4]!, gx);
      core.unstage(ptrs[5]!, gOffset);
      if (gMask !== null) core.unstage(ptrs[6]!, gMask);
    },
    ...wasmNormPool(core),
    ...wasmEltwise(core),
  };
}

let bytes: BufferSource | null = null;
let variant: 'relaxed-simd' | 'simd128' | 'given' | null = null;

/** Which module the wasm backend last loaded: relaxed SIMD, plain SIMD128, or bytes given to initWasmBackend. */
export function wasmVariant(): typeof variant {
  return variant;
}

/**
 * The bytes the next load uses (null: the package's files). The registry's `initWasmBackend` calls this and then
 * forgets what it had loaded, so the next selection loads from these bytes.
 */
export function setWasmBytes(wasm: BufferSource | null): void {
  bytes = wasm;
}

function readBytes(): BufferSource | string {
  variant = 'given';
  if (bytes !== null) return bytes;
  const proc = globalThis.process;
  if (proc?.versions?.node === undefined)
    return 'call initWasmBackend(bytes) with native/wasm/convlab.wasm first';
  const fs = proc.getBuiltinModule('fs');
  const relaxed = findPackageFile(RELAXED_PATH, (u) => fs.existsSync(u));
  if (relaxed !== null) {
    const b = fs.readFileSync(relaxed);
    variant = 'relaxed-simd';
    if (WebAssembly.validate(b)) return b;
  }
  variant = 'simd128';
  const url = findPackageFile(WASM_PATH, (u) => fs.existsSync(u));
  return url === null ? `${WASM_PATH} is missing from this installation` : fs.readFileSync(url);
}

/** The loader src/backend/index.ts registers; the registry memoises what it returns. */
export function loadWasmBackend(): { backend: Backend } | { reason: string } {
  try {
    if (typeof SharedArrayBuffer === 'undefined')
      return { reason: 'SharedArrayBuffer is unavailable (not cross-origin isolated)' };
    const b = readBytes();
    return typeof b === 'string' ? { reason: b } : { backend: makeBackend(new Core(b)) };
  } catch (e) {
    return { reason: `the module failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
}
