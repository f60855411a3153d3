/** onnxruntime-node (its CPU build, MLAS kernels) with intra-op threads = the configuration's thread count. */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { prepareOrt } from './ort-common.mjs';

export async function createEngine({ threads }) {
  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const { version } = JSON.parse(
    readFileSync(new URL('../node_modules/onnxruntime-node/package.json', import.meta.url)),
  );
  return { version: `onnxruntime-node ${version}`, prepare: (c, data) => prepareOrt(ort, options, c, data) };
}
