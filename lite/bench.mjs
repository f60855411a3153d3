#!/usr/bin/env node
// One run in Chromium of what the browser kernel computes, side by side with TF.js's WASM backend in the same
// page (a cross-origin isolated module Web Worker, as the kernel runs): bench case A (1×64×56×56, 64 filters 3×3,
// pad 1) and the small CNN's training step (bench M3: batch 64, 28×28, Adam; TF.js's WASM backend has no
// Conv2DBackpropFilter, so its step also runs on TF.js's CPU backend), and the size of a site holding every
// notebook. Wall time per run (median of 5 after 2 warm-ups): other work on the machine shifts it.
//
//   node lite/bench.mjs [--tfjs NODE_MODULES]   (default bench/node_modules: cd bench && npm ci)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const { values } = parseArgs({ options: { tfjs: { type: 'string' } } });
const modules = values.tfjs ?? join(root, 'bench/node_modules');
const wasmDist = join(modules, '@tensorflow/tfjs-backend-wasm/dist');
if (!existsSync(wasmDist)) throw new Error(`lite/bench.mjs: no @tensorflow/tfjs-backend-wasm in ${modules}`);

const dir = mkdtempSync(join(tmpdir(), 'convlab-lite-bench-'));
for (const f of ['convlab.js', 'convlab.wasm', 'convlab-relaxed.wasm'])
  cpSync(join(here, 'dist', f), join(dir, f));
for (const f of [
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
  'tfjs-backend-wasm.wasm',
])
  cpSync(join(wasmDist, f), join(dir, f));
