/**
 * The benchmark harness end to end on shrunk cases (`--quick`), op cases and whole models, and its bookkeeping:
 * a wrong answer is caught and kept out of the ratios. No timing is asserted: GFLOP/s and milliseconds only have
 * to be positive numbers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ES modules of the bench package, without type declarations
import { selectCases } from '../../bench/cases.mjs';
// @ts-expect-error: plain ES modules of the bench package, without type declarations
import { selectModels } from '../../bench/models.mjs';
// @ts-expect-error: plain ES modules of the bench package, without type declarations
import { summarize } from '../../bench/report.mjs';
// @ts-expect-error: plain ES modules of the bench package, without type declarations
import { summarizeModels } from '../../bench/run-models.mjs';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'convlab-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const torchHere =
  spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

describe('bench/run.js --quick', () => {
  it('runs case A forward and backward on the ts backend (and PyTorch when present) and writes its JSON', () => {
    const out = join(work, 'quick.json');
    const engines = torchHere ? 'convlab,torch' : 'convlab';
    const r = spawnSync(
      process.execPath,
      [
        'bench/run.js',
        '--quick',
        '--cases',
        'A,Abwd',
        '--engines',
        engines,
        '--backends',
        'ts',
        '--threads',
        '1',
        '--no-install',
        '--out',
        out,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| A bwd +\|/);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.cases.map((c: { id: string }) => c.id)).toEqual(['A', 'Abwd']);
    for (const id of ['A', 'Abwd'])
      expect(result.summary.perCase[id].gflops['convlab-ts']).toBeGreaterThan(0);
    if (torchHere) {
      expect(result.checks.reference).toBe('torch-1t');
      for (const id of ['A', 'Abwd']) {
        expect(result.checks.cases[id]['convlab-ts'].ok).toBe(true);
        expect(result.summary.perCase[id].gflops['torch-1t']).toBeGreaterThan(0);
      }
    }
  });
});

describe('bench cases', () => {
  it('counts FLOPs as 2·N·K·Hout·Wout·(C/groups)·R·S, the useful FLOPs for transposed, twice that for backward', () => {
    const byId = Object.fromEntries(selectCases().map((c: { id: string }) => [c.id, c]));
    expect(byId.A.flops).toBe(2 * 64 * 56 * 56 * 64 * 9);
    expect(byId.D.flops).toBe(2 * 128 * 28 * 28 * 4 * 9);
    expect(byId.F.y).toEqual([1, 32, 64, 64]);
    expect(byId.F.flops).toBe(2 * 64 * 32 * 32 * 32 * 16);
    expect(byId.G.flops).toBe(8 * byId.A.flops);
    expect(byId.Abwd.flops).toBe(2 * byId.A.flops);
  });
});

describe('bench report', () => {
  it('leaves a wrong answer out of the best peer and the ratios', () => {
    const [a] = selectCases({ ids: ['A'] });
    const ms = (gflops: number) => a.flops / (gflops * 1e6);
    const runs = {
      'convlab-native-1t': { engine: 'convlab', results: { A: { medianMs: ms(100) } } },
      'torch-1t': { engine: 'torch', results: { A: { medianMs: ms(50) } } },
      'ort-node-1t': { engine: 'ort-node', results: { A: { medianMs: ms(400) } } },
    };
    const checks = {
      reference: 'torch-1t',
      cases: {
        A: { 'convlab-native-1t': { ok: true }, 'ort-node-1t': { ok: false, maxAbsDiff: 1, tol: 1e-3 } },
      },
    };
    const s = summarize([a], runs, checks);
    expect(s.wrong).toEqual(['ort-node-1t A']);
    expect(s.perCase.A.best['native/peer 1t']).toBe('torch-1t');
    expect(s.perCase.A.ratios['native/peer 1t']).toBeCloseTo(2, 6);
  });
});

describe('bench/run.js --only models --quick', () => {
  it('runs the small CNN train step on the ts backend, beside PyTorch when present, and checks it', () => {
    const out = join(work, 'models.json');
    const r = spawnSync(
      process.execPath,
      [
        'bench/run.js',
        '--only',
        'models',
        '--quick',
        '--models',
        'M3',
        '--model-backends',
        'ts',
        '--torch-malloc',
        '',
        '--threads',
        '1',
        '--no-install',
        '--models-out',
        out,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\| M3 small CNN train step/);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.models.map((m: { id: string }) => m.id)).toEqual(['M3']);
    expect(result.runs['convlab-ts-1t'].results.M3.medianMs).toBeGreaterThan(0);
    if (torchHere) {
      expect(result.checks.reference).toBe('PyTorch float64');
      const check = result.checks.models.M3['convlab-ts-1t'];
      expect(check.ok).toBe(true);
      expect(check.maxRelDiff).toBeLessThanOrEqual(check.allowed);
      expect(result.checks.models.M3['torch-1t'].ok).toBe(true);
      expect(result.summary.rows.M3.perThreads['1'].ratio.ts).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('bench model report', () => {
  it('keeps PyTorch’s fastest allocator and leaves a wrong convlab answer out of the ratio', () => {
    const models = selectModels({ ids: ['M4'] });
    const configs = [
      { key: 'convlab-1t', engine: 'convlab', backend: '', threads: 1 },
      { key: 'convlab-wasm-1t', engine: 'convlab', backend: 'wasm', threads: 1 },
      { key: 'torch-1t', engine: 'torch', threads: 1, malloc: null },
      { key: 'torch-1t-jemalloc', engine: 'torch', threads: 1, malloc: 'jemalloc' },
    ];
    const runs = {
      'convlab-1t': { results: { M4: { medianMs: 40 } } },
      'convlab-wasm-1t': { results: { M4: { medianMs: 10 } } },
      'torch-1t': { results: { M4: { medianMs: 30 } } },
      'torch-1t-jemalloc': { results: { M4: { medianMs: 20 } } },
    };
    const checks = {
      reference: 'PyTorch float64',
      models: {
        M4: {
          'convlab-1t': { maxRelDiff: 1e-5, what: 'output', allowed: 1e-3, torch32: 1e-6, ok: true },
          'convlab-wasm-1t': { maxRelDiff: 0.5, what: 'output', allowed: 1e-3, torch32: 1e-6, ok: false },
        },
      },
    };
    const s = summarizeModels(models, configs, runs, checks, [1]);
    const cell = s.rows.M4.perThreads[1];
    expect(cell.torch).toMatchObject({ ms: 20, malloc: 'jemalloc' });
    expect(cell.ratio.auto).toBeCloseTo(0.5, 6);
    expect(cell.ratio.wasm).toBeUndefined();
    expect(s.wrong).toEqual(['convlab-wasm-1t M4']);
  });
});
