#!/usr/bin/env node
/**
 * Where convlab's time goes on a whole model, per kind of op: every backend primitive, every layer's forward,
 * every autograd node's backward (named by the layer that made it and its op), the loss and the optimizer are
 * wrapped with timers from the outside (nothing in src/ changes), and each timer keeps its *self* time, so the
 * rows add up to the step. Minor page faults (fresh memory touched: about 12 µs per 4 KiB page on these
 * machines) are counted the same way, and V8's garbage-collection pauses are summed with a PerformanceObserver.
 *
 *   node bench/profile.mjs [--models M1,M3] [--threads 1] [--backend native] [--steps 3] [--warmup 1]
 *                          [--quick] [--out FILE]
 *
 * The model cases are those of models.mjs, with convlab's own initial weights and a seeded input (timing does
 * not depend on the values). The timers cost a few microseconds per call, so totals run a little above the
 * uninstrumented step's; compare rows, not the total, with model_worker.mjs's figures.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildModel } from './convlab_models.mjs';
import { selectModels } from './models.mjs';
import { cpuName } from './run-models.mjs';

const { values: a } = parseArgs({
  options: {
    models: { type: 'string', default: 'M1,M3' },
    threads: { type: 'string', default: '1' },
    backend: { type: 'string', default: '' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
// The thread pool is sized when the backend loads, so the variable is set before the library is imported.
process.env.CONVLAB_THREADS = a.threads;
const cl = await import('../dist/src/index.js');
if (a.backend) cl.setBackend(a.backend);

/** Self time and page faults per category; `stack` holds the open timers' child totals. */
const stats = new Map();
const stack = [];
let enabled = false;

function faults() {
  return process.resourceUsage().minorPageFault;
}

function timed(category, fn, self, args) {
  if (!enabled) return fn.apply(self, args);
  const frame = { childMs: 0, childFaults: 0, category };
  stack.push(frame);
  const f0 = faults();
  const t0 = performance.now();
  try {
    return fn.apply(self, args);
  } finally {
    const ms = performance.now() - t0;
    const nf = faults() - f0;
    stack.pop();
    const s = stats.get(category) ?? { ms: 0, calls: 0, faults: 0 };
    s.ms += ms - frame.childMs;
    s.faults += nf - frame.childFaults;
    s.calls += 1;
    stats.set(category, s);
    const parent = stack.at(-1);
    if (parent) {
      parent.childMs += ms;
      parent.childFaults += nf;
    }
  }
}

/** Every primitive of the backend in use, wrapped in place (ops look the backend up on every call). */
function wrapBackend() {
  const be = cl.getBackend();
  for (const [name, fn] of Object.entries(be)) {
    if (typeof fn !== 'function') continue;
    be[name] = function (...args) {
      // Named with the layer or gradient that called it, so a primitive's time counts for its op kind.
      const caller = stack.findLast((f) => !f.category.startsWith('backend'))?.category ?? 'step';
      // Element-wise primitives take their op's name first ('relu', 'add', …): it goes into the row's name.
      const what = typeof args[0] === 'string' ? `${name}(${args[0]})` : name;
      return timed(`backend ${what} ← ${caller}`, fn, this, args);
    };
  }
  return be.name;
}

/** Which layer made each autograd node (the innermost one; 'loss' and the like for code outside layers). */
const madeBy = new WeakMap();

/** Tags the nodes a layer's forward made: those reachable from its output, back to its inputs. */
function tagNodes(out, inputs, label) {
  if (!(out instanceof cl.Tensor)) return;
  const stop = new Set(inputs);
  const todo = [out];
  while (todo.length) {
    const t = todo.pop();
    if (stop.has(t) || madeBy.has(t) || t.isLeaf) continue;
    madeBy.set(t, label);
    todo.push(...t.parents);
  }
}

/**
 * Every exported layer class's forward, wrapped on its own prototype (an inherited forward too, such as
 * BatchNorm2d's from its base): self time per class, and the nodes it made tagged with the class.
 */
