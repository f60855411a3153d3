/**
 * Threads: the native and wasm backends give the same results on 2 and 3 threads as on one, bit for bit, for every
 * way the C core splits work (convolution paths forward and backward, the GEMM split over rows and columns, the
 * gemv); a filter gradient whose reduction is split over chunks of positions is equal to rounding. The pool follows
 * the CPUs the process may use. Each thread count needs its own process (the pool is sized when a backend loads),
 * so the cases run in children over the built library.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../kernel/build';

/** Runs in a child: every case on one backend, outputs as base64 Float32 bytes. */
const child = `
const { setBackend } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/backend/index.js'))});
const be = setBackend(process.argv[1]);
let seed = 12345;
const fill = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) { seed = (seed * 1664525 + 1013904223) >>> 0; a[i] = seed / 4294967296 - 0.5; }
  return a;
};
const geom = (n, c, k, h, w, r, o = {}) => {
  const s = o.stride ?? 1, p = o.padding ?? 0, d = o.dilation ?? 1;
  const out = (x) => Math.floor((x + 2 * p - d * (r - 1) - 1) / s) + 1;
  return { n, c, k, groups: o.groups ?? 1, inSize: [1, h, w], outSize: [1, out(h), out(w)], kernel: [1, r, r],
    stride: [1, s, s], padding: [0, p, p], dilation: [1, d, d] };
};
const vol = (a) => a[0] * a[1] * a[2];
// Each above the size where convolutions split (2 MFLOP), one per path of conv.c and conv_backward.c.
const convs = {
  'in place, one image (split over positions)': geom(1, 32, 40, 30, 30, 3, { padding: 1 }),
  'in place, whole images per task': geom(5, 16, 24, 20, 20, 3, { padding: 1 }),
  'small maps as one batched GEMM (split over rows)': geom(4, 64, 200, 6, 6, 1),
  'batched 3x3 on 4x4 maps': geom(6, 48, 72, 4, 4, 3, { padding: 1 }),
  'im2col, stride 2': geom(3, 24, 36, 29, 29, 3, { stride: 2, padding: 1 }),
  'im2col, one image with many channels': geom(1, 64, 300, 12, 12, 3, { stride: 2 }),
  'dilated': geom(2, 16, 16, 24, 24, 3, { padding: 2, dilation: 2 }),
  'depthwise': geom(2, 64, 64, 40, 40, 3, { padding: 1, groups: 64 }),
  'depthwise, stride 2': geom(4, 96, 96, 41, 41, 3, { stride: 2, padding: 1, groups: 96 }),
  'narrow groups': geom(2, 64, 64, 32, 32, 3, { padding: 1, groups: 16 }),
  'grouped 1x1': geom(1, 120, 480, 14, 14, 1, { groups: 3 }),
  // 4096 positions: the filter gradient's reduction splits into chunks summed at the end (rounding differs).
  'stem 7x7 stride 2': geom(4, 3, 16, 64, 64, 7, { stride: 2, padding: 3 }),
};
const out = {};
const b64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
for (const [name, g] of Object.entries(convs)) {
  const x = fill(g.n * g.c * vol(g.inSize)), w = fill((g.k * g.c * vol(g.kernel)) / g.groups), b = fill(g.k);
  const y = new Float32Array(g.n * g.k * vol(g.outSize)), gy = fill(y.length);
  const gx = new Float32Array(x.length), gw = new Float32Array(w.length);
  be.convForward(g, x, w, b, y);
  be.convBackwardData(g, gy, w, gx);
  be.convBackwardFilter(g, x, gy, gw);
  out[name + ': forward'] = b64(y);
  out[name + ': input gradient'] = b64(gx);
  out[name + ': filter gradient'] = b64(gw);
}
// gemm(transA, transB, m, n, k, …): tall and narrow (rows split), wide (columns split), a Linear at batch 1 (gemv).
for (const [ta, tb, m, n, k] of [[false, false, 700, 12, 300], [true, false, 40, 900, 120], [false, true, 1, 1000, 960],
  [false, true, 64, 513, 200]]) {
  const a = fill(m * k), bm = fill(k * n), c = fill(m * n);
  be.gemm(ta, tb, m, n, k, 0.75, a, 0, ta ? m : k, bm, 0, tb ? k : n, 0.5, c, 0, n);
  out['gemm ' + [ta, tb, m, n, k].join(' ')] = b64(c);
}
process.stdout.write(JSON.stringify({ threads: be.threads, out }));
`;

function run(backend: string, threads: number | null, prefix: string[] = []) {
  const env = { ...process.env };
  delete env.CONVLAB_THREADS;
  if (threads !== null) env.CONVLAB_THREADS = String(threads);
  const [cmd, ...args] = [...prefix, process.execPath, '--input-type=module', '-e', child, backend];
  const text = execFileSync(cmd as string, args, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(text) as { threads: number; out: Record<string, string> };
}

/** Zeros of the same length as a base64 Float32 array. */
const zeros = (a: string): string => Buffer.alloc(Buffer.from(a, 'base64').length).toString('base64');

/** Largest difference between two base64 Float32 arrays (NaN when their lengths differ). */
function maxDiff(a: string, b: string): number {
  const x = new Float32Array(new Uint8Array(Buffer.from(a, 'base64')).buffer);
  const y = new Float32Array(new Uint8Array(Buffer.from(b, 'base64')).buffer);
  if (x.length !== y.length) return Number.NaN;
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

const native =
  spawnSync(process.execPath, ['-e', "require('./native/build/Release/convlab.node')"], {
    cwd: ROOT,
  }).status === 0;

describe.each(native ? ['native', 'wasm'] : ['wasm'])('%s backend on several threads', (backend) => {
  let one: ReturnType<typeof run>;
  beforeAll(() => {
    ensureBuilt();
    one = run(backend, 1);
  }, 300_000);

  it.each([2, 3])(
    'gives on %i threads what it gives on one, bit for bit',
    (threads) => {
      const many = run(backend, threads);
      expect(one.threads).toBe(1);
      expect(many.threads).toBe(threads);
      expect(Object.keys(many.out)).toEqual(Object.keys(one.out));
      for (const [name, bytes] of Object.entries(one.out)) {
        const diff = maxDiff(many.out[name] as string, bytes);
        if (name === 'stem 7x7 stride 2: filter gradient') {
          // Summed in another order: equal to float rounding, relative to the largest entry.
          expect(diff).toBeLessThanOrEqual(1e-5 * maxDiff(bytes, zeros(bytes)));
          if (backend === 'native') expect(diff).toBeGreaterThan(0); // the chunked path ran
        } else {
          expect({ name, diff }).toEqual({ name, diff: 0 });
        }
      }
    },
    300_000,
  );

  it.runIf(spawnSync('taskset', ['-c', '0', 'true']).status === 0)(
    'runs one thread when the affinity mask allows one CPU',
    () => {
      expect(run(backend, null, ['taskset', '-c', '0']).threads).toBe(1);
    },
    300_000,
  );
});
