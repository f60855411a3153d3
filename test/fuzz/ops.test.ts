/**
 * Fuzzing the other ops of src/ops (separable convolutions, channel shuffle, pooling, resampling) with random
 * and garbage arguments: each call ends in a well-formed tensor of the expected shape, finite where the input is
 * finite, or in a ShapeError/ArgumentError naming the op, never another exception, a crash or a hang.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  adaptiveAvgPool2d,
  avgPool2d,
  channelShuffle,
  depthwiseSeparableConv2d,
  interpolate,
  maxPool2d,
  ShapeError,
  spatiallySeparableConv2d,
  type Tensor,
} from '../../src/index.js';
import { garbage, HUGE, intOrTuple, notATensor, Rng, randTensor, show } from './gen.js';
import { MAX_ELEMENTS } from './oracle.js';

const SEED = 0xc0ffee;
const HEAVY = 1e6;

/** One random call: the op's name, a thunk, the shape the call must give when it succeeds (if known). */
interface Call {
  run: () => Tensor;
  args: unknown[];
  expectShape?: number[];
  /** true when a valid call would allocate millions of values: skipped, it only costs memory */
  heavy?: boolean;
}

function image(r: Rng): Tensor | unknown {
  const roll = r.next();
  const shape = [r.int(1, 2), r.int(1, 6), r.int(1, 9), r.int(1, 9)];
  if (roll < 0.04) return notATensor(r, shape);
  if (roll < 0.08) return randTensor(r, shape.slice(r.int(0, 3)));
  if (roll < 0.12) return randTensor(r, r.chance(0.5) ? shape.slice(1) : [...shape, 2]);
  return randTensor(r, shape);
}

const dims = (x: unknown) => ((x as Tensor)?.shape as number[] | undefined) ?? [];
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const isSize = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
/** The (h, w) that an int-or-pair argument asks for, when it is a valid one. */
function pairOf(v: unknown): [number, number] | null {
  const t = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : null;
  return t !== null && t.length === 2 && t.every(isSize) ? (t as [number, number]) : null;
}
function heavyAt(x: unknown, hw: [number, number] | null): boolean {
  const s = dims(x);
  if (hw === null || s.length < 3) return false;
  const n = numel(s.slice(0, -2)) * hw[0] * hw[1];
  return n > HEAVY && n <= MAX_ELEMENTS;
}

