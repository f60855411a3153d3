/**
 * Fuzzing conv{1,2,3}d and convTranspose{1,2,3}d with random argument sets, valid and garbage alike. Every call
 * must end in either the output the oracle predicts (shape always; values against the naive loop and a backward
 * pass for a subset) or a ShapeError/ArgumentError naming the op, never another exception, a crash or a hang.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  ShapeError,
  type Tensor,
} from '../../src/index.js';
import { garbage, intOrTuple, notATensor, Rng, randTensor, show } from './gen.js';
import { convTransposeVerdict, convVerdict, naiveConv, naiveConvTranspose, type Verdict } from './oracle.js';

type Op = (x: Tensor, w: Tensor, opts: Record<string, unknown>) => Tensor;
const SEED = 0x5eed2026;

/** A tensor of the shape, or (rarely) a shape that is wrong in rank, emptiness or channels, or no tensor at all. */
function maybeBad(r: Rng, shape: number[]): unknown {
  const roll = r.next();
  if (roll < 0.02) return notATensor(r, shape);
  if (roll < 0.04) return randTensor(r, r.chance(0.5) ? shape.slice(1) : [...shape, 2]);
  if (roll < 0.06)
    return randTensor(
      r,
      shape.map((d, i) => (i === r.int(0, shape.length - 1) ? 0 : d)),
    );
  if (roll < 0.08)
    return randTensor(
      r,
      shape.map((d, i) => (i === 1 ? d + r.int(1, 2) : d)),
    );
  return randTensor(r, shape);
}

function paddingArg(r: Rng, nd: number): unknown {
  const roll = r.next();
  if (roll < 0.15) return 'same';
  if (roll < 0.22) return 'valid';
  if (roll < 0.26) return r.pick(['SAME', 'full', '', 'valid ', 'causal']);
  return intOrTuple(r, nd, 0, 3, 0.15);
}

interface ArgSet {
  x: unknown;
  w: unknown;
  opts: Record<string, unknown>;
}

function drawArgs(r: Rng, nd: number, transposed: boolean): ArgSet {
  const groups = r.pick([1, 1, 1, 2, 3]);
  const cpg = r.int(1, 2);
  const kpg = r.int(1, 2);
  const spatial = r.ints(nd, 1, [0, 10, 7, 4][nd]!);
  const kernel = r.ints(nd, 1, nd === 3 ? 3 : 4);
  const xShape = [...(r.chance(0.15) ? [] : [r.int(1, 2)]), groups * cpg, ...spatial];
  const wShape = transposed ? [groups * cpg, kpg, ...kernel] : [groups * kpg, cpg, ...kernel];
  const outChannels = groups * kpg;
  const opts: Record<string, unknown> = {
    stride: intOrTuple(r, nd, 1, 3, 0.12),
    dilation: intOrTuple(r, nd, 1, 3, 0.12),
    groups: r.chance(0.85) ? groups : r.chance(0.5) ? garbage(r) : r.int(2, 5),
  };
  if (transposed) {
    opts.padding = intOrTuple(r, nd, 0, 3, 0.12);
    const most = Math.max(
      typeof opts.stride === 'number' ? opts.stride : 1,
      typeof opts.dilation === 'number' ? opts.dilation : 1,
    );
    opts.outputPadding =
      r.chance(0.7) && Number.isSafeInteger(most)
        ? r.int(0, Math.min(most, 4) - 1)
        : intOrTuple(r, nd, 0, 2, 0.2);
  } else {
    opts.padding = paddingArg(r, nd);
    opts.paddingMode = r.chance(0.92)
      ? r.pick(['zeros', 'reflect', 'replicate', 'circular', undefined])
      : r.pick<unknown>(['zero', 'Reflect', 'constant', 3, null, {}]);
  }
  const roll = r.next();
  if (roll < 0.4) opts.bias = randTensor(r, [outChannels]);
  else if (roll < 0.45)
    opts.bias = r.chance(0.5) ? randTensor(r, [outChannels + 1]) : notATensor(r, [outChannels]);
  else if (roll < 0.5) opts.bias = null;
  return { x: maybeBad(r, xShape), w: maybeBad(r, wShape), opts };
}

function describeArgs(a: ArgSet): string {
  return `x=${show(a.x)} w=${show(a.w)} ${Object.entries(a.opts)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ')}`;
}

const HEAVY = 1e6;
function tooHeavy(v: Verdict & { ok: true }): boolean {
  const g = v.geometry;
  const padded = g.spatial.reduce((a, s, i) => a * (s + g.pads[i]![0] + g.pads[i]![1]), g.n * g.c);
  return v.shape.reduce((a, b) => a * b, 1) > HEAVY || padded > HEAVY;
}

