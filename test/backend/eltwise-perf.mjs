#!/usr/bin/env node
// Timing aid for the element-wise primitives (not a test): medians of the ops a small-CNN training step runs, as a
// user calls them, on each backend that loads. Build a library tree first, then point this script at it:
//   node node_modules/typescript/bin/tsc -p tsconfig.json --outDir /tmp/cl-after
//   node test/backend/eltwise-perf.mjs /tmp/cl-after [ts,wasm,native] [--wasm-staged=binary,reduce,…]
// A tree built from an older commit (git archive … | tar -x, same command) gives the "before" column.
import { pathToFileURL } from 'node:url';

const root = process.argv[2] ?? 'dist';
const names = (process.argv[3] ?? 'ts,wasm,native').split(',');
const stagedArg = process.argv.find((a) => a.startsWith('--wasm-staged='));
const cl = await import(pathToFileURL(`${root}/src/index.js`).href);
if (stagedArg !== undefined) {
  const { setWasmStaged } = await import(pathToFileURL(`${root}/src/backend/eltwise-wasm.js`).href);
  setWasmStaged(stagedArg.split('=')[1].split(',').filter(Boolean), 0);
}

const REPS = Number(process.env.REPS ?? 25);
const rand = (shape, scale = 1) => {
  let s = 12345;
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = (s / 2147483648 - 0.5) * 2 * scale;
  }
  return cl.tensor(d, shape);
};
/** Drops a result's storage back to the pool when the library has one (the "before" tree does not). */
const done = (t) => {
  for (const x of Array.isArray(t) ? t : [t]) if (typeof x?.dispose === 'function') x.dispose();
};

function median(fn) {
  for (let i = 0; i < 3; i++) done(fn());
  const times = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    done(r);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const x = rand([64, 16, 28, 28]);
const y = rand([64, 16, 28, 28]);
const bias = rand([1, 16, 1, 1]);
const logits = rand([64, 10], 3);
const target = Array.from({ length: 64 }, (_, i) => (i * 7) % 10);
/** The small CNN's parameters: Conv2d(1,16,3), BN(16), Conv2d(16,32,3), BN(32), Linear(1568,10). */
const shapes = [[16, 1, 3, 3], [16], [16], [16], [32, 16, 3, 3], [32], [32], [32], [10, 1568], [10]];
const params = shapes.map((s) => {
  const p = rand(s);
  p.requiresGrad = true;
  p.grad = rand(s, 0.01);
  return p;
});
const adam = new cl.Adam(params, { lr: 1e-3 });

const cases = {
  'add 64×16×28×28': () => cl.add(x, y),
  'mul 64×16×28×28': () => cl.mul(x, y),
  'relu 64×16×28×28': () => cl.relu(x),
  'sigmoid 64×16×28×28': () => cl.sigmoid(x),
  'add bias [1,16,1,1]': () => cl.add(x, bias),
  'sum dims (0,2,3)': () => cl.sum(x, [0, 2, 3]),
  'softmax [64,10]': () => cl.softmax(logits, 1),
  'crossEntropy [64,10] fwd+bwd': () => {
    const l = cl.tensor(logits.data, [64, 10], { requiresGrad: true });
    const loss = cl.crossEntropy(l, target);
    loss.backward();
    return [loss, l.grad];
  },
  'relu fwd+bwd 64×16×28×28': () => {
    const t = cl.tensor(x.data, x.shape, { requiresGrad: true });
    const r = cl.relu(t);
    r.backward(y);
    return [r, t.grad];
  },
  'Adam step, small CNN (20k params)': () => adam.step(),
};

const rows = {};
for (const name of names) {
  try {
    cl.setBackend(name);
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    continue;
  }
  for (const [c, fn] of Object.entries(cases)) {
    rows[c] ??= {};
    rows[c][name] = median(fn);
  }
}
const cols = names.filter((n) => Object.values(rows)[0]?.[n] !== undefined);
console.log(`| op (median ms, ${REPS} reps) | ${cols.join(' | ')} |`);
console.log(`|---|${cols.map(() => '---').join('|')}|`);
for (const [c, r] of Object.entries(rows))
  console.log(`| ${c} | ${cols.map((n) => r[n].toFixed(3)).join(' | ')} |`);
