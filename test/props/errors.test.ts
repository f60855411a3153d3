/**
 * Bad input as properties: every wrong rank, channel count, group count, zero or negative size, empty output,
 * bad padding string and non-tensor raises a ShapeError or ArgumentError whose message names the op and the
 * argument at fault.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  ones,
  ShapeError,
  type Tensor,
  tensor,
} from '../../src/index.js';

const SEED = 20261128;
type Op = (x: Tensor, w: Tensor, opts?: Record<string, unknown>) => Tensor;
const convs: [string, number, Op][] = [
  ['conv1d', 1, conv1d as Op],
  ['conv2d', 2, conv2d as Op],
  ['conv3d', 3, conv3d as Op],
];
const transposed: [string, number, Op][] = [
  ['convTranspose1d', 1, convTranspose1d as Op],
  ['convTranspose2d', 2, convTranspose2d as Op],
  ['convTranspose3d', 3, convTranspose3d as Op],
];
const all = [...convs, ...transposed];
const opArb = fc.constantFrom(...all);
const convArb = fc.constantFrom(...convs);

/** Expects `fn` to throw `kind` with a message starting with `op:` and matching every pattern. */
function expectNamed(
  fn: () => unknown,
  kind: typeof ShapeError | typeof ArgumentError,
  op: string,
  ...patterns: RegExp[]
) {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `${op} should have thrown`).toBeInstanceOf(kind);
  const message = (error as Error).message;
  expect(message.startsWith(`${op}: `), message).toBe(true);
  for (const p of patterns) expect(message).toMatch(p);
}

const spatial = (nd: number, size: number) => new Array<number>(nd).fill(size);

