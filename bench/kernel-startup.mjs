#!/usr/bin/env node
// Kernel start-up, convlab's kernel side by side with ipykernel (Debian's python3-ipykernel), measured the same
// way in one run, each kernel started fresh per repeat:
//   kernel_info: from spawning the kernel to the reply to its own first kernel_info_request;
//   first cell: the first cell sent as soon as kernel_info is answered (and iopub is connected), timed to the
//     execute_reply of that request: convlab imports convlab and draws randn, ipykernel runs
//     `import torch; torch.randn(2)`; reported from spawn and after kernel_info;
//   trivial cell: median round trip (execute_request -> its execute_reply) of `1` over --cells runs.
// Usage: node bench/kernel-startup.mjs [--runs 5] [--cells 50]   (needs `npm run build` first)
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { KernelClient, sleep } = await import(path.join(root, 'dist/runner/local.js'));
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, cells: { type: 'string', default: '50' } },
});
const runs = Number(values.runs);
const cells = Number(values.cells);

const kernels = {
  convlab: {
    argv: undefined,
    firstCell: "import { randn } from 'convlab';\nrandn([2]).shape",
  },
  ipykernel: {
    argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    firstCell: 'import torch; torch.randn(2)',
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Sends one execute_request and resolves with the time its own execute_reply arrives. */
async function executeReply(client, code) {
  const { reply } = client.request('shell', 'execute_request', {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: false,
  });
  const r = await reply;
  return { at: performance.now(), status: r.content.status, evalue: r.content.evalue };
}

async function measure(k) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'kernel-bench-'));
  const t0 = performance.now();
  const client = await KernelClient.launch({ cwd, argv: k.argv });
  try {
    let kernelInfo = null;
    const { reply } = client.request('shell', 'kernel_info_request', {});
    while (kernelInfo === null) {
      const r = await Promise.race([reply, sleep(10).then(() => null)]);
      if (r) kernelInfo = performance.now();
    }
    // iopub connected (a subscriber misses what was published before it joined); usually already true here.
    await client.ready();
    const sent = performance.now();
    const first = await executeReply(client, k.firstCell);
    const trips = [];
    for (let i = 0; i < cells; i++) {
      const t = performance.now();
      const r = await executeReply(client, '1');
      if (r.status !== 'ok') throw new Error(`trivial cell: ${r.status}`);
      trips.push(performance.now() - t);
    }
    return {
      kernelInfo: kernelInfo - t0,
      firstFromSpawn: first.at - t0,
      firstAfterInfo: first.at - kernelInfo,
      firstRoundTrip: first.at - sent,
      status: first.status + (first.evalue ? `: ${String(first.evalue).slice(0, 60)}` : ''),
      trivial: median(trips),
    };
  } finally {
    await client.shutdown();
  }
}

const rows = {};
for (let i = 0; i < runs; i++) {
  // Interleaved, so a change in machine load touches both kernels alike.
  for (const [name, k] of Object.entries(kernels)) {
    rows[name] ??= [];
    rows[name].push(await measure(k));
  }
}
const table = {};
for (const [name, ms] of Object.entries(rows)) {
  table[name] = {
    'kernel_info (ms)': Math.round(median(ms.map((m) => m.kernelInfo))),
    'first cell from spawn (ms)': Math.round(median(ms.map((m) => m.firstFromSpawn))),
    'first cell after kernel_info (ms)': Math.round(median(ms.map((m) => m.firstAfterInfo))),
    'first cell status': ms[0].status,
    'trivial cell (ms)': Number(median(ms.map((m) => m.trivial)).toFixed(2)),
  };
}
console.log(
  `median of ${runs} fresh starts each, ${cells} trivial cells per start; node ${process.version}; ${cpus()[0]?.model} × ${cpus().length}`,
);
console.table(table);