writeFileSync(
  join(dir, 'tf-entry.js'),
  "import '@tensorflow/tfjs-core/dist/register_all_gradients';\nimport '@tensorflow/tfjs-backend-cpu';\nexport * as tf from '@tensorflow/tfjs-core';\nexport { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';\n",
);
await esbuild.build({
  entryPoints: [join(dir, 'tf-entry.js')],
  outfile: join(dir, 'tf.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  nodePaths: [modules],
  external: ['fs', 'path', 'os', 'worker_threads', 'perf_hooks', 'crypto'],
  logLevel: 'error',
});

writeFileSync(
  join(dir, 'worker.js'),
  `import * as L from './convlab.js';
import { tf, setWasmPaths } from './tf.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) {
  for (let i = 0; i < 2; i++) fn();
  const ms = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); fn(); ms.push(performance.now() - t); }
  return median(ms);
}
const out = {};
const info = await L.start();
out.convlab = { backend: info.name, threads: info.threads };
L.manualSeed(0);
const x = L.randn([1, 64, 56, 56]);
const w = L.randn([64, 64, 3, 3]);
out.convlab.caseA = time(() => L.scope(() => { L.conv2d(x, w, { padding: 1 }); }));
const net = new L.Sequential(
  new L.Conv2d(1, 16, 3, { padding: 1 }), new L.BatchNorm2d(16), new L.ReLU(), new L.MaxPool2d(2),
  new L.Conv2d(16, 32, 3, { padding: 1 }), new L.BatchNorm2d(32), new L.ReLU(), new L.MaxPool2d(2),
  new L.Flatten(), new L.Linear(32 * 7 * 7, 10));
const opt = new L.Adam(net.parameters(), { lr: 1e-3 });
const xb = L.randn([64, 1, 28, 28]);
const yb = L.randint(0, 10, [64]);
out.convlab.trainStep = time(() => L.scope(() => {
  opt.zeroGrad(); const loss = L.crossEntropy(net.forward(xb), yb); loss.backward(); opt.step(); return loss.item();
}));

setWasmPaths(new URL('./', import.meta.url).href);
await tf.setBackend('wasm');
await tf.ready();
out.tfjs = { backend: tf.getBackend(), threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi' : 1, version: tf.version_core };
const tx = tf.transpose(tf.tensor4d(x.data, [1, 64, 56, 56]), [0, 2, 3, 1]);
const tw = tf.transpose(tf.tensor4d(w.data, [64, 64, 3, 3]), [2, 3, 1, 0]);
out.tfjs.caseA = time(() => { tf.tidy(() => tf.conv2d(tx, tw, 1, 'same').dataSync()); });
// The same step in TF.js: on its WASM backend, and on its CPU backend (plain JavaScript) where the WASM one has
// no kernel for a gradient (it has no Conv2DBackpropFilter).
function tfTrainStep() {
  const v = (shape) => tf.variable(tf.randomNormal(shape, 0, 0.1));
  const p = { c1: v([3, 3, 1, 16]), c2: v([3, 3, 16, 32]), fc: v([1568, 10]) };
  const optimizer = tf.train.adam(1e-3);
  const tx2 = tf.randomNormal([64, 28, 28, 1]);
  const ty = tf.oneHot(tf.tensor1d(yb.data, 'int32'), 10);
  const bn = (t) => { const m = tf.moments(t, [0, 1, 2]); return tf.div(tf.sub(t, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))); };
  const block = (t, k) => tf.maxPool(tf.relu(bn(tf.conv2d(t, k, 1, 'same'))), 2, 2, 'valid');
  const loss = () => tf.losses.softmaxCrossEntropy(ty, tf.matMul(tf.reshape(block(block(tx2, p.c1), p.c2), [64, 1568]), p.fc));
  return time(() => { tf.tidy(() => optimizer.minimize(loss, true).dataSync()); });
}
try {
  out.tfjs.trainStep = tfTrainStep();
} catch (e) {
  out.tfjs.trainStep = 'fails: ' + (e.message ?? String(e)).split('\\n')[0];
  await tf.setBackend('cpu');
  out.tfjs.cpuTrainStep = tfTrainStep();
}
postMessage(out);
`,
);
writeFileSync(
  join(dir, 'index.html'),
  `<!doctype html><meta charset="utf-8"><script type="module">
window.result = new Promise((ok, fail) => { const w = new Worker('./worker.js', { type: 'module' });
w.onmessage = (e) => ok(e.data); w.onerror = (e) => fail(new Error(e.message)); });
</script>`,
);

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer((req, res) => {
  const file = join(dir, new URL(req.url, 'http://x').pathname);
  if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory())
    return res.writeHead(404).end();
  res
    .writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    })
    .end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  const result = await page.evaluate(() => window.result);
  const version = await browser.version();
  const ms = (v) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : v);
  console.log(`Chromium ${version}, one module Web Worker, cross-origin isolated`);
  console.log(
    `convlab ${result.convlab.backend} × ${result.convlab.threads} threads: case A ${ms(result.convlab.caseA)}, small CNN train step ${ms(result.convlab.trainStep)}`,
  );
  console.log(
    `TF.js ${result.tfjs.version} ${result.tfjs.backend} (threads: ${result.tfjs.threads}): case A ${ms(result.tfjs.caseA)}, small CNN train step ${ms(result.tfjs.trainStep)}`,
  );
  if (result.tfjs.cpuTrainStep !== undefined)
    console.log(
      `TF.js ${result.tfjs.version} cpu (JavaScript): small CNN train step ${ms(result.tfjs.cpuTrainStep)}`,
    );
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

// The size of a site holding every notebook, as `convlab lite notebooks --out` writes it.
const site = mkdtempSync(join(tmpdir(), 'convlab-lite-site-'));
execFileSync(
  process.execPath,
  [join(root, 'dist/kernel/cli.js'), 'lite', join(root, 'notebooks'), '--out', site],
  { stdio: 'ignore' },
);
const du = (p) => execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0];
const mb = (p) => `${(Number(du(p)) / 1e6).toFixed(1)} MB`;
console.log(
  `site for notebooks/: ${mb(site)} (application ${mb(join(site, 'build'))}, kernel and data ${mb(join(site, 'convlab'))}, notebooks ${mb(join(site, 'files'))})`,
);
rmSync(site, { recursive: true, force: true });