function relErr(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst / (scale || 1);
}

/** Runs `count` argument sets against one op and returns a description of every disagreement. */
function fuzz(name: string, nd: number, op: Op, transposed: boolean, count: number, seed: number) {
  const r = new Rng(seed);
  const failures: string[] = [];
  let results = 0;
  let errors = 0;
  let skipped = 0;
  for (let i = 0; i < count; i++) {
    const args = drawArgs(r, nd, transposed);
    const verdict: Verdict = (transposed ? convTransposeVerdict : convVerdict)(nd, args.x, args.w, args.opts);
    // Valid calls asking for millions of values are PyTorch-legal but only cost time and memory here.
    if (verdict.ok && tooHeavy(verdict)) {
      skipped++;
      continue;
    }
    let y: Tensor | null = null;
    let error: unknown = null;
    try {
      const t0 = performance.now();
      y = op(args.x as Tensor, args.w as Tensor, args.opts);
      // FUZZ_SLOW=1 reports calls slower than 50 ms (a huge argument a backend loops over)
      if (process.env.FUZZ_SLOW && performance.now() - t0 > 50)
        process.stderr.write(`SLOW ${(performance.now() - t0).toFixed(0)}ms ${name} ${describeArgs(args)}\n`);
    } catch (e) {
      error = e;
    }
    const where = `#${i} ${describeArgs(args)}`;
    if (error !== null) {
      errors++;
      const named = error instanceof ShapeError || error instanceof ArgumentError;
      if (!named) failures.push(`${where}: threw ${String(error)}`);
      else if (!(error as Error).message.startsWith(`${name}: `))
        failures.push(`${where}: message does not name the op: ${(error as Error).message}`);
      else if (verdict.ok) failures.push(`${where}: rejected a valid call: ${(error as Error).message}`);
      continue;
    }
    results++;
    if (!verdict.ok) {
      failures.push(`${where}: accepted an invalid call (${verdict.why}), gave shape ${show(y!.shape)}`);
      continue;
    }
    if (
      show(y!.shape) !== show(verdict.shape) ||
      y!.data.length !== verdict.shape.reduce((a, b) => a * b, 1)
    ) {
      failures.push(`${where}: shape ${show(y!.shape)}, expected ${show(verdict.shape)}`);
      continue;
    }
    if (i % 4 === 0) {
      const x = args.x as Tensor;
      const w = args.w as Tensor;
      const naive = transposed
        ? naiveConvTranspose(verdict.geometry, x.data, w.data)
        : naiveConv(verdict.geometry, x.data, w.data);
      const err = relErr(y!.data, naive);
      if (!(err <= 1e-5))
        failures.push(`${where}: values differ from the naive loop by ${err} of their scale`);
    }
    if (i % 10 === 0) {
      const x = (args.x as Tensor).detach().requiresGrad_();
      const w = (args.w as Tensor).detach().requiresGrad_();
      op(x, w, args.opts).sum().backward();
      if (show(x.grad?.shape) !== show(x.shape) || show(w.grad?.shape) !== show(w.shape))
        failures.push(`${where}: gradient shapes ${show(x.grad?.shape)}, ${show(w.grad?.shape)}`);
    }
  }
  return { failures, results, errors, skipped };
}

const cases: [string, number, Op, boolean, number][] = [
  ['conv2d', 2, conv2d as Op, false, 10000],
  ['convTranspose2d', 2, convTranspose2d as Op, true, 10000],
  ['conv1d', 1, conv1d as Op, false, 1000],
  ['conv3d', 3, conv3d as Op, false, 1000],
  ['convTranspose1d', 1, convTranspose1d as Op, true, 1000],
  ['convTranspose3d', 3, convTranspose3d as Op, true, 1000],
];

describe('fuzz: convolutions end in the predicted result or a named error', () => {
  cases.forEach(([name, nd, op, transposed, count], j) => {
    it(`${name}: ${count} random argument sets`, () => {
      const { failures, results, errors, skipped } = fuzz(name, nd, op, transposed, count, SEED + j);
      expect(failures.slice(0, 15).join('\n')).toBe('');
      // both outcomes must be well represented, or the generator has drifted into testing only one of them
      expect(results).toBeGreaterThan(count * 0.15);
      expect(errors).toBeGreaterThan(count * 0.1);
      expect(skipped).toBeLessThan(count * 0.05);
    });
  });
});
