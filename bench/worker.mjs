#!/usr/bin/env node
/**
 * Runs one engine at one thread count over the cases in a data directory (written by run.js) and prints one
 * JSON line with the median time per case. Each configuration runs in its own process, so thread pools, WASM
 * memories and allocator state never leak from one engine into the next.
 *
 *   node bench/worker.mjs --engine ort-node --threads 2 --data DIR --cases A,B [--backend wasm]
 *                         [--warmup 3] [--samples 15] [--min-time 1000]
 *
 * Each case's first output is written to DIR/out/<tag>-<case>-<name>.bin for the correctness check.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measure } from './measure.mjs';

const { values: a } = parseArgs({
  options: {
    engine: { type: 'string' },
    backend: { type: 'string', default: '' },
    threads: { type: 'string', default: '1' },
    data: { type: 'string' },
    cases: { type: 'string', default: '' },
    tag: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    samples: { type: 'string', default: '15' },
    'min-time': { type: 'string', default: '1000' },
  },
});

const engines = {
  convlab: './engines/convlab.mjs',
  'ort-node': './engines/ort-node.mjs',
  'ort-web': './engines/ort-web.mjs',
  'tfjs-wasm': './engines/tfjs-wasm.mjs',
};
if (!(a.engine in engines)) {
  throw new Error(`worker: --engine must be one of ${Object.keys(engines).join(', ')}, got '${a.engine}'`);
}

const threads = Number(a.threads);
const all = JSON.parse(readFileSync(join(a.data, 'cases.json'), 'utf8'));
const ids = a.cases ? a.cases.split(',') : all.map((c) => c.id);
const outDir = join(a.data, 'out');
mkdirSync(outDir, { recursive: true });
const read = (c, name) => {
  const buf = readFileSync(join(a.data, `${c.id}-${name}.bin`));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
};
const opts = { warmup: Number(a.warmup), samples: Number(a.samples), minTimeMs: Number(a['min-time']) };

let engine;
try {
  const { createEngine } = await import(engines[a.engine]);
  engine = await createEngine({ threads, backend: a.backend });
} catch (e) {
  // The engine cannot start here (a backend not loadable, a peer not installed): say so in the result line.
  process.stdout.write(
    `${JSON.stringify({ failed: e instanceof Error ? e.message : String(e), results: [] })}\n`,
  );
  process.exit(0);
}
const results = [];
for (const c of all.filter((x) => ids.includes(x.id))) {
  const data = { x: read(c, 'x'), w: read(c, 'w'), gy: c.backward ? read(c, 'gy') : null };
  try {
    const prepared = await engine.prepare(c, data);
    if (prepared.skip) {
      results.push({ id: c.id, skip: prepared.skip });
      continue;
    }
    // One untimed run whose outputs are kept for the correctness check against PyTorch.
    if (prepared.before) await prepared.before();
    await prepared.run();
    const outputs = prepared.outputs();
    for (const [name, arr] of Object.entries(outputs))
      writeFileSync(join(outDir, `${a.tag}-${c.id}-${name}.bin`), arr);
    const m = await measure(prepared, opts);
    results.push({ id: c.id, ...m, ...(prepared.note ? { note: prepared.note } : {}) });
    if (prepared.dispose) await prepared.dispose();
  } catch (e) {
    results.push({ id: c.id, error: e instanceof Error ? e.message : String(e) });
  }
}
process.stdout.write(`${JSON.stringify({ version: engine.version, results })}\n`);
// ORT-web and TF.js keep worker threads alive; the results are out, so end here.
process.exit(0);
