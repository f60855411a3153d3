/**
 * Argument handling shared by every convolution family: int-or-tuple expansion, padding forms and modes,
 * output-size arithmetic, and the checks that turn a bad call into an error naming the op and the argument.
 */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export type IntOrTuple = number | number[];
export type Padding = IntOrTuple | 'same' | 'valid';
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Expands an int to an nd-tuple and checks every entry is an integer >= min. */
export function ntuple(
  op: string,
  arg: string,
  value: IntOrTuple | undefined,
  nd: number,
  fallback: number,
  min: number,
): number[] {
  const v = value ?? fallback;
  const t = typeof v === 'number' ? new Array<number>(nd).fill(v) : Array.isArray(v) ? [...v] : null;
  // Safe integers only: past 2^53 the output-size arithmetic is no longer exact.
  if (t === null || t.length !== nd || t.some((e) => typeof e !== 'number' || !Number.isSafeInteger(e))) {
    throw new ArgumentError(
      `${op}: ${arg} must be an integer or a tuple of ${nd} integers, got ${describe(value)}`,
    );
  }
  if (t.some((e) => e < min)) {
    throw new ArgumentError(`${op}: ${arg} must be >= ${min} in every dim, got ${describe(value)}`);
  }
  return t;
}

/** The most elements one tensor may hold: the backends index with 32-bit signed integers. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Throws a ShapeError naming the op when a tensor of `shape` would hold more than MAX_ELEMENTS values. */
export function checkElements(op: string, what: string, shape: readonly number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_ELEMENTS) {
    throw new ShapeError(
      `${op}: the ${what} would hold ${n} elements (shape ${fmtShape(shape)}), more than the ${MAX_ELEMENTS} a tensor can`,
    );
  }
}

/**
 * Throws an ArgumentError naming the op when a stride, a dilation or a padded extent would overflow the 32-bit
 * index arithmetic of the native and WASM backends (a stride of 2^31 wraps to a negative number there).
 */
export function checkIndexRange(
  op: string,
  extent: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): void {
  extent.forEach((e, i) => {
    const worst = Math.max(e, stride[i]!, dilation[i]!);
    if (worst > MAX_ELEMENTS) {
      throw new ArgumentError(
        `${op}: stride, dilation and padded size must not exceed ${MAX_ELEMENTS} (32-bit indexing), got stride ${stride[i]}, dilation ${dilation[i]}, padded size ${e} in spatial dim ${i}`,
      );
    }
  });
}

/** (in + before + after − dilation·(k − 1) − 1) / stride + 1, floored: the output length of a convolution. */
export function convOutSize(
  inSize: number,
  kernel: number,
  stride: number,
  before: number,
  after: number,
  dilation: number,
): number {
  return Math.floor((inSize + before + after - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function checkPaddingMode(op: string, mode: unknown): PaddingMode {
  const m = mode ?? 'zeros';
  if (m !== 'zeros' && m !== 'reflect' && m !== 'replicate' && m !== 'circular') {
    throw new ArgumentError(
      `${op}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${describe(mode)}`,
    );
  }
  return m;
}

/**
 * Resolves padding to (before, after) pairs per spatial dim. 'same' pads d·(k−1) in total with the odd one
 * after, as PyTorch does, and needs stride 1.
 */
export function resolvePadding(
  op: string,
  padding: Padding | undefined,
  nd: number,
  kernel: number[],
  dilation: number[],
  stride: number[],
): [number, number][] {
  if (padding === 'valid') return kernel.map(() => [0, 0]);
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) {
      throw new ArgumentError(
        `${op}: padding='same' is not supported for strided convolutions (stride=${fmtShape(stride)})`,
      );
    }
    return kernel.map((k, i) => {
      const total = dilation[i]! * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'string') {
    throw new ArgumentError(
      `${op}: padding must be an integer, a tuple, 'same' or 'valid', got ${describe(padding)}`,
    );
  }
  return ntuple(op, 'padding', padding, nd, 0, 0).map((p) => [p, p]);
}

/** Checks that x is [N, C, *spatial] (or unbatched [C, *spatial]) and returns whether it was unbatched. */
export function checkInput(op: string, x: unknown, nd: number): boolean {
  // The full tensor check: an object that only looks like one (a shape, no data) must not reach the shape checks.
  const t = checkTensor(op, 'input', x);
  if (t.ndim !== nd + 2 && t.ndim !== nd + 1) {
    const names = ['L', 'H, W', 'D, H, W'][nd - 1];
    throw new ShapeError(`${op}: input must be [N, C, ${names}] or [C, ${names}], got ${fmtShape(t.shape)}`);
  }
  if (t.shape.some((d) => d === 0))
    throw new ShapeError(`${op}: input has an empty dim: ${fmtShape(t.shape)}`);
  return t.ndim === nd + 1;
}

export function checkTensor(op: string, arg: string, x: unknown): Tensor {
  if (
    x === null ||
    typeof x !== 'object' ||
    !Array.isArray((x as Tensor).shape) ||
    !((x as Tensor).data instanceof Float32Array)
  ) {
    throw new ArgumentError(`${op}: ${arg} must be a Tensor, got ${describe(x)}`);
  }
  return x as Tensor;
}

export function checkGroups(
  op: string,
  groups: unknown,
  inC: number,
  outC: number,
  outName = 'output channels',
): number {
  const g = groups ?? 1;
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 1) {
    throw new ArgumentError(`${op}: groups must be a positive integer, got ${describe(groups)}`);
  }
  if (inC % g !== 0) throw new ArgumentError(`${op}: groups=${g} must divide the input channels (${inC})`);
  if (outC % g !== 0) throw new ArgumentError(`${op}: groups=${g} must divide the ${outName} (${outC})`);
  return g;
}

/** Turns [n] spatial sizes into the backend's 3-D form, padding leading dims with 1 (or 0 for offsets). */
export function to3d(v: number[], fill: number): [number, number, number] {
  const t = [...new Array<number>(3 - v.length).fill(fill), ...v];
  return [t[0]!, t[1]!, t[2]!];
}

/**
 * Runs one step of a composite op (a depthwise, pointwise, column or row convolution) and re-labels the step's
 * error with the composite's name, so the message names the function the user called and the step that failed.
 */
export function step<T>(op: string, stepName: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ShapeError || e instanceof ArgumentError)) throw e;
    const message = `${op}: ${stepName}: ${e.message.replace(/^\w+: /, '')}`;
    throw e instanceof ShapeError
      ? new ShapeError(message, { cause: e })
      : new ArgumentError(message, { cause: e });
  }
}
