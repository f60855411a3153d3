#!/usr/bin/env node
/**
 * convlab on the whole-model cases of a data directory (written by run-models.mjs and torch_models.py export),
 * one backend at the thread count CONVLAB_THREADS gives, in its own process. Prints one JSON line with the
 * median time per case; the first step's outputs (inference output, or loss, state after the step and
 * gradients) go to DIR/out/<tag>-<id>-* for the check against PyTorch.
 *
 *   node bench/model_worker.mjs --data DIR --tag convlab-native-1t [--backend native] [--models M1,M3]
 *                               [--warmup W] [--samples S]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as cl from '../dist/src/index.js';
import { buildModel, makeStep } from './convlab_models.mjs';
import { median } from './measure.mjs';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    tag: { type: 'string' },
    backend: { type: 'string', default: '' },
    models: { type: 'string', default: '' },
    warmup: { type: 'string' },
    samples: { type: 'string' },
  },
});

function readF32(path, shape) {
  const b = readFileSync(path);
  return cl.tensor(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice(), shape);
}

/**
 * The model of a case with the weights PyTorch exported, its input and (for training) its labels; without an
 * export (no PyTorch here) the model's own initialisation and a seeded input.
 */
export function loadCase(dataDir, c) {
  const model = buildModel(cl, c);
  const init = join(dataDir, `${c.id}-init.safetensors`);
  if (!existsSync(init)) {
    cl.manualSeed(0);
    const x = cl.randn(c.x);
    const target = c.mode === 'train' ? cl.randint(0, c.numClasses, [c.x[0]]) : null;
    return { model, x, target };
  }
  model.loadStateDict(cl.loadSafetensors(readFileSync(init)).tensors);
  const x = readF32(join(dataDir, `${c.id}-x.bin`), c.x);
  const target = c.mode === 'train' ? readF32(join(dataDir, `${c.id}-target.bin`), [c.x[0]]) : null;
  return { model, x, target };
}

function writeOutputs(prefix, c, model, last) {
  if (c.mode === 'infer') {
    writeFileSync(`${prefix}-y.bin`, last.data);
    return;
  }
  writeFileSync(`${prefix}-loss.bin`, new Float32Array([last]));
  writeFileSync(`${prefix}-state.safetensors`, cl.saveSafetensors(model.stateDict()));
  const grads = new Map(
    model
      .namedParameters()
      .filter(([, p]) => p.grad !== null)
      .map(([k, p]) => [k, p.grad]),
  );
  writeFileSync(`${prefix}-grads.safetensors`, cl.saveSafetensors(grads));
}

async function main() {
  if (a.backend) cl.setBackend(a.backend);
  const backend = cl.getBackend().name;
  const all = JSON.parse(readFileSync(join(a.data, 'models.json'), 'utf8'));
  const ids = a.models ? a.models.split(',') : all.map((c) => c.id);
  const outDir = join(a.data, 'out');
  mkdirSync(outDir, { recursive: true });
  const results = [];
  for (const c of all.filter((m) => ids.includes(m.id))) {
    try {
      const { model, x, target } = loadCase(a.data, c);
      const { step, last } = makeStep(cl, model, c, x, target);
      // The first step from the exported weights is the one compared with PyTorch's; it also warms up.
      step();
      writeOutputs(join(outDir, `${a.tag}-${c.id}`), c, model, last());
      const warmup = a.warmup === undefined ? c.warmup : Number(a.warmup);
      const samples = a.samples === undefined ? c.samples : Number(a.samples);
      for (let i = 1; i < warmup; i++) step();
      const times = [];
      for (let i = 0; i < samples; i++) {
        const t0 = performance.now();
        step();
        times.push(performance.now() - t0);
      }
      results.push({ id: c.id, medianMs: median(times), minMs: Math.min(...times), samples: times.length });
    } catch (e) {
      results.push({ id: c.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const threads = process.env.CONVLAB_THREADS ?? 'default';
  process.stdout.write(
    `${JSON.stringify({ version: `convlab ${backend} (CONVLAB_THREADS=${threads})`, results })}\n`,
  );
}

await main();
process.exit(0);
