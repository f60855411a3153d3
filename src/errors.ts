/**
 * Errors that name the op, the argument, what was expected and what came, so a notebook user can fix the call
 * without reading convlab's source: `conv2d: input has 3 channels but weight expects 4 (groups=1)`.
 */

/** A tensor has the wrong rank, size or layout for the op. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A non-tensor argument is out of range, of the wrong kind, or inconsistent with another. */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws ArgumentError unless `value` is an integer in [min, max]. */
export function checkInt(
  op: string,
  arg: string,
  value: unknown,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ArgumentError(`${op}: ${arg} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ArgumentError(`${op}: ${arg} must be ${range}, got ${value}`);
  }
  return value;
}

/** A short, safe description of any value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `Tensor of shape ${fmtShape(shape as number[])}`;
    return (value as object).constructor?.name ?? 'object';
  }
  return typeof value;
}
