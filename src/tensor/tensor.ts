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

export type Shape = number[];
/** One gradient per parent, or null where a parent needs none. */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];
export type Scalar = number;
export type TensorLike = Tensor | number;

let gradEnabled = true;

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
  readonly data: Float32Array;
  readonly shape: Shape;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** The op that made this tensor, for debugging and display ("conv2d", "add", …); "" for a leaf. */
  readonly op: string;
  readonly parents: readonly Tensor[];
  private readonly backwardFn: BackwardFn | null;

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
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = opts.requiresGrad ?? false;
    this.op = opts.op ?? '';
    this.parents = opts.parents ?? [];
    this.backwardFn = opts.backward ?? null;
  }

  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.data.length;
  }
  numel(): number {
    return this.data.length;
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

    const order = topologicalOrder(this);
    const grads = new Map<Tensor, Tensor>([[this, seed]]);
    noGrad(() => {
      for (let i = order.length - 1; i >= 0; i--) {
        const node = order[i]!;
        const g = grads.get(node);
        if (g === undefined) continue;
        grads.delete(node);
        if (node.backwardFn === null) {
          node.grad =
            node.grad === null ? new Tensor(new Float32Array(g.data), g.shape) : E.add(node.grad, g);
          continue;
        }
        const parentGrads = node.backwardFn(g);
        node.parents.forEach((parent, j) => {
          const pg = parentGrads[j];
          if (!parent.requiresGrad || pg === null || pg === undefined) return;
          const reduced = sumTo(pg, parent.shape);
          const prev = grads.get(parent);
          grads.set(parent, prev === undefined ? reduced : E.add(prev, reduced));
        });
      }
    });
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