describe('bad input raises a named error', () => {
  it('wrong input rank', () => {
    fc.assert(
      fc.property(opArb, fc.integer({ min: 0, max: 7 }), ([op, nd, f], rank) => {
        fc.pre(rank !== nd + 1 && rank !== nd + 2);
        const x = ones(new Array<number>(rank).fill(2));
        expectNamed(() => f(x, ones([2, 2, ...spatial(nd, 1)])), ShapeError, op, /input/);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('wrong weight rank', () => {
    fc.assert(
      fc.property(opArb, fc.integer({ min: 0, max: 7 }), ([op, nd, f], rank) => {
        fc.pre(rank !== nd + 2);
        const w = ones(new Array<number>(rank).fill(1));
        expectNamed(() => f(ones([1, 1, ...spatial(nd, 3)]), w), ShapeError, op, /weight/);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('input channels that do not match the weight', () => {
    fc.assert(
      fc.property(
        opArb,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        ([op, nd, f], c, wc) => {
          fc.pre(c !== wc);
          // conv weights are [K, C/groups, k…]; transposed ones are [C, K/groups, k…]
          const w = op.startsWith('convTranspose')
            ? ones([wc, 2, ...spatial(nd, 1)])
            : ones([2, wc, ...spatial(nd, 1)]);
          expectNamed(() => f(ones([1, c, ...spatial(nd, 3)]), w), ShapeError, op, /channels/);
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('groups that do not divide the channels, or are not positive integers', () => {
    const badGroups = fc.oneof(
      fc.integer({ min: -3, max: 0 }),
      fc.double({ min: 0.1, max: 5, noInteger: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, '2', null as unknown as number),
      fc.constantFrom(4, 5, 7),
    );
    fc.assert(
      fc.property(opArb, badGroups, ([op, nd, f], groups) => {
        fc.pre(groups !== null);
        // 4, 5 and 7 do not divide 6 channels
        const w = op.startsWith('convTranspose')
          ? ones([6, 1, ...spatial(nd, 1)])
          : ones([6, 1, ...spatial(nd, 1)]);
        const f2 = () => f(ones([1, 6, ...spatial(nd, 3)]), w, { groups });
        if (typeof groups === 'number' && Number.isInteger(groups) && groups >= 4) {
          expect(f2).toThrow(/groups|channels/);
          expect(f2).toThrow(new RegExp(`^${op}: `));
        } else expectNamed(f2, ArgumentError, op, /groups/);
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('zero, negative, fractional or non-numeric stride and dilation', () => {
    const bad = fc.oneof(
      fc.integer({ min: -5, max: 0 }),
      fc.double({ min: -3, max: 3, noInteger: true, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY, '1', true, {}),
    );
    fc.assert(
      fc.property(
        opArb,
        fc.constantFrom('stride', 'dilation'),
        bad,
        fc.boolean(),
        ([op, nd, f], arg, v, asTuple) => {
          const value = asTuple ? [...spatial(nd - 1, 1), v] : v;
          expectNamed(
            () => f(ones([1, 2, ...spatial(nd, 4)]), ones([2, 2, ...spatial(nd, 2)]), { [arg]: value }),
            ArgumentError,
            op,
            new RegExp(arg),
          );
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('negative or fractional padding, and tuples of the wrong length', () => {
    const bad = fc.oneof(
      fc.integer({ min: -5, max: -1 }),
      fc.double({ min: 0, max: 3, noInteger: true, noNaN: true }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 5 }),
      fc.constant([] as number[]),
    );
    fc.assert(
      fc.property(opArb, bad, ([op, nd, f], padding) => {
        expectNamed(
          () => f(ones([1, 2, ...spatial(nd, 4)]), ones([2, 2, ...spatial(nd, 2)]), { padding }),
          ArgumentError,
          op,
          /padding/,
        );
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('padding strings other than same and valid, and padding modes that do not exist', () => {
    const word = fc.string({ minLength: 0, maxLength: 8 }).filter((s) => !['same', 'valid'].includes(s));
    fc.assert(
      fc.property(convArb, word, ([op, nd, f], padding) => {
        expectNamed(
          () => f(ones([1, 2, ...spatial(nd, 4)]), ones([2, 2, ...spatial(nd, 2)]), { padding }),
          ArgumentError,
          op,
          /padding/,
        );
      }),
      { seed: SEED, numRuns: 60 },
    );
    const mode = fc
      .string({ maxLength: 9 })
      .filter((s) => !['zeros', 'reflect', 'replicate', 'circular'].includes(s));
    fc.assert(
      fc.property(convArb, mode, ([op, nd, f], paddingMode) => {
        expectNamed(
          () =>
            f(ones([1, 2, ...spatial(nd, 4)]), ones([2, 2, ...spatial(nd, 2)]), { padding: 1, paddingMode }),
          ArgumentError,
          op,
          /paddingMode/,
        );
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("'same' padding with a stride", () => {
    fc.assert(
      fc.property(convArb, fc.integer({ min: 2, max: 4 }), ([op, nd, f], stride) => {
        expectNamed(
          () =>
            f(ones([1, 2, ...spatial(nd, 6)]), ones([2, 2, ...spatial(nd, 3)]), { padding: 'same', stride }),
          ArgumentError,
          op,
          /padding='same'/,
          /stride/,
        );
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('zero-sized input or weight dims', () => {
    fc.assert(
      fc.property(opArb, fc.integer({ min: 0, max: 10 }), ([op, nd, f], where) => {
        const x = [1, 2, ...spatial(nd, 3)];
        const w = [2, 2, ...spatial(nd, 1)];
        if (where < x.length) x[where] = 0;
        else w[where % w.length] = 0;
        expectNamed(
          () => f(ones(x), ones(w)),
          ShapeError,
          op,
          /empty dim/,
          where < x.length ? /input/ : /weight/,
        );
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('an output that would be empty', () => {
    fc.assert(
      fc.property(
        convArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        ([op, nd, f], size, dilation) => {
          const k = size + 1; // one more than fits, with no padding
          expectNamed(
            () => f(ones([1, 1, ...spatial(nd, size)]), ones([1, 1, ...spatial(nd, k)]), { dilation }),
            ShapeError,
            op,
            /output would be empty/,
          );
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...transposed), fc.integer({ min: 1, max: 3 }), ([op, nd, f], size) => {
        // (size − 1)·1 − 2p + (k − 1) + 1 ≤ 0 with k = 1 and p = size
        expectNamed(
          () => f(ones([1, 1, ...spatial(nd, size)]), ones([1, 1, ...spatial(nd, 1)]), { padding: size }),
          ShapeError,
          op,
          /output would be empty/,
        );
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('outputPadding not smaller than stride or dilation', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...transposed),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        ([op, nd, f], stride, extra) => {
          const outputPadding = stride + extra;
          expectNamed(
            () =>
              f(ones([1, 1, ...spatial(nd, 3)]), ones([1, 1, ...spatial(nd, 2)]), { stride, outputPadding }),
            ArgumentError,
            op,
            /outputPadding/,
          );
        },
      ),
      { seed: SEED, numRuns: 30 },
    );
  });

  it('non-tensors for input, weight or bias, and a bias of the wrong shape', () => {
    const junk = fc.constantFrom<unknown>(
      null,
      undefined,
      3,
      'x',
      [1, 2],
      { shape: [1, 1, 3, 3] },
      new Float32Array(4),
      true,
    );
    fc.assert(
      fc.property(opArb, junk, fc.constantFrom('input', 'weight', 'bias'), ([op, nd, f], v, arg) => {
        fc.pre(!(arg === 'bias' && (v === null || v === undefined)));
        const x = ones([1, 2, ...spatial(nd, 3)]);
        const w = ones([2, 2, ...spatial(nd, 1)]);
        const call = () =>
          arg === 'input' ? f(v as Tensor, w) : arg === 'weight' ? f(x, v as Tensor) : f(x, w, { bias: v });
        expectNamed(call, ArgumentError, op, new RegExp(arg), /Tensor/);
      }),
      { seed: SEED, numRuns: 100 },
    );
    fc.assert(
      fc.property(
        opArb,
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
        ([op, nd, f], shape) => {
          fc.pre(!(shape.length === 1 && shape[0] === 2));
          const x = ones([1, 2, ...spatial(nd, 3)]);
          expectNamed(
            () => f(x, ones([2, 2, ...spatial(nd, 1)]), { bias: ones(shape) }),
            ShapeError,
            op,
            /bias/,
          );
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('messages say what was expected and what came', () => {
    expect(() => conv2d(ones([1, 3, 5, 5]), ones([4, 4, 3, 3]))).toThrow(
      'conv2d: input has 3 channels but weight expects 4 (groups=1)',
    );
    expect(() => conv2d(ones([1, 4, 5, 5]), ones([4, 4, 3, 3]), { stride: 0 })).toThrow(/stride.*got 0/);
    expect(() => conv2d(tensor([1, 2, 3]), ones([1, 1, 1, 1]))).toThrow(/got \[3\]/);
  });
});
