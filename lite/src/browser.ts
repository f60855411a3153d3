/**
 * convlab for browsers: the whole library as one ES module, plus `start()`, which a browser host awaits once
 * before the first op. Backend loaders are synchronous, so the WASM module's bytes are fetched here first.
 *
 *   import * as convlab from './convlab.js';
 *   await convlab.start();          // wasm (threads if cross-origin isolated), else the TypeScript backend
 *
 * Where the page is cross-origin isolated (COOP: same-origin, COEP: require-corp) SharedArrayBuffer exists and
 * the WASM backend runs, with worker threads when started in a Web Worker; elsewhere the TypeScript backend runs.
 */
import { type BackendInfo, backendInfo, initWasmBackend } from '../../src/index.js';
import { setDataUrl } from './shims/data.js';

export * from '../../src/index.js';

export interface StartOptions {
  /** The folder holding convlab.wasm, convlab-relaxed.wasm and data/ (default: this module's folder). */
  base?: string | URL;
}

/** Fetches the WASM module (relaxed SIMD where this browser validates it) and points the data loaders at data/. */
export async function start(opts: StartOptions = {}): Promise<BackendInfo> {
  const base = new URL(opts.base ?? './', import.meta.url);
  setDataUrl(new URL('data/', base));
  if (typeof SharedArrayBuffer !== 'undefined') {
    const relaxed = await fetchBytes(new URL('convlab-relaxed.wasm', base));
    initWasmBackend(
      relaxed !== null && WebAssembly.validate(relaxed)
        ? relaxed
        : await fetchBytes(new URL('convlab.wasm', base), true),
    );
  }
  return backendInfo();
}

async function fetchBytes(url: URL, required = false): Promise<ArrayBuffer | null> {
  const r = await fetch(url);
  if (r.ok) return r.arrayBuffer();
  if (required) throw new Error(`start: ${url.href} answered ${r.status}`);
  return null;
}
