#!/usr/bin/env node
// Times batch norm and pooling as a model calls them (layers and functional ops, autograd included): median of
// repeats per backend. A tuning aid, not a test. Usage, from the repository root:
//   node_modules/.bin/esbuild src/index.ts --bundle --platform=node --format=esm --outfile=out/normpool/index.mjs
//   CONVLAB_THREADS=1 node native/normpool-perf.mjs out/normpool/index.mjs [backend…]
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const lib = await import(pathToFileURL(resolve(process.argv[2] ?? 'out/normpool/index.mjs')).href);
const backends = process.argv.slice(3).length ? process.argv.slice(3) : lib.availableBackends();
const { BatchNorm2d, maxPool2d, adaptiveAvgPool2d, Tensor, setBackend } = lib;

function fill(n, seed) {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

const release = (t) => t?.dispose?.();
const REPS = Number(process.env.REPS ?? 30);

function median(fn, reps) {
  for (let i = 0; i < 3; i++) fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return [times[times.length >> 1], times[0]];
}

const act = [64, 16, 28, 28];
const x = new Tensor(fill(64 * 16 * 28 * 28, 1), act);
const xg = new Tensor(fill(64 * 16 * 28 * 28, 1), act, { requiresGrad: true });
const gy = new Tensor(fill(64 * 16 * 28 * 28, 2), act);
const big = new Tensor(fill(256 * 56 * 56, 3), [1, 256, 56, 56]);
const head = new Tensor(fill(2048 * 49, 4), [1, 2048, 7, 7]);
const stem = new Tensor(fill(64 * 112 * 112, 5), [1, 64, 112, 112]);

console.log(`CPU: ${cpus()[0]?.model}; CONVLAB_THREADS=${process.env.CONVLAB_THREADS ?? '(all)'}; lib ${process.argv[2]}`);
for (const name of backends) {
  setBackend(name);
  const bn = new BatchNorm2d(16);
  const bnEval = new BatchNorm2d(256);
  bnEval.eval();
  const rows = {
    'BN2d train fwd 64×16×28×28': median(() => release(bn.forward(x)), REPS),
    'BN2d train fwd+bwd': median(() => {
      const y = bn.forward(xg);
      y.backward(gy);
      release(y);
      release(xg.grad);
      xg.grad = null;
    }, REPS),
    'maxPool2d 2×2 fwd': median(() => release(maxPool2d(x, 2)), REPS),
    'maxPool2d 3×3 s2 p1 1×64×112²': median(() => release(maxPool2d(stem, 3, { stride: 2, padding: 1 })), REPS),
    'BN2d eval 1×256×56×56': median(() => release(bnEval.forward(big)), REPS),
    'global avg pool 1×2048×7×7': median(() => release(adaptiveAvgPool2d(head, 1)), 2 * REPS),
  };
  for (const [k, [med, min]] of Object.entries(rows))
    console.log(`${name.padEnd(7)} ${k.padEnd(30)} median ${med.toFixed(3)} ms  min ${min.toFixed(3)} ms`);
}
