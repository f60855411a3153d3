#!/usr/bin/env node
// Tuning aid for the C kernels (the side-by-side benchmark with the peers is bench/): GFLOP/s of cases A–G of
// issue 5 and the backward of A, medians after warm-up, through the backend contract.
// Usage: node node_modules/typescript/bin/tsc -p native/perf.tsconfig.json && CONVLAB_THREADS=1 node native/perf.mjs native|wasm [kernels]
const { setBackend } = await import('../out/perf/src/backend/index.js');
const name = process.argv[2] ?? 'native';
const be = setBackend(name);
if (process.argv[3]) (await import('../out/perf/src/backend/native.js')).selectNativeKernels(process.argv[3]);

const geom = (n, c, k, h, w, r, o = {}) => {
  const s = o.stride ?? 1, p = o.padding ?? 0, d = o.dilation ?? 1;
  const out = (x) => Math.floor((x + 2 * p - d * (r - 1) - 1) / s) + 1;
  return { n, c, k, groups: o.groups ?? 1, inSize: [1, h, w], outSize: [1, out(h), out(w)], kernel: [1, r, r],
    stride: [1, s, s], padding: [0, p, p], dilation: [1, d, d] };
};
const vol = (a) => a.reduce((x, y) => x * y, 1);
const flops = (g) => 2 * g.n * g.k * vol(g.outSize) * (g.c / g.groups) * vol(g.kernel);
const rnd = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
const F = { n: 1, c: 32, k: 64, groups: 1, inSize: [1, 64, 64], outSize: [1, 32, 32], kernel: [1, 4, 4],
  stride: [1, 2, 2], padding: [0, 1, 1], dilation: [1, 1, 1] };
const cases = {
  A: ['fwd', geom(1, 64, 64, 56, 56, 3, { padding: 1 })],
  B: ['fwd', geom(1, 256, 64, 56, 56, 1)],
  C: ['fwd', geom(1, 128, 128, 56, 56, 3, { padding: 1, groups: 128 })],
  D: ['fwd', geom(1, 128, 128, 28, 28, 3, { padding: 1, groups: 32 })],
  E: ['fwd', geom(1, 64, 64, 56, 56, 3, { padding: 2, dilation: 2 })],
  F: ['transposed', F],
  G: ['fwd', geom(8, 64, 64, 56, 56, 3, { padding: 1 })],
  'A backward': ['bwd', geom(1, 64, 64, 56, 56, 3, { padding: 1 })],
};
// Wall time, and CPU time per thread (less disturbed by other processes on a shared machine).
function time(fn, reps) {
  for (let i = 0; i < 3; i++) fn();
  const t = [];
  const c = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const cu = process.cpuUsage(c0);
    c.push((cu.user + cu.system) / 1e3 / be.threads);
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  return [med(t), med(c)];
}
console.log(`${name} threads=${be.threads}`);
for (const [id, [kind, g]] of Object.entries(cases)) {
  const x = rnd(g.n * g.c * vol(g.inSize)), w = rnd((g.k * g.c * vol(g.kernel)) / g.groups);
  const y = rnd(g.n * g.k * vol(g.outSize)), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
  const fn = kind === 'fwd' ? () => be.convForward(g, x, w, null, y)
    : kind === 'transposed' ? () => be.convBackwardData(g, y, w, gx)
    : () => { be.convBackwardData(g, y, w, gx); be.convBackwardFilter(g, x, y, gw); };
  const [ms, cpu] = time(fn, id === 'G' ? 10 : 30);
  const f = kind === 'bwd' ? 2 * flops(g) : flops(g);
  const rate = (t) => (f / t / 1e6).toFixed(1).padStart(7);
  console.log(`${id.padEnd(10)} ${ms.toFixed(3).padStart(8)} ms ${rate(ms)} GFLOP/s  (cpu ${rate(cpu)})`);
}
