/**
 * The whole-model half of `npm run bench` (run.js --only models): M1–M5 of models.mjs in convlab and in PyTorch
 * at each thread count, same weights and inputs (exported by torch_models.py), outputs checked, milliseconds
 * and the ratio. See bench/README.md, "Whole models".
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkModels } from './model_check.mjs';
import { selectModels } from './models.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const log = (msg) => process.stderr.write(`${msg}\n`);

/** Debian's tuned allocators for PyTorch (LD_PRELOAD), by label: package and shared object. */
const ALLOCATORS = [
  { label: 'jemalloc', pkg: 'libjemalloc2', lib: 'libjemalloc.so.2' },
  { label: 'tcmalloc', pkg: 'libtcmalloc-minimal4', lib: 'libtcmalloc_minimal.so.4' },
];

/** lscpu's model name, family and model: the CPU the figures belong to. */
export function cpuName() {
  const r = spawnSync('lscpu', [], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const field = (name) => r.stdout?.match(new RegExp(`^${name}:\\s*(.+)$`, 'm'))?.[1]?.trim();
  const model = field('Model name') ?? 'unknown CPU';
  return `${model} (family ${field('CPU family') ?? '?'}, model ${field('Model') ?? '?'})`;
}

function findLibrary(lib) {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const line = (r.stdout ?? '')
    .split('\n')
    .find((l) => l.trim().startsWith(`${lib} `) && l.includes('x86-64'));
  return line ? line.split('=>')[1].trim() : null;
}

/**
 * The tuned allocators present, installing Debian's packages once when missing (as root, unless --no-install);
 * an allocator that cannot be had is skipped with a note.
 */
function tunedAllocators(wanted, noInstall, notes) {
  const chosen = ALLOCATORS.filter((x) => wanted.includes(x.label));
  let found = chosen.map((x) => ({ ...x, path: findLibrary(x.lib) }));
  const missing = found.filter((x) => x.path === null);
  if (missing.length && !noInstall && process.getuid?.() === 0) {
    log(`installing ${missing.map((x) => x.pkg).join(' ')} (apt-get) for PyTorch's tuned-malloc runs`);
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing.map((x) => x.pkg)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    found = chosen.map((x) => ({ ...x, path: findLibrary(x.lib) }));
  }
  for (const x of found.filter((y) => y.path === null))
    notes.push(`torch with ${x.label}: skipped, ${x.lib} not found (apt-get install ${x.pkg})`);
  return found.filter((x) => x.path !== null);
}

/**
 * Debian's PyTorch calls the system BLAS (libblas.so.3) for its GEMMs (Linear, and the 1×1 convolutions oneDNN does
 * not take); without OpenBLAS that is the reference BLAS, and ResNet-50 runs about 6× slower. PyTorch in its best
 * configuration has OpenBLAS: install it once (as root, unless --no-install), or say that it is missing.
 */
function optimizedBlas(noInstall, notes) {
  const present = () => findLibrary('libopenblas.so.0') !== null;
  if (!present() && !noInstall && process.getuid?.() === 0) {
    log("installing libopenblas0-pthread (apt-get): PyTorch's BLAS");
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'libopenblas0-pthread'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  if (!present())
    notes.push(
      'PyTorch runs on the reference BLAS (apt-get install libopenblas0-pthread): its figures are far from its best',
    );
}

function hasTorch() {
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
}

/** Runs one configuration in its own process; returns its parsed JSON line or { failed }. */
function runConfig(cfg, dataDir, ids, timing) {
  const common = ['--data', dataDir, '--tag', cfg.key, '--models', ids.join(',')];
  if (timing.warmup !== undefined) common.push('--warmup', String(timing.warmup));
  if (timing.samples !== undefined) common.push('--samples', String(timing.samples));
  // Each engine as a user runs it: convlab with the environment it was given, PyTorch also with a tuned malloc.
  const env = { ...process.env, CONVLAB_THREADS: String(cfg.threads), OMP_NUM_THREADS: String(cfg.threads) };
  if (cfg.preload) env.LD_PRELOAD = cfg.preload;
  const [cmd, args] =
    cfg.engine === 'torch'
      ? [PYTHON, [join(benchDir, 'torch_models.py'), 'run', '--threads', String(cfg.threads), ...common]]
      : [
          process.execPath,
          [join(benchDir, 'model_worker.mjs'), ...(cfg.backend ? ['--backend', cfg.backend] : []), ...common],
        ];
  const r = spawnSync(cmd, args, {
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line) {
    const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
    return { failed: why, results: [] };
  }
  return JSON.parse(line);
}

function fmtMs(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * Per model and thread count: convlab's median, PyTorch's best median over its allocators, the ratio (PyTorch
 * time ÷ convlab time: convlab's speed as a fraction of PyTorch's) and the check of each convlab run.
 */
export function summarizeModels(models, configs, runs, checks, threadCounts) {
  const rows = {};
  const wrong = [];
  const notes = [];
  for (const m of models) {
    const row = { perThreads: {} };
    for (const t of threadCounts) {
      const cell = { convlab: {}, torch: null, ratio: {} };
      for (const cfg of configs.filter((c) => c.threads === t)) {
        const r = runs[cfg.key]?.results?.[m.id];
        if (!r) continue;
        if (r.error) {
          notes.push(`${cfg.key} ${m.id}: error: ${r.error}`);
          continue;
        }
        if (cfg.engine === 'torch') {
          if (cell.torch === null || r.medianMs < cell.torch.ms)
            cell.torch = { ms: r.medianMs, key: cfg.key, malloc: cfg.malloc };
          continue;
        }
        const check = checks.models[m.id]?.[cfg.key];
        const ok = check === undefined || check.ok;
        if (!ok) {
          wrong.push(`${cfg.key} ${m.id}`);
          notes.push(
            `${cfg.key} ${m.id}: WRONG, ${check.what} differs from ${checks.reference} by ${check.maxRelDiff.toExponential(2)} of its scale (allowed ${check.allowed.toExponential(1)}; float32 PyTorch: ${check.torch32.toExponential(1)})`,
          );
        }
        cell.convlab[cfg.backend || 'auto'] = { ms: r.medianMs, key: cfg.key, check, ok };
      }
      for (const [b, c] of Object.entries(cell.convlab))
        if (cell.torch && c.ok) cell.ratio[b] = cell.torch.ms / c.ms;
      row.perThreads[t] = cell;
    }
    rows[m.id] = row;
  }
  // Said once per model and list of parameters, not once per configuration.
  for (const [id, byKey] of Object.entries(checks.models)) {
    const lists = new Set(Object.values(byKey).flatMap((c) => (c.skipped ? [c.skipped.join(', ')] : [])));
    for (const l of lists) notes.push(`${id}: not compared (reference gradient at rounding level): ${l}`);
  }
  return { rows, wrong, notes };
}

/** The Markdown table: a row per model, per thread count convlab ms, PyTorch ms (allocator), ratio; the check. */
export function formatModelTable(models, summary, threadCounts, backends) {
  const header = ['model'];
  for (const t of threadCounts) {
    for (const b of backends) header.push(`convlab${b === 'auto' ? '' : ` ${b}`} ${t}t ms`);
    header.push(`PyTorch ${t}t ms`);
    for (const b of backends) header.push(`ratio${b === 'auto' ? '' : ` ${b}`} ${t}t`);
  }
  header.push('diff / scale vs float64 (PyTorch f32)');
  const rows = models.map((m) => {
    const row = summary.rows[m.id];
    const cells = [`${m.id} ${m.label}`];
    let worst = null;
    for (const t of threadCounts) {
      const cell = row.perThreads[t];
      for (const b of backends) {
        const c = cell.convlab[b];
        cells.push(c ? `${fmtMs(c.ms)}${c.ok ? '' : ' WRONG'}` : '—');
        if (c?.check && (worst === null || !(c.check.maxRelDiff / c.check.allowed <= worst.score)))
          worst = { ...c.check, score: c.check.maxRelDiff / c.check.allowed };
      }
      cells.push(
        cell.torch ? `${fmtMs(cell.torch.ms)}${cell.torch.malloc ? ` (${cell.torch.malloc})` : ''}` : '—',
      );
      for (const b of backends)
        cells.push(cell.ratio[b] === undefined ? '—' : `${cell.ratio[b].toFixed(2)}×`);
    }
    cells.push(
      worst === null ? '—' : `${worst.maxRelDiff.toExponential(1)} (${worst.torch32.toExponential(1)})`,
    );
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return `Milliseconds (median after warm-up; lower is better); ratio = PyTorch ms ÷ convlab ms (≥ 1: convlab faster)\n\n${[line(header), rule, ...rows.map(line)].join('\n')}\n\n`;
}

/**
 * Runs the model half. opts: { quick, ids, threadCounts, backends (convlab backend names, 'auto' = the
 * library's own choice), engines, warmup, samples, rounds (default 1), torchMalloc (tuned allocators to try
 * PyTorch with besides glibc's; default jemalloc and tcmalloc), noInstall, out }. Returns { wrong } so run.js sets the exit code.
 */
export async function runModels(opts) {
  const models = selectModels({ quick: opts.quick, ids: opts.ids });
  const notes = [];
  const loadBefore = loadavg()[0];
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-models-'));
  writeFileSync(join(dataDir, 'models.json'), `${JSON.stringify(models, null, 2)}\n`);
  const torch = opts.engines.includes('torch') && hasTorch();
  if (opts.engines.includes('torch') && !torch)
    notes.push(
      `torch: skipped, ${PYTHON} cannot import torch, torchvision and numpy (Debian: python3-torch, python3-torchvision)`,
    );
  if (torch) {
    log('exporting weights and inputs from PyTorch …');
    const r = spawnSync(PYTHON, [join(benchDir, 'torch_models.py'), 'export', '--data', dataDir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`bench: torch_models.py export failed with exit code ${r.status}`);
  } else notes.push('no PyTorch: convlab runs on its own initial weights and a seeded input, unchecked');

  const configs = [];
  if (torch) optimizedBlas(opts.noInstall, notes);
  const allocators = torch
    ? tunedAllocators(opts.torchMalloc ?? ['jemalloc', 'tcmalloc'], opts.noInstall, notes)
    : [];
  for (const t of opts.threadCounts) {
    if (opts.engines.includes('convlab'))
      for (const b of opts.backends)
        configs.push({
          key: `convlab${b === 'auto' ? '' : `-${b}`}-${t}t`,
          engine: 'convlab',
          backend: b === 'auto' ? '' : b,
          threads: t,
        });
    if (torch) {
      configs.push({ key: `torch-${t}t`, engine: 'torch', threads: t, malloc: null });
      for (const x of allocators)
        configs.push({
          key: `torch-${t}t-${x.label}`,
          engine: 'torch',
          threads: t,
          malloc: x.label,
          preload: x.path,
        });
    }
  }
  // With several rounds, every configuration runs once per round, so a burst of load from another process lands
  // in one round of a configuration rather than all of it; per model the best round's median counts.
  const runs = {};
  const timing = { warmup: opts.warmup, samples: opts.samples };
  const rounds = opts.rounds ?? 1;
  for (let round = 1; round <= rounds; round++) {
    for (const cfg of configs) {
      log(`models, round ${round}/${rounds}: ${cfg.key} …`);
      const r = runConfig(
        cfg,
        dataDir,
        models.map((m) => m.id),
        timing,
      );
      if (r.failed) notes.push(`${cfg.key} (round ${round}): failed: ${r.failed}`);
      runs[cfg.key] ??= { ...cfg, version: r.version, results: {} };
      for (const x of r.results) {
        const kept = runs[cfg.key].results[x.id];
        const medians = [...(kept?.roundMediansMs ?? []), ...(x.medianMs === undefined ? [] : [x.medianMs])];
        const better = kept === undefined || (x.medianMs !== undefined && !(kept.medianMs <= x.medianMs));
        runs[cfg.key].results[x.id] = { ...(better ? x : kept), roundMediansMs: medians };
      }
    }
  }
  const cl = await import('../dist/src/index.js');
  const baseline = runs['torch-1t'] ? 'torch-1t' : null;
  // convlab's runs, and float32 PyTorch at one thread as the measure of what float32 can do.
  const checked = Object.keys(runs).filter((k) => runs[k].engine === 'convlab' || k === baseline);
  const checks = checkModels(cl, dataDir, models, checked, baseline);
  const summary = summarizeModels(models, configs, runs, checks, opts.threadCounts);
  const date = new Date().toISOString();
  const cpu = cpuName();
  const loadAfter = loadavg()[0];
  process.stdout.write(`\nconvlab whole-model bench, ${date}, ${opts.command}\n`);
  process.stdout.write(
    `${cpu}, load average ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after; ${Object.values(
      runs,
    )
      .map((r) => r.version)
      .filter((v, i, all) => v && all.indexOf(v) === i)
      .join('; ')}\n`,
  );
  process.stdout.write(formatModelTable(models, summary, opts.threadCounts, opts.backends));
  if (loadBefore > 0.5)
    notes.unshift(
      `other processes were running (load average ${loadBefore.toFixed(1)}): the figures are noisy`,
    );
  for (const n of [...notes, ...summary.notes]) process.stdout.write(`- ${n}\n`);
  const out = opts.out ?? join(benchDir, 'results', `models-${date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const json = {
    date,
    command: opts.command,
    cpu,
    loadAverage1m: { before: loadBefore, after: loadAfter },
    models,
    configurations: configs,
    runs,
    checks,
    summary,
    notes,
  };
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`results: ${relative(process.cwd(), out)}\n`);
  rmSync(dataDir, { recursive: true, force: true });
  return { wrong: summary.wrong, out };
}
