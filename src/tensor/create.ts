/** Creating tensors: from data, constant fills, ranges, and seeded random draws. */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
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
  return new Tensor(new Float32Array(numel(s)).fill(value), s, opts);
}

export function zeros(...shape: (number | number[])[]): Tensor {
  const s = shapeArgs('zeros', shape);
  return new Tensor(new Float32Array(numel(s)), s);
}

export function ones(...shape: (number | number[])[]): Tensor {
  const s = shapeArgs('ones', shape);
  return new Tensor(new Float32Array(numel(s)).fill(1), s);
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
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => lo + i * step),
    [n],
  );
}

/** n evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ArgumentError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  return new Tensor(
    Float32Array.from({ length: steps }, (_, i) => start + i * d),
    [steps],
  );
}

/** The identity matrix n × n. */
export function eye(n: number): Tensor {
  const t = zeros(n, n);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

/** Standard normal samples of the given shape. */
export function randn(shape: number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('randn', shape);
  const g = opts.generator ?? defaultGenerator;
  const data = new Float32Array(numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return new Tensor(data, s, { requiresGrad: opts.requiresGrad ?? false });
}

/** Uniform samples in [0, 1). */
export function rand(shape: number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('rand', shape);
  const g = opts.generator ?? defaultGenerator;
  const data = new Float32Array(numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.uniform();
  return new Tensor(data, s, { requiresGrad: opts.requiresGrad ?? false });
}

/** Uniform samples in [low, high). */
export function uniform(shape: number[], low: number, high: number, opts: RandomOptions = {}): Tensor {
  const s = checkShape('uniform', shape);
  if (!(high >= low)) throw new ArgumentError(`uniform: high (${high}) must be >= low (${low})`);
  const g = opts.generator ?? defaultGenerator;
  const data = new Float32Array(numel(s));
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
  const data = new Float32Array(numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.integer(low, high);
  return new Tensor(data, s);
}

/** A random permutation of 0 … n-1 (Fisher–Yates). */
export function randperm(n: number, opts: RandomOptions = {}): number[] {
  const g = opts.generator ?? defaultGenerator;
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
