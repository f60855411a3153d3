/** onnxruntime-web's WASM backend (SIMD, threads through its own workers when numThreads > 1). */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { prepareOrt } from './ort-common.mjs';

export async function createEngine({ threads }) {
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const options = {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  const { version } = JSON.parse(
    readFileSync(new URL('../node_modules/onnxruntime-web/package.json', import.meta.url)),
  );
  return {
    version: `onnxruntime-web ${version} wasm`,
    prepare: (c, data) => prepareOrt(ort, options, c, data),
  };
}
