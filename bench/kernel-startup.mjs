#!/usr/bin/env node
// Kernel start-up and round trip, convlab's kernel side by side with tslab's, measured the same way in one run:
//   kernel_info: from spawning the kernel to its first kernel_info_reply;
//   first cell: from spawning to the reply of a first cell that imports convlab;
//   trivial cell: median round trip (execute_request -> reply and idle) of `1` over --cells runs.
// Usage: node bench/kernel-startup.mjs [--runs 3] [--cells 200]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { KernelClient, sleep } = await import(path.join(root, 'dist/kernel/client.js'));
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, cells: { type: 'string', default: '200' } },
});
const runs = Number(values.runs);
const cells = Number(values.cells);

/** tslab's kernelspec, installed with its own installer into a temporary prefix; its argv is what Jupyter runs. */
function tslabArgv() {
  const prefix = mkdtempSync(path.join(tmpdir(), 'tslab-spec-'));
  const bin = path.join(root, 'node_modules/tslab/bin/tslab');
  const r = spawnSync(
    process.execPath,
    [bin, 'install', `--prefix=${prefix}`, `--binary=${bin}`, '--python=/usr/bin/python3'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`tslab install failed: ${r.stderr}`);
  const spec = JSON.parse(readFileSync(path.join(prefix, 'share/jupyter/kernels/tslab/kernel.json'), 'utf8'));
  // The spec runs the bin through its shebang; run it with this node so both kernels use the same runtime.
  return [process.execPath, ...spec.argv];
}

const kernels = {
  convlab: {
    name: 'convlab',
    argv: undefined,
    firstCell: "import { randn } from 'convlab'; randn([2, 3]).shape",
  },
  tslab: {
    name: 'tslab',
    argv: tslabArgv(),
    firstCell: "import { randn } from 'convlab'; randn([2, 3]).shape",
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(k) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'kernel-bench-'));
  const t0 = performance.now();
  const client = await KernelClient.launch({ cwd, argv: k.argv });
  let kernelInfo = null;
  while (kernelInfo === null) {
    const { reply } = client.request('shell', 'kernel_info_request', {});
    const r = await Promise.race([reply, sleep(20).then(() => null)]);
    if (r) kernelInfo = performance.now() - t0;
  }
  await client.ready();
  // stop_on_error false: a kernel that cannot import convlab must still run the trivial cells that follow.
  const first = await client.execute(k.firstCell, Number.POSITIVE_INFINITY, false);
  const firstCell = performance.now() - t0;
  // tslab aborts every request for 200 ms after a failed cell, whatever stop_on_error says.
  if (first.status !== 'ok') await sleep(300);
  const trips = [];
  for (let i = 0; i < cells; i++) {
    const t = performance.now();
    const r = await client.execute('1', Number.POSITIVE_INFINITY, false);
    if (r.status !== 'ok') throw new Error(`trivial cell on ${k.name}: ${r.status}`);
    trips.push(performance.now() - t);
  }
  await client.shutdown();
  return {
    kernelInfo,
    firstCell,
    firstStatus: first.status,
    firstError: first.error?.evalue,
    trivial: median(trips),
  };
}

const rows = {};
for (const [name, k] of Object.entries(kernels)) {
  const ms = [];
  for (let i = 0; i < runs; i++) ms.push(await measure(k));
  rows[name] = {
    'kernel_info (ms)': Math.round(median(ms.map((m) => m.kernelInfo))),
    'first convlab cell (ms)': Math.round(median(ms.map((m) => m.firstCell))),
    'first cell status': ms[0].firstStatus + (ms[0].firstError ? `: ${ms[0].firstError.slice(0, 60)}` : ''),
    'trivial cell median (ms)': Number(median(ms.map((m) => m.trivial)).toFixed(2)),
  };
}
console.log(`median of ${runs} starts, ${cells} trivial cells each; node ${process.version}`);
console.table(rows);