const generators: Record<string, (r: Rng) => Call> = {
  depthwiseSeparableConv2d(r) {
    const x = image(r);
    const c = dims(x)[1] ?? 2;
    const m = r.chance(0.9) ? r.int(1, 2) : r.int(0, 2) + 0.5;
    const k = r.int(1, 4);
    const dw = r.chance(0.92)
      ? randTensor(r, [Math.ceil(c * m), 1, k, k])
      : r.chance(0.5)
        ? notATensor(r, [c, 1, k, k])
        : randTensor(r, [c, 2, k, k]);
    const pw = r.chance(0.92)
      ? randTensor(r, [r.int(1, 4), Math.ceil(c * m), 1, 1])
      : randTensor(r, [2, Math.ceil(c * m) + 1, 1, 1]);
    const opts = {
      stride: intOrTuple(r, 2, 1, 3, 0.15),
      padding: r.chance(0.2) ? r.pick(['same', 'valid', 'SAME']) : intOrTuple(r, 2, 0, 2, 0.15),
      dilation: intOrTuple(r, 2, 1, 2, 0.15),
      paddingMode: r.chance(0.9) ? r.pick(['zeros', 'reflect', 'replicate', 'circular']) : garbage(r),
      depthwiseBias: r.chance(0.3)
        ? randTensor(r, [(dw as Tensor)?.shape?.[0] ?? 1])
        : r.chance(0.1)
          ? garbage(r)
          : null,
    };
    return {
      run: () => depthwiseSeparableConv2d(x as Tensor, dw as Tensor, pw as Tensor, opts as never),
      args: [x, dw, pw, opts],
    };
  },
  spatiallySeparableConv2d(r) {
    const x = image(r);
    const c = dims(x)[1] ?? 2;
    const groups = r.chance(0.85) ? r.pick([1, 1, c]) : garbage(r);
    const g =
      typeof groups === 'number' && groups >= 1 && groups <= 8 && Number.isSafeInteger(groups) ? groups : 1;
    const mid = g * r.int(1, 2);
    const col = r.chance(0.93)
      ? randTensor(r, [mid, Math.max(1, Math.floor(c / g)), r.int(1, 4), 1])
      : randTensor(r, [mid, 1, 3, 3]);
    const row = r.chance(0.93)
      ? randTensor(r, [g * r.int(1, 2), Math.max(1, mid / g), 1, r.int(1, 4)])
      : notATensor(r, [1, 1, 1, 3]);
    const opts = {
      stride: intOrTuple(r, 2, 1, 3, 0.15),
      padding: intOrTuple(r, 2, 0, 2, 0.15),
      dilation: intOrTuple(r, 2, 1, 2, 0.15),
      groups,
      paddingMode: r.chance(0.9) ? r.pick(['zeros', 'reflect', 'replicate', 'circular']) : garbage(r),
    };
    return {
      run: () => spatiallySeparableConv2d(x as Tensor, col as Tensor, row as Tensor, opts as never),
      args: [x, col, row, opts],
    };
  },
  channelShuffle(r) {
    const x = r.chance(0.9)
      ? randTensor(r, [r.int(1, 2), r.int(1, 8), r.int(1, 3), r.int(1, 3)].slice(0, r.int(2, 4)))
      : notATensor(r, [1, 4, 2]);
    const c = dims(x)[1] ?? 1;
    const groups = r.chance(0.7)
      ? r.pick([1, c, ...[2, 3, 4].filter((d) => c % d === 0)])
      : r.chance(0.5)
        ? r.int(2, 9)
        : garbage(r);
    return {
      run: () => channelShuffle(x as Tensor, groups as number),
      args: [x, groups],
      expectShape: dims(x),
    };
  },
  maxPool2d(r) {
    const x = image(r);
    const k = r.chance(0.9) ? (intOrTuple(r, 2, 1, 4, 0.1) ?? 2) : r.pick(HUGE);
    const opts = {
      stride: r.chance(0.3) ? null : intOrTuple(r, 2, 1, 3, 0.15),
      padding: intOrTuple(r, 2, 0, 2, 0.15),
      dilation: intOrTuple(r, 2, 1, 2, 0.15),
      ceilMode: r.chance(0.5),
    };
    return { run: () => maxPool2d(x as Tensor, k as number, opts as never), args: [x, k, opts] };
  },
  avgPool2d(r) {
    const x = image(r);
    const k = intOrTuple(r, 2, 1, 4, 0.15) ?? 3;
    const opts = {
      stride: r.chance(0.3) ? null : intOrTuple(r, 2, 1, 3, 0.15),
      padding: intOrTuple(r, 2, 0, 2, 0.15),
      ceilMode: r.chance(0.5),
      countIncludePad: r.chance(0.5),
      divisorOverride: r.chance(0.8) ? null : r.chance(0.5) ? r.int(1, 5) : garbage(r),
    };
    return { run: () => avgPool2d(x as Tensor, k as number, opts as never), args: [x, k, opts] };
  },
  adaptiveAvgPool2d(r) {
    const x = image(r);
    const size = r.chance(0.85)
      ? (intOrTuple(r, 2, 1, 10, 0) ?? 1)
      : r.chance(0.5)
        ? garbage(r)
        : r.pick(HUGE);
    const hw = pairOf(size);
    const s = dims(x);
    const expectShape =
      hw !== null && (s.length === 3 || s.length === 4) ? [...s.slice(0, -2), ...hw] : undefined;
    return {
      run: () => adaptiveAvgPool2d(x as Tensor, size as number),
      args: [x, size],
      expectShape,
      heavy: heavyAt(x, hw),
    };
  },
  interpolate(r) {
    const x = image(r);
    const mode = r.chance(0.9) ? r.pick(['nearest', 'bilinear']) : garbage(r);
    const opts: Record<string, unknown> = { mode };
    const roll = r.next();
    if (roll < 0.45)
      opts.size = r.chance(0.85) ? intOrTuple(r, 2, 1, 12, 0) : r.chance(0.5) ? garbage(r) : r.pick(HUGE);
    else if (roll < 0.9)
      opts.scaleFactor = r.chance(0.8)
        ? r.pick([0.5, 1, 1.5, 2, 3, [2, 0.5]])
        : r.chance(0.5)
          ? garbage(r)
          : r.pick(HUGE);
    else if (roll < 0.95) Object.assign(opts, { size: 4, scaleFactor: 2 });
    if (mode === 'bilinear' && r.chance(0.5)) opts.alignCorners = r.chance(0.5);
    const s = dims(x);
    let hw = pairOf(opts.size);
    const sf = typeof opts.scaleFactor === 'number' ? [opts.scaleFactor, opts.scaleFactor] : opts.scaleFactor;
    if (
      hw === null &&
      Array.isArray(sf) &&
      sf.every((f) => typeof f === 'number' && f > 0 && Number.isFinite(f)) &&
      s.length === 4
    ) {
      hw = [Math.floor(s[2]! * sf[0]!), Math.floor(s[3]! * sf[1]!)];
    }
    return { run: () => interpolate(x as Tensor, opts as never), args: [x, opts], heavy: heavyAt(x, hw) };
  },
};

describe('fuzz: the other ops of src/ops end in a well-formed result or a named error', () => {
  Object.entries(generators).forEach(([name, draw], j) => {
    it(`${name}: 1500 random argument sets`, () => {
      const r = new Rng(SEED + j);
      const failures: string[] = [];
      let results = 0;
      let errors = 0;
      for (let i = 0; i < 1500; i++) {
        const call = draw(r);
        if (call.heavy) continue;
        const where = `#${i} ${call.args.map(show).join(' ')}`;
        // FUZZ_TRACE=1 prints each call before it runs, to find one that hangs
        if (process.env.FUZZ_TRACE) process.stderr.write(`${name} ${where}\n`);
        let y: Tensor;
        try {
          y = call.run();
        } catch (e) {
          errors++;
          if (!(e instanceof ShapeError || e instanceof ArgumentError))
            failures.push(`${where}: threw ${String(e)}`);
          else if (!e.message.startsWith(`${name}: `))
            failures.push(`${where}: message does not name the op: ${e.message}`);
          continue;
        }
        results++;
        const wellFormed =
          y.shape.every((d) => Number.isSafeInteger(d) && d >= 1) && y.data.length === numel(y.shape);
        if (!wellFormed) failures.push(`${where}: malformed result of shape ${show(y.shape)}`);
        else if (call.expectShape !== undefined && show(y.shape) !== show(call.expectShape))
          failures.push(`${where}: shape ${show(y.shape)}, expected ${show(call.expectShape)}`);
        // maxPool2d gives -inf for a window that holds only padding, as PyTorch does; NaN is never right
        else if (
          !y.data.every((v) => Number.isFinite(v) || (name === 'maxPool2d' && v === Number.NEGATIVE_INFINITY))
        )
          failures.push(`${where}: non-finite values from a finite input`);
      }
      expect(failures.slice(0, 15).join('\n')).toBe('');
      expect(results).toBeGreaterThan(150);
      expect(errors).toBeGreaterThan(75);
    });
  });
});
