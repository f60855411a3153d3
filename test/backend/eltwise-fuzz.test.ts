/**
 * Broadcasting fuzzed on every backend: random pairs of broadcastable shapes (up to 6 dims, sizes 1–7, with
 * leading dims dropped and dims set to 1 on either side) through the binary ops, forward and backward, and sums,
 * means and max over random sets of dims, all against an index-by-index oracle written here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as cl from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const SEED = 20261203;

/** An output shape, and the two operand shapes that broadcast to it. */
const pair = fc
  .array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 6 })
  .chain((out) =>
    fc.tuple(
      fc.constant(out),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.integer({ min: 0, max: out.length }),
      fc.integer({ min: 0, max: out.length }),
    ),
  )
  .map(([out, onesA, onesB, dropA, dropB]) => {
    const a = out.map((d, i) => (onesA[i] ? 1 : d)).slice(dropA);
    const b = out.map((d, i) => (onesB[i] ? 1 : d)).slice(dropB);
    // Where both sides became 1 or were dropped, the broadcast is smaller than `out`.
    const nd = Math.max(a.length, b.length);
    const both = Array.from({ length: nd }, (_, i) =>
      Math.max(a[a.length - nd + i] ?? 1, b[b.length - nd + i] ?? 1),
    );
    return { out: both, a, b };
  });

const numel = (s: number[]) => s.reduce((p, d) => p * d, 1);
let seed = 1;
function random(shape: number[]): Tensor {
  const data = Float32Array.from({ length: numel(shape) }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.round((seed / 2147483648) * 8 - 4) / 2 + 0.25; // quarters: ties for maximum, no zero divisors
  });
  return cl.tensor(data, shape, { requiresGrad: true });
}

/** The flat index into `shape` (right-aligned, broadcast) of the output multi-index `idx`. */
function at(shape: number[], idx: number[]): number {
  let flat = 0;
  const lead = idx.length - shape.length;
  shape.forEach((d, i) => {
    flat = flat * d + (d === 1 ? 0 : idx[lead + i]!);
  });
  return flat;
}

function forEachIndex(shape: number[], fn: (idx: number[], flat: number) => void): void {
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < numel(shape); flat++) {
    fn(idx, flat);
    for (let d = shape.length - 1; d >= 0 && ++idx[d]! === shape[d]; d--) idx[d] = 0;
  }
}

const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', cl.add, (x, y) => x + y],
  ['sub', cl.sub, (x, y) => x - y],
  ['mul', cl.mul, (x, y) => x * y],
  ['div', cl.div, (x, y) => x / y],
  ['maximum', cl.maximum, Math.max],
  ['minimum', cl.minimum, Math.min],
];

describe.each(cl.availableBackends())('%s', (backend) => {
  it.each(ops)('%s broadcasts as the oracle does, and its gradients sum back', (_name, op, f) => {
    fc.assert(
      fc.property(pair, ({ out, a, b }) =>
        cl.withBackend(backend, () => {
          const ta = random(a);
          const tb = random(b);
          const y = op(ta, tb);
          expect(y.shape).toEqual(out);
          const want = new Float32Array(numel(out));
          forEachIndex(out, (idx, flat) => {
            want[flat] = f(ta.data[at(a, idx)]!, tb.data[at(b, idx)]!);
          });
          expect(Array.from(y.data)).toEqual(Array.from(want));
          // d(Σ y·w)/da for add is Σ of w over the broadcast dims: checked for add, whose rule is exact.
          if (_name === 'add') {
            const w = random(out);
            cl.sum(cl.mul(y, cl.tensor(w.data, out))).backward();
            const ga = new Float32Array(numel(a));
            forEachIndex(out, (idx, flat) => {
              ga[at(a, idx)]! += w.data[flat]!;
            });
            expect(ta.grad!.shape).toEqual(a);
            ta.grad!.data.forEach((v, i) => {
              expect(v).toBeCloseTo(ga[i]!, 4);
            });
          }
        }),
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('sum, mean and max over random sets of dims match the oracle', () => {
    const shapeAndDims = fc
      .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 })
      .chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          fc.subarray(
            shape.map((_, i) => i),
            { minLength: 1 },
          ),
          fc.boolean(),
        ),
      );
    fc.assert(
      fc.property(shapeAndDims, ([shape, dims, keepdim]) =>
        cl.withBackend(backend, () => {
          const x = random(shape);
          const kept = shape.map((d, i) => (dims.includes(i) ? 1 : d));
          const sums = new Float32Array(numel(kept));
          forEachIndex(shape, (idx, flat) => {
            sums[
              at(
                kept,
                idx.map((v, i) => (dims.includes(i) ? 0 : v)),
              )
            ]! += x.data[flat]!;
          });
          const outShape = keepdim ? kept : shape.filter((_, i) => !dims.includes(i));
          const s = cl.sum(x, dims, keepdim);
          expect(s.shape).toEqual(outShape);
          s.data.forEach((v, i) => {
            expect(v).toBeCloseTo(sums[i]!, 4);
          });
          const count = numel(shape) / numel(kept);
          cl.mean(x, dims, keepdim).data.forEach((v, i) => {
            expect(v).toBeCloseTo(sums[i]! / count, 4);
          });
          if (dims.length === 1) {
            const m = cl.max(x, dims[0]!, keepdim);
            const best = new Float32Array(numel(kept)).fill(-Infinity);
            forEachIndex(shape, (idx, flat) => {
              const o = at(
                kept,
                idx.map((v, i) => (dims.includes(i) ? 0 : v)),
              );
              best[o] = Math.max(best[o]!, x.data[flat]!);
            });
            expect(Array.from(m.data)).toEqual(Array.from(best));
          }
        }),
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});
