/**
 * Graph convolution (Kipf & Welling 2017, tkipf/pygcn): H' = Â · H · W + b, where the adjacency is normalised
 * once, by default symmetrically, Â = D̃^-½ (A + I) D̃^-½ with D̃ the degrees of A + I, or by rows, Â = D̃^-1 (A + I).
 * Nodes of zero degree get a zero row (the reference's `inf → 0`). Adjacency is dense [n, n] or sparse COO.
 *
 *   const adj = normalizeAdjacency(sparseCoo(rows, cols, ones, [n, n]));
 *   const h = gcnConv(x, adj, weight, { bias });   // x [n, F] or [B, n, F], weight [F, F']
 *
 * Normalisation treats the adjacency as a constant (no gradient flows into it); the product with the features
 * is differentiable in x, weight and bias.
 */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { matmul } from '../tensor/linalg.js';
import { fromOp, Tensor } from '../tensor/tensor.js';
import { checkTensor } from './args.js';

/** A sparse matrix in coordinate form; duplicate (row, col) entries add up, as torch.sparse_coo_tensor. */
export class SparseCOO {
  constructor(
    readonly rows: Int32Array,
    readonly cols: Int32Array,
    readonly values: Float32Array,
    readonly size: [number, number],
  ) {
    if (rows.length !== cols.length || rows.length !== values.length) {
      throw new ShapeError(
        `sparseCoo: rows, cols and values must have one entry per non-zero, got ${rows.length}, ${cols.length}, ${values.length}`,
      );
    }
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]! < 0 || rows[i]! >= size[0] || cols[i]! < 0 || cols[i]! >= size[1])
        throw new ArgumentError(
          `sparseCoo: entry ${i} at (${rows[i]}, ${cols[i]}) is outside size [${size}]`,
        );
    }
  }
  get nnz(): number {
    return this.values.length;
  }
  toDense(): Tensor {
    const [n, m] = this.size;
    const out = new Float32Array(n * m);
    for (let i = 0; i < this.nnz; i++) out[this.rows[i]! * m + this.cols[i]!]! += this.values[i]!;
    return new Tensor(out, [n, m]);
  }
}

export function sparseCoo(
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  values: ArrayLike<number>,
  size: [number, number],
): SparseCOO {
  return new SparseCOO(Int32Array.from(rows), Int32Array.from(cols), Float32Array.from(values), size);
}

/** The non-zeros of a dense 2-D tensor as a SparseCOO. */
export function toSparse(dense: Tensor): SparseCOO {
  if (dense.ndim !== 2) throw new ShapeError(`toSparse: expects a 2-D tensor, got ${fmtShape(dense.shape)}`);
  const [n, m] = dense.shape as [number, number];
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = dense.data[i * m + j]!;
      if (v !== 0) {
        rows.push(i);
        cols.push(j);
        values.push(v);
      }
    }
  }
  return sparseCoo(rows, cols, values, [n, m]);
}

export interface NormalizeOptions {
  /** 'symmetric' D^-½ (A+I) D^-½ (default) or 'row' D^-1 (A+I) */
  mode?: 'symmetric' | 'row';
  /** add the identity before normalising (default true, the renormalisation trick) */
  selfLoops?: boolean;
}

export function normalizeAdjacency<A extends Tensor | SparseCOO>(adj: A, opts: NormalizeOptions = {}): A {
  const op = 'normalizeAdjacency';
  const mode = opts.mode ?? 'symmetric';
  if (mode !== 'symmetric' && mode !== 'row')
    throw new ArgumentError(`${op}: mode must be 'symmetric' or 'row', got ${describe(mode)}`);
  const loops = opts.selfLoops ?? true;
  const sparse = adj instanceof SparseCOO ? adj : null;
  const [n, m] = sparse !== null ? sparse.size : ((adj as Tensor).shape as [number, number]);
  if ((sparse === null && (adj as Tensor).ndim !== 2) || n !== m)
    throw new ShapeError(
      `${op}: adjacency must be square [n, n], got ${fmtShape(sparse?.size ?? (adj as Tensor).shape)}`,
    );
  const coo = sparse ?? toSparse(adj as Tensor);
  let { rows, cols, values } = coo;
  if (loops) {
    const diag = Int32Array.from({ length: n }, (_, i) => i);
    rows = Int32Array.from([...rows, ...diag]);
    cols = Int32Array.from([...cols, ...diag]);
    values = Float32Array.from([...values, ...new Array<number>(n).fill(1)]);
  }
  const degree = new Float64Array(n);
  for (let i = 0; i < values.length; i++) degree[rows[i]!]! += values[i]!;
  const scale = degree.map((d) => (d === 0 ? 0 : mode === 'symmetric' ? 1 / Math.sqrt(d) : 1 / d));
  const normed = values.map((v, i) =>
    mode === 'symmetric' ? v * scale[rows[i]!]! * scale[cols[i]!]! : v * scale[rows[i]!]!,
  );
  const result = new SparseCOO(rows, cols, normed, [n, n]);
  return (sparse !== null ? result : result.toDense()) as A;
}