function wrapLayers() {
  for (const C of Object.values(cl)) {
    if (typeof C !== 'function' || !(C.prototype instanceof cl.Module)) continue;
    const inherited = C.prototype.forward;
    if (typeof inherited !== 'function') continue;
    // A base class wrapped earlier passes its own original on, so each class times only its own calls.
    const original = inherited.original ?? inherited;
    const label = C.name;
    const wrapper = function (...inputs) {
      const out = timed(`forward ${label}`, original, this, inputs);
      timed('profiler overhead (tagging graph nodes)', tagNodes, null, [out, inputs, label]);
      return out;
    };
    wrapper.original = original;
    C.prototype.forward = wrapper;
  }
}

/** Before each backward pass, every node of the graph gets a timed backward named by its layer and op. */
function wrapAutograd() {
  const original = cl.Tensor.prototype.backward;
  cl.Tensor.prototype.backward = function (...args) {
    timed('profiler overhead (wrapping gradient closures)', wrapGraph, null, [this]);
    return timed('backward: autograd engine (graph walk, gradient sums)', original, this, args);
  };
  function wrapGraph(root) {
    const seen = new Set();
    const todo = [root];
    while (todo.length) {
      const t = todo.pop();
      if (seen.has(t) || t.isLeaf) continue;
      seen.add(t);
      const fn = t.backwardFn;
      const label = `backward ${madeBy.get(t) ?? 'outside layers'}: ${t.op || '?'}`;
      // backwardFn is the node's gradient closure; replacing it on this one graph is invisible to the library.
      t.backwardFn = (...g) => timed(label, fn, t, g);
      todo.push(...t.parents);
    }
  }
  for (const O of [cl.SGD, cl.Adam]) {
    const step = O.prototype.step;
    O.prototype.step = function (...args) {
      return timed(`optimizer ${O.name}.step`, step, this, args);
    };
  }
}

function makeStep(model, c) {
  cl.manualSeed(0);
  const x = cl.randn(c.x);
  const scoped = typeof cl.scope === 'function' ? (fn) => cl.scope(fn) : (fn) => fn();
  if (c.mode === 'infer') {
    model.eval();
    let y = null;
    return () => {
      y?.dispose?.();
      y = scoped(() => cl.noGrad(() => model.forward(x)));
    };
  }
  model.train();
  const target = cl.randint(0, c.numClasses, [c.x[0]]);
  const o = c.optimizer;
  const opt =
    o.name === 'SGD'
      ? new cl.SGD(model.parameters(), { lr: o.lr, momentum: o.momentum })
      : new cl.Adam(model.parameters(), { lr: o.lr });
  return () =>
    scoped(() => {
      opt.zeroGrad();
      const y = model.forward(x);
      const loss = timed('loss (crossEntropy)', () => cl.crossEntropy(y, target), null, []);
      timed('profiler overhead (tagging graph nodes)', tagNodes, null, [loss, [y], 'loss']);
      loss.backward();
      opt.step();
    });
}

function profileModel(c, steps, warmup) {
  const model = buildModel(cl, c);
  const step = makeStep(model, c);
  for (let i = 0; i < warmup; i++) step();
  stats.clear();
  let gcMs = 0;
  let gcCount = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcCount += 1;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const times = [];
  const f0 = faults();
  enabled = true;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    timed('step (code outside the timers)', step, null, []);
    times.push(performance.now() - t0);
  }
  enabled = false;
  const totalFaults = faults() - f0;
  obs.disconnect();
  return { times, gcMs, gcCount, totalFaults, rows: [...stats.entries()] };
}

