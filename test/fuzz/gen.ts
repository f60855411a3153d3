/**
 * Random argument sets for the fuzz suites: a seeded PRNG (mulberry32, so runs repeat exactly) and pickers that
 * mix valid values with garbage (zero, negative, fractional, NaN, infinite, huge, wrong types, wrong lengths).
 */
import { type Tensor, tensor } from '../../src/index.js';

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  ints(n: number, lo: number, hi: number): number[] {
    return Array.from({ length: n }, () => this.int(lo, hi));
  }
}

export const HUGE = [1e9, 2 ** 31, 2 ** 53, 1e300] as const;
const WRONG_TYPES: unknown[] = ['2', '', true, false, {}, [], () => 1, Symbol.for('x'), 1n];

/** A garbage scalar: zero, negative, fractional, NaN, infinite, huge, or not a number at all. */
export function garbage(r: Rng): unknown {
  switch (r.int(0, 6)) {
    case 0:
      return 0;
    case 1:
      return -r.int(1, 5);
    case 2:
      return r.int(0, 4) + r.pick([0.5, 0.25, 1e-9]);
    case 3:
      return r.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    case 4:
      return r.pick(HUGE);
    case 5:
      return r.pick([null, undefined]);
    default:
      return r.pick(WRONG_TYPES);
  }
}

/**
 * An int-or-tuple option for `nd` dims: mostly valid in [lo, hi] (as an int or a tuple), otherwise garbage,
 * a tuple of the wrong length, a tuple holding garbage, or absent.
 */
export function intOrTuple(r: Rng, nd: number, lo: number, hi: number, pGarbage: number): unknown {
  if (r.chance(0.1)) return undefined;
  if (!r.chance(pGarbage)) return r.chance(0.5) ? r.int(lo, hi) : r.ints(nd, lo, hi);
  switch (r.int(0, 3)) {
    case 0:
      return garbage(r);
    case 1:
      return r.ints(r.pick([0, 1, 2, 3, 4].filter((n) => n !== nd)), lo, hi);
    case 2: {
      const t: unknown[] = r.ints(nd, lo, hi);
      t[r.int(0, nd - 1)] = garbage(r);
      return t;
    }
    default:
      return r.ints(nd, lo, hi).map((v, i) => (i === 0 ? r.pick(HUGE) : v));
  }
}

/** A standard-normal tensor of the shape (Box–Muller on the fuzz PRNG). */
export function randTensor(r: Rng, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++)
    data[i] = Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
  return tensor(data, shape);
}

/** Not a tensor, but sometimes close to one. */
export function notATensor(r: Rng, shape: number[]): unknown {
  return r.pick<unknown>([
    null,
    undefined,
    3,
    'tensor',
    shape,
    { shape },
    { shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0) },
    new Float32Array(4),
  ]);
}

/** Every value that may be passed as a shape-like argument's garbage, for error messages. */
export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return String(v);
  if (v !== null && typeof v === 'object' && 'shape' in v)
    return `Tensor${JSON.stringify((v as Tensor).shape)}`;
  return (
    JSON.stringify(v, (_, x) =>
      (typeof x === 'number' && !Number.isFinite(x)) || typeof x === 'bigint' || typeof x === 'symbol'
        ? String(x)
        : x,
    ) ?? 'undefined'
  );
}