/** Sparse [n, m] times dense [..., m, f], differentiable in the dense operand. */
export function spmm(a: SparseCOO, x: Tensor): Tensor {
  const [n, m] = a.size;
  if (x.ndim < 2 || x.shape[x.ndim - 2] !== m)
    throw new ShapeError(`spmm: sparse [${n}, ${m}] cannot multiply ${fmtShape(x.shape)}`);
  const f = x.shape[x.ndim - 1]!;
  const batch = x.size / (m * f);
  const run = (
    src: Float32Array,
    rowsOf: Int32Array,
    colsOf: Int32Array,
    inRows: number,
    outRows: number,
  ) => {
    const out = new Float32Array(batch * outRows * f);
    for (let b = 0; b < batch; b++) {
      for (let e = 0; e < a.nnz; e++) {
        const v = a.values[e]!;
        const dst = (b * outRows + rowsOf[e]!) * f;
        const s = (b * inRows + colsOf[e]!) * f;
        for (let j = 0; j < f; j++) out[dst + j]! += v * src[s + j]!;
      }
    }
    return out;
  };
  const shape = [...x.shape.slice(0, -2), n, f];
  return fromOp(run(x.data, a.rows, a.cols, m, n), shape, 'spmm', [x], (g) => [
    new Tensor(run(g.data, a.cols, a.rows, n, m), x.shape),
  ]);
}

/** One GCN layer: adj · (x · weight) + bias, with adj already normalised (dense [n, n] or SparseCOO). */
export function gcnConv(
  x: Tensor,
  adj: Tensor | SparseCOO,
  weight: Tensor,
  opts: { bias?: Tensor | null } = {},
): Tensor {
  const op = 'gcnConv';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  if (x.ndim < 2)
    throw new ShapeError(
      `${op}: input must be [nodes, features] or [B, nodes, features], got ${fmtShape(x.shape)}`,
    );
  if (weight.ndim !== 2 || weight.shape[0] !== x.shape[x.ndim - 1])
    throw new ShapeError(
      `${op}: weight must be [${x.shape[x.ndim - 1]}, out_features], got ${fmtShape(weight.shape)}`,
    );
  if (!(adj instanceof SparseCOO)) checkTensor(op, 'adjacency', adj);
  const bias = opts.bias ?? null;
  if (bias !== null && checkTensor(op, 'bias', bias).shape.join() !== String(weight.shape[1]))
    throw new ShapeError(`${op}: bias must be [${weight.shape[1]}], got ${fmtShape(bias.shape)}`);
  const nodes = x.shape[x.ndim - 2]!;
  const size = adj instanceof SparseCOO ? adj.size : adj.shape;
  if (size.length !== 2 || size[0] !== nodes || size[1] !== nodes)
    throw new ShapeError(
      `${op}: adjacency must be [${nodes}, ${nodes}] for ${nodes} nodes, got ${fmtShape(size)}`,
    );
  const support = matmul(x, weight);
  const out = adj instanceof SparseCOO ? spmm(adj, support) : matmul(adj, support);
  return bias === null ? out : E.add(out, bias);
}

/** Multiply-adds of a GCN layer: the feature transform plus one multiply-add per adjacency entry and feature. */
export function gcnCost(
  nodes: number,
  inFeatures: number,
  outFeatures: number,
  adjacencyEntries = nodes * nodes,
  batch = 1,
) {
  const macs = batch * (nodes * inFeatures * outFeatures + adjacencyEntries * outFeatures);
  return { params: inFeatures * outFeatures + outFeatures, macs, flops: 2 * macs };
}