/** Op kinds for the summary: each category goes to the first kind whose pattern matches it. */
const KINDS = [
  ['conv forward', /^backend convForward|^forward Conv2d$/],
  ['conv backward', /^backend convBackward|^backward [^:]*: conv|← backward Conv2d/],
  ['batch norm (fwd + bwd)', /BatchNorm|batchNorm/],
  ['pooling (fwd + bwd)', /Pool|pool/i],
  ['relu / activations', /ReLU|relu|sigmoid|tanh/i],
  ['linear / matmul / gemm', /Linear|matmul|gemm/i],
  ['loss', /loss/i],
  ['optimizer', /^optimizer/],
  ['autograd engine', /autograd engine/],
  ['profiler overhead (not convlab)', /^profiler/],
  ['block glue (residual add, shuffle, cat)', /Bottleneck|ShuffleNetUnit/],
];

function report(c, r, steps) {
  const per = (v) => v / steps;
  const median = [...r.times].sort((x, y) => x - y)[r.times.length >> 1];
  const total = r.rows.reduce((s, [, v]) => s + v.ms, 0);
  const lines = [
    `### ${c.id} ${c.label}${c.quick ? ' (quick shapes)' : ''}`,
    '',
    `Step: median ${median.toFixed(1)} ms over ${steps} instrumented steps (timers add a little); GC ${per(r.gcMs).toFixed(1)} ms per step (${(r.gcCount / steps).toFixed(1)} pauses, counted inside the rows they interrupted); ${Math.round(per(r.totalFaults))} minor page faults per step (≈ ${((per(r.totalFaults) * 12) / 1000).toFixed(1)} ms at 12 µs each).`,
    '',
  ];
  const kinds = new Map(KINDS.map(([k]) => [k, { ms: 0, faults: 0 }]));
  kinds.set('other element-wise / shape / copies', { ms: 0, faults: 0 });
  for (const [cat, v] of r.rows) {
    const kind = KINDS.find(([, re]) => re.test(cat))?.[0] ?? 'other element-wise / shape / copies';
    kinds.get(kind).ms += v.ms;
    kinds.get(kind).faults += v.faults;
  }
  lines.push('| op kind | ms per step | share | page faults per step |', '|---|---:|---:|---:|');
  for (const [k, v] of [...kinds].sort((x, y) => y[1].ms - x[1].ms)) {
    if (v.ms === 0) continue;
    lines.push(
      `| ${k} | ${per(v.ms).toFixed(1)} | ${((100 * v.ms) / total).toFixed(1)} % | ${Math.round(per(v.faults))} |`,
    );
  }
  lines.push('', '<details><summary>every timer (self time)</summary>', '');
  lines.push(
    '| timer | ms per step | share | calls per step | page faults per step |',
    '|---|---:|---:|---:|---:|',
  );
  for (const [cat, v] of r.rows.sort((x, y) => y[1].ms - x[1].ms)) {
    if (per(v.ms) < 0.05) continue;
    lines.push(
      `| ${cat} | ${per(v.ms).toFixed(2)} | ${((100 * v.ms) / total).toFixed(1)} % | ${per(v.calls).toFixed(0)} | ${Math.round(per(v.faults))} |`,
    );
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}

const backendName = wrapBackend();
wrapLayers();
wrapAutograd();
const ids = a.models.split(',');
const steps = Number(a.steps);
const warmup = Number(a.warmup);
const loadBefore = loadavg()[0];
const sections = [];
for (const c of selectModels({ quick: a.quick, ids })) {
  process.stderr.write(`profiling ${c.id} …\n`);
  sections.push(report(c, profileModel(c, steps, warmup), steps));
}
const head = [
  `## convlab profile, ${new Date().toISOString()}`,
  '',
  `\`node bench/profile.mjs ${process.argv.slice(2).join(' ')}\`: backend ${backendName}, CONVLAB_THREADS=${a.threads}, ${cpuName()}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after.`,
  "Self time: a row excludes the timers it called (a layer's forward row is its own code: allocation, JavaScript loops, ops that are not backend primitives).",
  '',
];
const text = `${head.join('\n')}\n${sections.join('\n')}`;
if (a.out) writeFileSync(a.out, text);
process.stdout.write(text);
