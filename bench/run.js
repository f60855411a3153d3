#!/usr/bin/env node
/**
 * `npm run bench`: convlab's backends side by side with PyTorch, onnxruntime-node, TF.js (WASM) and
 * onnxruntime-web (WASM) on cases A–G and the backward of A, then whole models M1–M5 (run-models.mjs) side by
 * side with PyTorch. See bench/README.md.
 *
 *   node bench/run.js [--only ops|models] [--quick] [--cases A,B] [--models M1,M3]
 *                     [--engines convlab,torch,ort-node,tfjs-wasm,ort-web] [--backends ts,wasm,native]
 *                     [--model-backends auto] [--threads 1,2] [--samples 15] [--min-time 1000] [--rounds 2]
 *                     [--model-warmup W] [--model-samples S] [--model-rounds 1] [--torch-malloc jemalloc,tcmalloc] [--relaxed-simd] [--no-install] [--out FILE]
 *                     [--models-out FILE]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectCases, writeCaseData } from './cases.mjs';
import { checkOutputs } from './check.mjs';
import { formatTable, summarize } from './report.mjs';
import { cpuName, runModels } from './run-models.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const PYTHON = '/usr/bin/python3';

const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    cases: { type: 'string' },
    models: { type: 'string' },
    'model-backends': { type: 'string', default: 'auto' },
    'model-warmup': { type: 'string' },
    'model-samples': { type: 'string' },
    'model-rounds': { type: 'string' },
    'torch-malloc': { type: 'string', default: 'jemalloc,tcmalloc' },
    'models-out': { type: 'string' },
    engines: { type: 'string', default: 'convlab,torch,ort-node,tfjs-wasm,ort-web' },
    backends: { type: 'string', default: 'ts,wasm,native' },
    threads: { type: 'string', default: '1,2' },
    samples: { type: 'string' },
    rounds: { type: 'string' },
    'min-time': { type: 'string' },
    'no-install': { type: 'boolean', default: false },
    'relaxed-simd': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const engines = list(a.engines);
const threadCounts = list(a.threads).map(Number);
const timing = {
  warmup: a.quick ? 1 : 3,
  samples: Number(a.samples ?? (a.quick ? 3 : 15)),
  minTimeMs: Number(a['min-time'] ?? (a.quick ? 0 : 1000)),
};
const rounds = Number(a.rounds ?? (a.quick ? 1 : 2));
const log = (msg) => process.stderr.write(`${msg}\n`);

/** Installs the peers (bench/package.json) once; their install scripts are skipped (ORT's downloads GPU files). */
function ensurePeers() {
  const jsPeers = engines.some((e) => ['ort-node', 'ort-web', 'tfjs-wasm'].includes(e));
  if (!jsPeers || existsSync(join(benchDir, 'node_modules', '.package-lock.json'))) return;
  if (a['no-install'])
    throw new Error('bench: the peers are not installed (bench/node_modules) and --no-install was given');
  log('installing the peers: npm ci --prefix bench --ignore-scripts');
  const r = spawnSync('npm', ['ci', '--prefix', benchDir, '--ignore-scripts', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`bench: npm ci --prefix bench failed with exit code ${r.status}`);
}

/** Newest modification time of the TypeScript sources under a folder. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds convlab (tsc) when dist/ is missing or older than src/, so a backend added since the last build is
 * measured rather than reported missing. tsc emits even when it reports type errors; then the bench goes on
 * with what was emitted and says so.
 */
function ensureDist(notes) {
  if (!engines.includes('convlab')) return;
  const entry = join(root, 'dist/src/index.js');
  if (a['no-install'] && existsSync(entry)) return;
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(join(root, 'src'))) return;
  log('building convlab: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status === 0) return;
  if (!existsSync(entry)) throw new Error(`bench: npm run build failed with exit code ${r.status}`);
  notes.push(`npm run build exited with ${r.status} (type errors?); measured the JavaScript it emitted`);
}

function hasTorch() {
  return spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
}

/** Every configuration to run: one child process each. */
async function configurations(notes) {
  const configs = [];
  const counts = (maxThreads) => threadCounts.filter((t) => t <= maxThreads);
  if (engines.includes('convlab')) {
    const { availableBackends, setBackend } = await import('../dist/src/index.js');
    const have = availableBackends();
    for (const backend of list(a.backends)) {
      if (!have.includes(backend)) {
        // setBackend's error says why the backend cannot load here (not built, no addon, …).
        let why = '';
        try {
          setBackend(backend);
        } catch (e) {
          why = `: ${e instanceof Error ? e.message : e}`;
        }
        notes.push(`convlab ${backend}: skipped, availableBackends() lists only ${have.join(', ')}${why}`);
        continue;
      }
      // The TypeScript reference does about 1 GFLOP/s: one warm-up and one timed run at one thread.
      if (backend === 'ts')
        configs.push({ key: 'convlab-ts', engine: 'convlab', backend, threads: 1, reduced: true });
      else
        for (const t of counts(64))
          configs.push({ key: `convlab-${backend}-${t}t`, engine: 'convlab', backend, threads: t });
    }
  }
  if (engines.includes('torch')) {
    if (hasTorch())
      for (const t of counts(64)) configs.push({ key: `torch-${t}t`, engine: 'torch', threads: t });
    else notes.push(`torch: skipped, ${PYTHON} cannot import torch and numpy (Debian: python3-torch)`);
  }
  for (const e of ['ort-node', 'tfjs-wasm', 'ort-web']) {
    if (!engines.includes(e)) continue;
    // TF.js's WASM backend loads its single-threaded build in Node.
    for (const t of counts(e === 'tfjs-wasm' ? 1 : 64))
      configs.push({ key: `${e}-${t}t`, engine: e, threads: t });
  }
  return configs;
}

/** Runs one configuration in its own process and returns its parsed result line. */
function runConfig(cfg, dataDir, caseIds) {
  const t = cfg.reduced ? { warmup: 1, samples: 1, minTimeMs: 0 } : timing;
  const common = [
    '--data',
    dataDir,
    '--cases',
    caseIds.join(','),
    '--tag',
    cfg.key,
    '--warmup',
    String(t.warmup),
    '--samples',
    String(t.samples),
    '--min-time',
    String(t.minTimeMs),
  ];
  const env = {
    ...process.env,
    CONVLAB_THREADS: String(cfg.threads),
    OMP_NUM_THREADS: String(cfg.threads),
    // glibc: freed blocks stay mapped and are reused, so no engine pays first-touch page faults per run.
    MALLOC_MMAP_THRESHOLD_: String(1 << 30),
    MALLOC_TRIM_THRESHOLD_: String(1 << 30),
    MALLOC_TOP_PAD_: String(64 << 20),
  };
  const [cmd, args] =
    cfg.engine === 'torch'
      ? [PYTHON, [join(benchDir, 'torch_bench.py'), '--threads', String(cfg.threads), ...common]]
      : [
          process.execPath,
          [
            // Same V8 flags for every Node engine: relaxed SIMD is off by default in Node 20.
            ...(a['relaxed-simd'] ? ['--experimental-wasm-relaxed-simd'] : []),
            join(benchDir, 'worker.mjs'),
            '--engine',
            cfg.engine,
            '--backend',
            cfg.backend ?? '',
            '--threads',
            String(cfg.threads),
            ...common,
          ],
        ];
  const r = spawnSync(cmd, args, {
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (line && JSON.parse(line).failed) return { version: cfg.key, ...JSON.parse(line) };
  if (r.status !== 0 || !line) {
    const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
    return { version: cfg.key, failed: why, results: [] };
  }
  return JSON.parse(line);
}

/** The op cases A–G (and A backward). Returns the wrong answers found. */
async function runOps() {
  const cases = selectCases({ quick: a.quick, ids: a.cases ? list(a.cases) : null });
  const notes = [];
  // The machine is shared: the load around the run says how much to trust its figures.
  const loadBefore = loadavg()[0];
  ensureDist(notes);
  ensurePeers();
  const configs = await configurations(notes);
  const resultsDir = join(benchDir, 'results');
  // A private data directory per run, so two runs (or the smoke test beside a real run) never collide.
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-bench-'));
  writeCaseData(dataDir, cases);

  // Rounds go over every configuration in turn, so a burst of load from another process on this shared machine
  // hits one round of a configuration, not all of it; per case the best round's median counts.
  const runs = {};
  for (let round = 1; round <= rounds; round++) {
    for (const cfg of configs) {
      if (cfg.reduced && round > 1) continue;
      log(`round ${round}/${rounds}: ${cfg.key} …`);
      const r = runConfig(
        cfg,
        dataDir,
        cases.map((c) => c.id),
      );
      if (r.failed) notes.push(`${cfg.key} (round ${round}): failed: ${r.failed}`);
      runs[cfg.key] ??= { ...cfg, version: r.version, results: {} };
      const run = runs[cfg.key];
      for (const x of r.results) {
        const kept = run.results[x.id];
        const medians = [...(kept?.roundMediansMs ?? []), ...(x.medianMs === undefined ? [] : [x.medianMs])];
        const better = kept === undefined || (x.medianMs !== undefined && !(kept.medianMs <= x.medianMs));
        run.results[x.id] = {
          ...(better ? x : kept),
          ...(medians.length ? { roundMediansMs: medians } : {}),
        };
      }
    }
  }
  // PyTorch is the reference; without it, the TypeScript backend (itself checked against PyTorch in the tests).
  const reference =
    ['torch-1t', 'convlab-ts'].find((k) => runs[k]?.results && Object.keys(runs[k].results).length) ?? null;
  if (reference === null)
    notes.push('no reference engine ran (torch-1t or convlab-ts): outputs were not checked');
  const checks = checkOutputs(dataDir, cases, runs, reference);
  const summary = summarize(cases, runs, checks);
  const date = new Date().toISOString();
  const command =
    `node ${relative(root, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim();

  const machine = {
    cpu: cpuName(),
    cores: cpus().length,
    node: process.version,
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
  };
  process.stdout.write(`convlab bench, ${date}, ${command}\n`);
  process.stdout.write(
    `${machine.cpu}, ${machine.cores} cores, load average ${loadBefore.toFixed(2)} before and ${machine.loadAverage1m.after.toFixed(2)} after\n`,
  );
  process.stdout.write(formatTable(cases, configs, summary));
  if (loadBefore > 0.5) {
    notes.unshift(
      `other processes were running (load average ${loadBefore.toFixed(1)} on ${machine.cores} cores): the figures, above all the 2-thread ones, are lower than on an idle machine`,
    );
  }
  for (const n of [...notes, ...summary.notes]) process.stdout.write(`- ${n}\n`);

  const out = a.out ?? join(resultsDir, `bench-${date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const json = {
    date,
    command,
    timing,
    rounds,
    relaxedSimd: a['relaxed-simd'],
    machine,
    cases,
    configurations: configs.map((c) => ({ ...c, version: runs[c.key].version })),
    runs,
    checks,
    summary,
    notes,
  };
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`results: ${relative(process.cwd(), out)}\n`);
  rmSync(dataDir, { recursive: true, force: true });
  return summary.wrong;
}

async function main() {
  if (a.only !== undefined && !['ops', 'models'].includes(a.only))
    throw new Error(`bench: --only must be 'ops' or 'models', got '${a.only}'`);
  // Naming cases but no models (or the reverse) asks for that half only.
  const only = a.only ?? (a.cases && !a.models ? 'ops' : a.models && !a.cases ? 'models' : undefined);
  const wrong = [];
  if (only !== 'models') wrong.push(...(await runOps()));
  if (only !== 'ops') {
    const notes = [];
    ensureDist(notes);
    for (const n of notes) log(n);
    const r = await runModels({
      quick: a.quick,
      ids: a.models ? list(a.models) : null,
      threadCounts,
      backends: list(a['model-backends']),
      engines: engines.filter((e) => e === 'convlab' || e === 'torch'),
      warmup: a['model-warmup'] === undefined ? undefined : Number(a['model-warmup']),
      samples: a['model-samples'] === undefined ? undefined : Number(a['model-samples']),
      rounds: a['model-rounds'] === undefined ? 1 : Number(a['model-rounds']),
      torchMalloc: list(a['torch-malloc']),
      noInstall: a['no-install'],
      out: a['models-out'],
      command:
        `node ${relative(root, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim(),
    });
    wrong.push(...r.wrong);
  }
  if (wrong.length > 0) process.exitCode = 1;
}

main().catch((e) => {
  log(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
