/**
 * Tensor: float32, row-major, always contiguous, with reverse-mode autograd.
 *
 * An op builds its output with `fromOp`, which records the parents and a closure mapping the output's gradient
 * to one gradient per parent. `backward()` sorts the graph topologically and walks it in reverse; a parent's
 * gradient is summed back to the parent's shape here, once, so broadcasting ops need no reduction of their own.
 * Backward closures run with grad recording off: convlab computes first derivatives only.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from './elementwise.js';
import * as L from './linalg.js';
import * as R from './reduce.js';
import * as S from './shape.js';
import {
  closeScope,
  collect,
  inScope,
  isPooled,
  keep as keepStorage,
  openScope,
  releaseRef,
  retain,
  isTracked,
  track,
  uninitialized,
  untrack,
} from './storage.js';

export type Shape = number[];
/** One gradient per parent, or null where a parent needs none. */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];
export type Scalar = number;
export type TensorLike = Tensor | number;

let gradEnabled = true;
/** The data of every disposed tensor: reading it through `Tensor.data` throws. */
const DISPOSED = new Float32Array(0);

/**
 * Version counters (PyTorch's `_version`), one per data array: the tensors over one array (the views reshape and
 * detach make) share it, as PyTorch's views share their storage's. Every in-place write the library makes bumps
 * it: `copy_`, `fill_`, `zero_`, optimizer steps, `loadStateDict`, batch norm's running statistics, gradient
 * accumulation. Caches of values derived from a tensor (folded convolution weights) compare it to know they are
 * stale. A write straight into `.data` cannot be seen, as PyTorch's `.data` writes are not.
 */
const versions = new WeakMap<Float32Array, number>();

/** Records an in-place write into t's data (every tensor sharing that data sees the new version). */
export function bumpVersion(t: Tensor): void {
  const d = t.data;
  versions.set(d, (versions.get(d) ?? 0) + 1);
}

