/** Creating tensors: from data, constant fills, ranges, and seeded random draws. */
import { ArgumentError, checkInt, describe, fmtShape, ShapeError } from '../errors.js';
import { defaultGenerator, type Generator } from './random.js';
import { numel, Tensor } from './tensor.js';

export interface CreateOptions {
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

type Nested = number | Nested[];

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`${op}: shape must be a list of non-negative integers, got ${describe(shape)}`);
  }
  return [...shape];
}

function shapeArgs(op: string, args: (number | number[])[]): number[] {
  return checkShape(op, args.flat());
}

/**
 * The most elements one tensor may hold: the longest Float32Array V8 makes on 64-bit Node (2^32, 16 GiB).
 * Checked before allocating, so an oversized shape is a named error rather than V8's bare `RangeError`.
 */
const MAX_ELEMENTS = 2 ** 32;

function bytesText(n: number): string {
  const gib = (n * 4) / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${((n * 4) / 2 ** 20).toFixed(1)} MiB`;
}

/** Checks that `n` elements fit one tensor; `what` describes the request (a shape, a length) for the message. */
function checkElements(op: string, n: number, what: string): number {
  if (!(n <= MAX_ELEMENTS)) {
    throw new ArgumentError(
      `${op}: ${what} needs ${n} elements (${bytesText(n)} of float32), more than the limit of ${MAX_ELEMENTS} elements per tensor`,
    );
  }
  return n;
}

/**
 * A fresh float32 buffer for `n` elements, sized and checked in one place: past MAX_ELEMENTS, or when the
 * runtime cannot find the memory, the error names the op, the request and the limit.
 */
function allocate(op: string, n: number, what: string): Float32Array {
  checkElements(op, n, what);
  try {
    return new Float32Array(n);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ArgumentError(
      `${op}: cannot allocate ${bytesText(n)} for ${what} (${n} elements; the limit is ${MAX_ELEMENTS} elements per tensor and the memory this process can get): ${err.message}`,
    );
  }
}

/** A buffer for a shape already checked by checkShape. */
function allocShape(op: string, shape: number[]): Float32Array {
  return allocate(op, numel(shape), `shape ${fmtShape(shape)}`);
}

/**
 * A tensor from nested arrays (shape inferred), a flat array or Float32Array with a shape, or a number (0-D).
 * The data is copied.
 */
export function tensor(data: Nested | ArrayLike<number>, shape?: number[], opts: CreateOptions = {}): Tensor {
  let flat: Float32Array;
  let inferred: number[];
  if (typeof data === 'number') {
    flat = new Float32Array([data]);
    inferred = [];
  } else if (ArrayBuffer.isView(data) || (Array.isArray(data) && !data.some(Array.isArray))) {
    flat = Float32Array.from(data as ArrayLike<number>);
    inferred = [flat.length];
  } else if (Array.isArray(data)) {
    inferred = [];
    let level: Nested = data;
    while (Array.isArray(level)) {
      inferred.push(level.length);
      level = level[0] as Nested;
    }
    const values: number[] = [];
    const walk = (v: Nested, dim: number) => {
      if (dim === inferred.length) {
        if (typeof v !== 'number') throw new ShapeError('tensor: nested data is ragged');
        values.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== inferred[dim])
        throw new ShapeError('tensor: nested data is ragged');
      for (const item of v) walk(item, dim + 1);
    };
    walk(data, 0);
    flat = Float32Array.from(values);
  } else {
    throw new ArgumentError(
      `tensor: data must be a number, an array or a typed array, got ${describe(data)}`,
    );
  }
  let finalShape = inferred;
  if (shape !== undefined) {
    finalShape = checkShape('tensor', shape);
    if (numel(finalShape) !== flat.length) {
      throw new ShapeError(
        `tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${numel(finalShape)})`,
      );
    }
  }
  return new Tensor(flat, finalShape, { requiresGrad: opts.requiresGrad ?? false });
}

export function full(shape: number[], value: number, opts: CreateOptions = {}): Tensor {
  const s = checkShape('full', shape);
  return new Tensor(allocShape('full', s).fill(value), s, opts);
}

export function zeros(...shape: (number | number[])[]): Tensor {
  const s = shapeArgs('zeros', shape);
  return new Tensor(allocShape('zeros', s), s);
}

export function ones(...shape: (number | number[])[]): Tensor {
  const s = shapeArgs('ones', shape);
  return new Tensor(allocShape('ones', s).fill(1), s);
}

export function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape);
}

export function onesLike(x: Tensor): Tensor {
  return ones(x.shape);
}

/** arange(end), arange(start, end) or arange(start, end, step), as torch.arange. */
export function arange(start: number, end?: number, step = 1): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step))
    throw new ArgumentError(`arange: step must be non-zero and finite, got ${step}`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new ArgumentError(`arange: bounds must be finite, got ${lo}, ${hi}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const data = allocate('arange', n, `arange(${lo}, ${hi}, ${step})`);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return new Tensor(data, [n]);
}

/** n evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ArgumentError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  const data = allocate('linspace', steps, `${steps} steps`);
  for (let i = 0; i < steps; i++) data[i] = start + i * d;
  return new Tensor(data, [steps]);
}

/** The identity matrix n × n. */
export function eye(n: number): Tensor {
  const s = checkShape('eye', [n, n]);
  const t = new Tensor(allocShape('eye', s), s);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

/** Standard normal samples of the given shape. */
export function randn(shape: number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('randn', shape);
  const g = opts.generator ?? defaultGenerator;
  const data = allocShape('randn', s);
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return new Tensor(data, s, { requiresGrad: opts.requiresGrad ?? false });
}

/** Uniform samples in [0, 1). */
export function rand(shape: number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('rand', shape);
  const g = opts.generator ?? defaultGenerator;
  const data = allocShape('rand', s);
  for (let i = 0; i < data.length; i++) data[i] = g.uniform();
  return new Tensor(data, s, { requiresGrad: opts.requiresGrad ?? false });
}

/** Uniform samples in [low, high). */
export function uniform(shape: number[], low: number, high: number, opts: RandomOptions = {}): Tensor {
  const s = checkShape('uniform', shape);
  if (!(high >= low)) throw new ArgumentError(`uniform: high (${high}) must be >= low (${low})`);
  const g = opts.generator ?? defaultGenerator;
  const data = allocShape('uniform', s);
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * g.uniform();
  return new Tensor(data, s, { requiresGrad: opts.requiresGrad ?? false });
}

/** Integers drawn uniformly from [low, high), stored as float32 (convlab's only dtype). */
export function randint(low: number, high: number, shape: number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('randint', shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: expects integers low < high, got low=${low}, high=${high}`);
  }
  const g = opts.generator ?? defaultGenerator;
  const data = allocShape('randint', s);
  for (let i = 0; i < data.length; i++) data[i] = g.integer(low, high);
  return new Tensor(data, s);
}

/** A random permutation of 0 … n-1 (Fisher–Yates). */
export function randperm(n: number, opts: RandomOptions = {}): number[] {
  checkInt('randperm', 'n', n, 0);
  // A plain array of indices: JavaScript arrays hold at most 2^32 - 1 elements.
  if (n > 2 ** 32 - 1)
    throw new ArgumentError(
      `randperm: n must be at most ${2 ** 32 - 1} (a JavaScript array's length), got ${n}`,
    );
  const g = opts.generator ?? defaultGenerator;
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
