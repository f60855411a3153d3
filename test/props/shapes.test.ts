/**
 * Shape rules as properties: the convolution output-size formula in 1-D, 2-D and 3-D, 'same' keeping the size,
 * transposed convolution undoing a convolution's shape, and broadcasting (result shape and gradient shapes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  mul,
  ones,
  ShapeError,
} from '../../src/index.js';

const conv = [conv1d, conv2d, conv3d];
const convT = [convTranspose1d, convTranspose2d, convTranspose3d];
const SEED = 20261128;

/** One spatial dim's arguments, small enough to run many times. */
const axis = fc.record({
  size: fc.integer({ min: 1, max: 9 }),
  kernel: fc.integer({ min: 1, max: 4 }),
  stride: fc.integer({ min: 1, max: 3 }),
  padding: fc.integer({ min: 0, max: 3 }),
  dilation: fc.integer({ min: 1, max: 3 }),
});
const geometry = fc
  .integer({ min: 1, max: 3 })
  .chain((nd) => fc.array(axis, { minLength: nd, maxLength: nd }));
const channels = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  cpg: fc.integer({ min: 1, max: 2 }),
  kpg: fc.integer({ min: 1, max: 2 }),
});

const convLength = (a: { size: number; kernel: number; stride: number; padding: number; dilation: number }) =>
  Math.floor((a.size + 2 * a.padding - a.dilation * (a.kernel - 1) - 1) / a.stride) + 1;

describe('convolution shape rules', () => {
  it('output size is ⌊(in + 2p − d(k − 1) − 1)/s⌋ + 1, or a ShapeError when that is empty', () => {
    fc.assert(
      fc.property(geometry, channels, (axes, { n, groups, cpg, kpg }) => {
        const nd = axes.length;
        const x = ones([n, groups * cpg, ...axes.map((a) => a.size)]);
        const w = ones([groups * kpg, cpg, ...axes.map((a) => a.kernel)]);
        const opts = {
          stride: axes.map((a) => a.stride),
          padding: axes.map((a) => a.padding),
          dilation: axes.map((a) => a.dilation),
          groups,
        };
        const expected = axes.map(convLength);
        if (expected.some((o) => o <= 0)) {
          expect(() => conv[nd - 1]!(x, w, opts)).toThrow(ShapeError);
          expect(() => conv[nd - 1]!(x, w, opts)).toThrow(/output would be empty/);
          return;
        }
        expect(conv[nd - 1]!(x, w, opts).shape).toEqual([n, groups * kpg, ...expected]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("padding 'same' keeps every spatial size, in every padding mode", () => {
    fc.assert(
      fc.property(
        geometry,
        fc.constantFrom('zeros', 'reflect', 'replicate', 'circular' as const),
        (axes, mode) => {
          const nd = axes.length;
          // reflect needs the padding smaller than the input, so grow the input past the kernel's reach
          const sizes = axes.map((a) => a.size + a.dilation * (a.kernel - 1));
          const x = ones([1, 2, ...sizes]);
          const w = ones([3, 2, ...axes.map((a) => a.kernel)]);
          const opts = { padding: 'same' as const, dilation: axes.map((a) => a.dilation), paddingMode: mode };
          expect(conv[nd - 1]!(x, w, opts).shape).toEqual([1, 3, ...sizes]);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('the transposed convolution with outputPadding = (in + 2p − d(k − 1) − 1) mod s restores the input shape', () => {
    fc.assert(
      fc.property(geometry, channels, (axes, { n, groups, cpg, kpg }) => {
        const nd = axes.length;
        const out = axes.map(convLength);
        fc.pre(out.every((o) => o > 0));
        const y = ones([n, groups * kpg, ...out]);
        // convTranspose's weight is the convolution's, [C_out_of_conv, C_in/groups, k…]
        const w = ones([groups * kpg, cpg, ...axes.map((a) => a.kernel)]);
        const outputPadding = axes.map(
          (a) => (a.size + 2 * a.padding - a.dilation * (a.kernel - 1) - 1) % a.stride,
        );
        const x = convT[nd - 1]!(y, w, {
          stride: axes.map((a) => a.stride),
          padding: axes.map((a) => a.padding),
          dilation: axes.map((a) => a.dilation),
          outputPadding,
          groups,
        });
        expect(x.shape).toEqual([n, groups * cpg, ...axes.map((a) => a.size)]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

/** A shape and a second shape broadcast-compatible with it: each dim kept, set to 1, or dropped from the front. */
const broadcastPair = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }).chain((full) =>
  fc
    .tuple(
      fc.array(fc.constantFrom('keep', 'one'), { minLength: full.length, maxLength: full.length }),
      fc.array(fc.constantFrom('keep', 'one'), { minLength: full.length, maxLength: full.length }),
      fc.integer({ min: 0, max: full.length }),
      fc.integer({ min: 0, max: full.length }),
    )
    .map(([ma, mb, dropA, dropB]) => {
      const make = (m: string[], drop: number) => full.map((d, i) => (m[i] === 'one' ? 1 : d)).slice(drop);
      return { full, a: make(ma, dropA), b: make(mb, dropB) };
    }),
);

describe('broadcasting', () => {
  it('the result takes the larger size per trailing dim and each gradient keeps its input shape', () => {
    fc.assert(
      fc.property(broadcastPair, ({ a, b }) => {
        const n = Math.max(a.length, b.length);
        const expected = Array.from({ length: n }, (_, i) =>
          Math.max(a[a.length - n + i] ?? 1, b[b.length - n + i] ?? 1),
        );
        const ta = ones(a).requiresGrad_();
        const tb = ones(b).requiresGrad_();
        const y = mul(add(ta, tb), 3);
        expect(y.shape).toEqual(expected);
        y.sum().backward();
        expect(ta.grad!.shape).toEqual(a);
        expect(tb.grad!.shape).toEqual(b);
        // each input element was used (output size / input size) times, each with derivative 3
        const count = expected.reduce((p, d) => p * d, 1);
        expect(ta.grad!.data.every((g) => g === (3 * count) / ta.size)).toBe(true);
        expect(tb.grad!.data.every((g) => g === (3 * count) / tb.size)).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('sizes that differ and are not 1 raise a ShapeError naming the op and both shapes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 2, max: 5 }),
        (rest, p, q) => {
          fc.pre(p !== q);
          const a = [p, ...rest];
          const b = [q, ...rest];
          expect(() => add(ones(a), ones(b))).toThrow(ShapeError);
          expect(() => add(ones(a), ones(b))).toThrow(`add: shapes [${a.join(', ')}] and [${b.join(', ')}]`);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});
