/**
 * Storage: where tensor data comes from, and where it goes back when a tensor is disposed.
 *
 * Fresh memory is slow: the first touch of each 4 KiB page faults (about 12 µs here), so a 3.2 MB feature map
 * costs ~2 ms to allocate and fill before any arithmetic happens, and `new Float32Array(n)` zero-fills on top.
 * Op outputs therefore come from `uninitialized(n)`, a size-bucketed pool of buffers already touched. Buffers go
 * back to the pool only when no tensor can still read them: each pooled buffer carries a count of the tensors
 * built over it (`retain` in the Tensor constructor, `releaseRef` in `Tensor.dispose`), and a buffer is recycled
 * when that count returns to zero. Tensors that are never disposed are simply collected by the garbage collector
 * with their buffer, as before.
 *
 * `scope(fn)` (in the spirit of TF.js's `tidy`) disposes every pooled tensor made while fn ran, except the ones
 * fn returns or `keep`s; autograd's backward pass runs in such a scope of its own, so gradient temporaries are
 * recycled within the step that made them.
 */
import { ArgumentError } from '../errors.js';

type Allocator = (bytes: number) => { buffer: ArrayBuffer; byteOffset: number; byteLength: number };

/** Node's `Buffer.allocUnsafeSlow`: memory that is not zeroed and owns its whole ArrayBuffer. */
const unsafe: Allocator | null = (() => {
  const buffer = (globalThis as { Buffer?: { allocUnsafeSlow?: Allocator } }).Buffer;
  return typeof buffer?.allocUnsafeSlow === 'function' ? buffer.allocUnsafeSlow.bind(buffer) : null;
})();

/** Below this many floats a plain array is as fast (V8 allocates small typed arrays cheaply) and is not pooled. */
const SMALL = 4096;
/** Size classes: 8 per doubling, so a pooled buffer wastes at most 1/8 of its size. */
const STEPS_PER_DOUBLING = 8;

/** Free buffers by size class (bytes). */
const free = new Map<number, ArrayBuffer[]>();
/** Tensors built over each pooled buffer that is in use; a buffer absent here is not the pool's. */
const refs = new WeakMap<ArrayBuffer, number>();
let freeBytes = 0;
let limitBytes = 1024 * 1024 * 1024;
const counters = { allocations: 0, reused: 0 };

function classBytes(bytes: number): number {
  const exp = Math.floor(Math.log2(bytes));
  const step = 2 ** Math.max(exp - Math.log2(STEPS_PER_DOUBLING), 0);
  return Math.ceil(bytes / step) * step;
}

function freshBuffer(bytes: number): ArrayBuffer {
  if (unsafe !== null) {
    const b = unsafe(bytes);
    if (b.byteOffset === 0 && b.buffer.byteLength === bytes) return b.buffer;
  }
  return new ArrayBuffer(bytes);
}

/**
 * `n` floats for an op to overwrite entirely (contents are arbitrary): a recycled buffer of the right size class
 * when the pool has one, fresh memory otherwise.
 */
export function uninitialized(n: number): Float32Array {
  if (n < SMALL) return new Float32Array(n);
  const bytes = classBytes(4 * n);
  counters.allocations++;
  const list = free.get(bytes);
  let buffer = list?.pop();
  if (buffer !== undefined) {
    freeBytes -= bytes;
    counters.reused++;
  } else buffer = freshBuffer(bytes);
  refs.set(buffer, 0);
  return new Float32Array(buffer, 0, n);
}

/** Whether `data` lives in a pooled buffer (which `retain` and `releaseRef` then count). */
export function isPooled(data: Float32Array): boolean {
  return refs.has(data.buffer as ArrayBuffer);
}

/** Counts one more tensor over `data`'s buffer (no-op for memory the pool does not own). */
export function retain(data: Float32Array): void {
  const count = refs.get(data.buffer as ArrayBuffer);
  if (count !== undefined) refs.set(data.buffer as ArrayBuffer, count + 1);
}

/** Counts one tensor fewer over `data`'s buffer; the last one returns the buffer to the pool. */
export function releaseRef(data: Float32Array): void {
  const buffer = data.buffer as ArrayBuffer;
  const count = refs.get(buffer);
  if (count === undefined) return;
  if (count > 1) {
    refs.set(buffer, count - 1);
    return;
  }
  refs.delete(buffer);
  const bytes = buffer.byteLength;
  if (freeBytes + bytes > limitBytes) return; // over the cap: leave it to the garbage collector
  const list = free.get(bytes);
  if (list === undefined) free.set(bytes, [buffer]);
  else list.push(buffer);
  freeBytes += bytes;
}

/** Anything that can be disposed and kept: Tensor implements it (a structural type avoids an import cycle). */
export interface Disposable {
  dispose(): void;
}

/** Pooled tensors made inside each open scope, innermost last. */
const frames: Set<Disposable>[] = [];

/** Called by the Tensor constructor for a tensor over pooled memory: the innermost scope will dispose it. */
export function track(t: Disposable): void {
  frames[frames.length - 1]?.add(t);
}

/** Whether the innermost scope tracks t (made t while it was innermost, and t was not kept). */
export function isTracked(t: Disposable): boolean {
  return frames[frames.length - 1]?.has(t) ?? false;
}

/** Stops the innermost scope from tracking t; true if it did (the caller then owns t's disposal). */
export function untrack(t: Disposable): boolean {
  return frames[frames.length - 1]?.delete(t) ?? false;
}

/** Whether a scope is open (the Tensor constructor skips `track` otherwise). */
export function inScope(): boolean {
  return frames.length > 0;
}

/** Makes t outlive every open scope: it is disposed only by `t.dispose()` or collected as garbage. */
export function keep<T extends Disposable>(t: T): T {
  for (const f of frames) f.delete(t);
  return t;
}

/** Visits the tensors in a scope's result: the value itself, arrays, plain objects and Map values. */
export function collect(
  value: unknown,
  isTensor: (v: unknown) => boolean,
  out: Set<unknown>,
  depth = 0,
): void {
  if (value === null || typeof value !== 'object' || depth > 8 || out.has(value)) return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, isTensor, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, isTensor, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collect(v, isTensor, out, depth + 1);
}

/** Opens a scope; `closeScope` disposes what it tracked except `survivors`, which move to the enclosing scope. */
export function openScope(): void {
  frames.push(new Set());
}

export function closeScope(survivors: Set<unknown> | 'all'): void {
  const frame = frames.pop();
  if (frame === undefined) throw new Error('closeScope: no scope is open');
  const parent = frames[frames.length - 1];
  for (const t of frame) {
    if (survivors === 'all' || survivors.has(t)) parent?.add(t);
    else t.dispose();
  }
}

/** The pool's state: buffers handed out, how many were recycled, bytes held free, and the cap on them. */
export function memoryStats(): {
  allocations: number;
  reused: number;
  freeBytes: number;
  limitBytes: number;
} {
  return { ...counters, freeBytes, limitBytes };
}

/** Caps the bytes the pool holds free (default 1 GiB); 0 turns recycling off. Frees what is over the new cap. */
export function setPoolLimit(bytes: number): void {
  if (!(bytes >= 0) || !Number.isFinite(bytes))
    throw new ArgumentError(`setPoolLimit: bytes must be a non-negative number, got ${bytes}`);
  limitBytes = bytes;
  for (const [size, list] of free) {
    while (list.length > 0 && freeBytes > limitBytes) {
      list.pop();
      freeBytes -= size;
    }
    if (list.length === 0) free.delete(size);
  }
}