/** Runs fn without recording operations for autograd (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Whether operations are being recorded for autograd right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export class Tensor {
  #data: Float32Array;
  readonly #size: number;
  readonly shape: Shape;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** The op that made this tensor, for debugging and display ("conv2d", "add", …); "" for a leaf. */
  readonly op: string;
  readonly parents: readonly Tensor[];
  /** The rule mapping this tensor's gradient to its parents' (null for a leaf), as PyTorch's grad_fn. */
  readonly backwardFn: BackwardFn | null;

  constructor(
    data: Float32Array,
    shape: readonly number[],
    opts: { requiresGrad?: boolean; op?: string; parents?: Tensor[]; backward?: BackwardFn | null } = {},
  ) {
    if (data.length !== numel(shape)) {
      throw new ShapeError(
        `Tensor: data has ${data.length} elements but shape ${fmtShape(shape)} needs ${numel(shape)}`,
      );
    }
    this.#data = data;
    this.#size = data.length;
    this.shape = [...shape];
    this.requiresGrad = opts.requiresGrad ?? false;
    this.op = opts.op ?? '';
    this.parents = opts.parents ?? [];
    this.backwardFn = opts.backward ?? null;
    if (isPooled(data)) {
      retain(data);
      if (inScope()) track(this);
    }
  }

  /** The elements, row-major. Reading the data of a disposed tensor throws. */
  get data(): Float32Array {
    const d = this.#data;
    if (d === DISPOSED)
      throw new ArgumentError(`Tensor.data: this ${this.op || 'tensor'} tensor was disposed`);
    return d;
  }

  /**
   * How many in-place writes the library has made into this tensor's data (shared with its views), as PyTorch's
   * `_version`: a new tensor is at 0. Writes straight into `.data` are not counted.
   */
  get _version(): number {
    return versions.get(this.#data) ?? 0;
  }

  /** Whether dispose() was called (its data may already belong to another tensor). */
  get isDisposed(): boolean {
    return this.#data === DISPOSED;
  }

  /**
   * Gives this tensor's memory back to the pool when no other tensor shares it (views from reshape or detach do)
   * and marks it disposed. Idempotent. Only for tensors nothing will read again; `scope` does it for you.
   */
  dispose(): void {
    const d = this.#data;
    if (d === DISPOSED) return;
    this.#data = DISPOSED;
    releaseRef(d);
  }

  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.#size;
  }
  numel(): number {
    return this.#size;
  }
  get dtype(): 'float32' {
    return 'float32';
  }
  get isLeaf(): boolean {
    return this.backwardFn === null;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError(
        `item: only a one-element tensor converts to a number, got shape ${fmtShape(this.shape)}`,
      );
    }
    return this.data[0]!;
  }

  /** Nested arrays of numbers, like torch's tolist(). */
  tolist(): unknown {
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** A new leaf sharing no graph with this tensor (the data is shared, as in PyTorch). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy of the data, still connected to the graph. */
  clone(): Tensor {
    return fromOp(new Float32Array(this.data), this.shape, 'clone', [this], (g) => [g]);
  }

  /**
   * Copies src's values into this tensor in place (shapes must match) and bumps its version. In-place writes are
   * not recorded by autograd: like PyTorch, a tensor that requires grad can be written only under `noGrad`.
   */
  copy_(src: Tensor): this {
    this.checkInPlace('copy_');
    if (!(src instanceof Tensor))
      throw new ArgumentError(`copy_: src must be a Tensor, got ${src === null ? 'null' : typeof src}`);
    if (!sameShape(src.shape, this.shape))
      throw new ShapeError(
        `copy_: src has shape ${fmtShape(src.shape)} but this tensor has shape ${fmtShape(this.shape)}`,
      );
    if (src.data !== this.data) this.data.set(src.data);
    bumpVersion(this);
    return this;
  }

  /** Sets every element to value in place and bumps the version (see `copy_` on autograd). */
  fill_(value: number): this {
    this.checkInPlace('fill_');
    if (typeof value !== 'number')
      throw new ArgumentError(`fill_: value must be a number, got ${typeof value}`);
    this.data.fill(value);
    bumpVersion(this);
    return this;
  }

  /** fill_(0). */
  zero_(): this {
    return this.fill_(0);
  }

  private checkInPlace(op: string): void {
    if (gradEnabled && this.requiresGrad)
      throw new ArgumentError(
        `${op}: this tensor requires grad; an in-place write to it must run under noGrad (autograd does not record it)`,
      );
  }

  requiresGrad_(flag = true): this {
    if (!this.isLeaf) throw new ArgumentError('requiresGrad_: only leaf tensors can change requiresGrad');
    this.requiresGrad = flag;
    return this;
  }

  /**
   * Accumulates d(this)/d(leaf) · gradOutput into every leaf's `.grad`. A scalar output needs no gradOutput;
   * any other output must be given one of its own shape (PyTorch semantics).
   */
  backward(gradOutput?: Tensor): void {
    if (!this.requiresGrad) {
      throw new ArgumentError('backward: tensor does not require grad and has no grad_fn');
    }
    let seed: Tensor;
    if (gradOutput === undefined) {
      if (this.data.length !== 1) {
        throw new ShapeError(
          `backward: grad can be implicitly created only for scalar outputs, got shape ${fmtShape(this.shape)}; pass gradOutput`,
        );
      }
      seed = new Tensor(new Float32Array([1]), this.shape);
    } else {
      if (!sameShape(gradOutput.shape, this.shape)) {
        throw new ShapeError(
          `backward: gradOutput has shape ${fmtShape(gradOutput.shape)} but the output has shape ${fmtShape(this.shape)}`,
        );
      }
      seed = gradOutput;
    }

    runBackward(topologicalOrder(this), this, seed);
  }

  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // Element-wise arithmetic with broadcasting.
  add(other: TensorLike): Tensor {
    return E.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return E.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return E.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return E.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return E.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return E.minimum(this, other);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return E.clamp(this, min, max);
  }

  // Reductions.
  sum(dim?: number | number[] | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[] | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  max(dim?: number | null, keepdim = false): Tensor {
    return R.max(this, dim, keepdim);
  }
  min(dim?: number | null, keepdim = false): Tensor {
    return R.min(this, dim, keepdim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  var(dim?: number | number[] | null, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return R.variance(this, dim, opts);
  }
  std(dim?: number | number[] | null, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return E.sqrt(R.variance(this, dim, opts));
  }
  softmax(dim: number): Tensor {
    return R.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return R.logSoftmax(this, dim);
  }

  // Linear algebra.
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }

  // Shape.
  reshape(...shape: (number | number[])[]): Tensor {
    return S.reshape(this, shape.flat());
  }
  view(...shape: (number | number[])[]): Tensor {
    return S.reshape(this, shape.flat());
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }
  squeeze(dim?: number): Tensor {
    return S.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return S.unsqueeze(this, dim);
  }
  permute(...dims: (number | number[])[]): Tensor {
    return S.permute(this, dims.flat());
  }
  transpose(dim0: number, dim1: number): Tensor {
    return S.transpose(this, dim0, dim1);
  }
  /** Matrix transpose of a 2-D tensor (torch's .t()). */
  t(): Tensor {
    if (this.ndim !== 2) throw new ShapeError(`t: expects a 2-D tensor, got shape ${fmtShape(this.shape)}`);
    return S.transpose(this, 0, 1);
  }
  expand(...shape: (number | number[])[]): Tensor {
    return S.expand(this, shape.flat());
  }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return S.slice(this, dim, start, end, step);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return S.narrow(this, dim, start, length);
  }
  split(splitSize: number | number[], dim = 0): Tensor[] {
    return S.split(this, splitSize, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return S.chunk(this, chunks, dim);
  }
}

/** Makes an op's output and, when grad is being recorded and a parent needs it, its place in the graph. */
export function fromOp(
  data: Float32Array,
  shape: readonly number[],
  op: string,
  parents: Tensor[],
  backward: BackwardFn,
): Tensor {
  const record = gradEnabled && parents.some((p) => p.requiresGrad);
  return record
    ? new Tensor(data, shape, { requiresGrad: true, op, parents, backward })
    : new Tensor(data, shape, { op });
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Sums a broadcast gradient back to the shape of the tensor it flows to. */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const summed = dims.length > 0 ? R.sum(g, dims, true) : g;
  return S.reshape(summed, [...shape]);
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long training loops, deep models) would overflow the call stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, next] = top;
    if (next < node.parents.length) {
      top[1]++;
      const parent = node.parents[next]!;
      if (parent.requiresGrad && !seen.has(parent)) {
        seen.add(parent);
        stack.push([parent, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/**
 * The reverse walk of `backward`, in a scope of its own: every gradient it computes is a temporary except the
 * leaves' `.grad`, so each one is disposed as soon as the walk has passed the node it belongs to, and its buffer
 * serves the next gradient of the same size. A gradient tensor may be handed on unchanged (identity rules return
 * `g`, and `[g, g]` gives one tensor to two parents): `pending` counts the map entries holding each tensor, and
 * a tensor is disposed only when none does.
 */
function runBackward(order: Tensor[], root: Tensor, seed: Tensor): void {
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const pending = new Map<Tensor, number>([[seed, 1]]);
  const hold = (t: Tensor) => pending.set(t, (pending.get(t) ?? 0) + 1);
  const drop = (t: Tensor) => {
    const n = (pending.get(t) ?? 0) - 1;
    if (n > 0) pending.set(t, n);
    else pending.delete(t);
  };
  // Only tensors made inside this walk are disposed, never the caller's gradOutput or saved forward tensors.
  const release = (t: Tensor) => {
    if (!pending.has(t) && untrack(t)) t.dispose();
  };
  openScope();
  const survivors = new Set<unknown>();
  try {
    noGrad(() => {
      for (let i = order.length - 1; i >= 0; i--) {
        const node = order[i]!;
        const g = grads.get(node);
        if (g === undefined) continue;
        grads.delete(node);
        drop(g);
        if (node.backwardFn === null) {
          accumulateGrad(node, g, !pending.has(g) && isTracked(g), survivors);
          if (node.grad !== g) release(g);
          continue;
        }
        const parentGrads = node.backwardFn(g);
        // Released only after every parent has its share: one tensor may be the gradient of several parents.
        const done: Tensor[] = [g];
        node.parents.forEach((parent, j) => {
          const pg = parentGrads[j];
          if (!parent.requiresGrad || pg === null || pg === undefined) return;
          const reduced = sumTo(pg, parent.shape);
          done.push(pg, reduced);
          const prev = grads.get(parent);
          if (prev === undefined) {
            grads.set(parent, reduced);
            hold(reduced);
          } else {
            const sum = E.add(prev, reduced);
            grads.set(parent, sum);
            hold(sum);
            drop(prev);
            done.push(prev);
          }
        });
        for (const pg of parentGrads) if (pg !== null && pg !== undefined) done.push(pg);
        for (const t of done) release(t);
      }
    });
  } finally {
    closeScope(survivors);
  }
}

/** Adds g into leaf.grad in place (PyTorch accumulates into the same tensor), or makes g (or a copy) the grad. */
function accumulateGrad(leaf: Tensor, g: Tensor, owned: boolean, survivors: Set<unknown>): void {
  if (leaf.grad === null || leaf.grad.isDisposed) {
    // A gradient the walk made and nothing else holds becomes the grad itself; anything else is copied.
    const grad = owned && sameShape(g.shape, leaf.shape) ? g : new Tensor(copyOf(g.data), leaf.shape);
    survivors.add(grad);
    keepStorage(grad);
    leaf.grad = grad;
    return;
  }
  const acc = leaf.grad.data;
  const d = g.data;
  for (let i = 0; i < acc.length; i++) acc[i]! += d[i]!;
  bumpVersion(leaf.grad);
}

function copyOf(data: Float32Array): Float32Array {
  const out = uninitialized(data.length);
  out.set(data);
  return out;
}

/**
 * Runs fn and disposes every tensor over pooled memory that it made (op outputs), except those in its result —
 * a tensor, or arrays, plain objects and Maps holding tensors — and those passed to `keep`. A training step in a
 * scope reuses the same buffers step after step instead of faulting in fresh memory:
 *
 *     const loss = scope(() => {
 *       opt.zeroGrad();
 *       const loss = crossEntropy(model.forward(x), y);
 *       loss.backward();
 *       opt.step();
 *       return loss.item();
 *     });
 *
 * Parameters, gradients (`.grad`), optimizer state and batch-norm statistics are never disposed by it. Reading a
 * disposed tensor throws. fn must be synchronous. Scopes nest; what an inner scope returns belongs to the outer.
 */
export function scope<T>(fn: () => T): T {
  openScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(new Set());
    throw e;
  }
  if (result instanceof Promise) {
    closeScope(new Set());
    throw new ArgumentError('scope: fn must be synchronous, got a function that returned a Promise');
  }
  const survivors = new Set<unknown>();
  collect(result, (v) => v instanceof Tensor, survivors);
  closeScope(survivors);
  return result;
}

/**
 * Runs a forward pass and, when its output carries no autograd graph (inference, `noGrad`, frozen weights),
 * disposes the pooled intermediates it made, so the next layer's output reuses their memory while it is still in
 * cache. With a graph, the intermediates are saved for backward and nothing is disposed. Containers (Sequential)
 * run their layers through it; a layer that keeps a tensor it made for later must `keep` it.
 */
export function disposeIntermediates(fn: () => Tensor): Tensor {
  openScope();
  let out: Tensor;
  try {
    out = fn();
  } catch (e) {
    closeScope('all');
    throw e;
  }
  closeScope(out.requiresGrad ? 'all' : new Set([out]));
  return out;
}

/** Makes t outlive every open scope (it is then disposed only by `t.dispose()`, or collected as garbage). */
export function keep<T extends Tensor>(t: T): T {
  return keepStorage(t);
}
