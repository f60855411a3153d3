/**
 * matmul with torch.matmul's rules: 1-D operands are promoted and squeezed back, batch dims broadcast; and linear,
 * torch.nn.functional.linear's x·Wᵀ + b.
 */
import { getBackend } from '../backend/index.js';
import { fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes } from './elementwise.js';
import * as S from './shape.js';
import { uninitialized } from './storage.js';
import { fromOp, numel, Tensor } from './tensor.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  if (a.ndim === 1 && b.ndim === 1) return S.reshape(matmul(S.unsqueeze(a, 0), S.unsqueeze(b, 1)), []);
  if (a.ndim === 1) return S.squeeze(matmul(S.unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return S.squeeze(matmul(a, S.unsqueeze(b, 1)), -1);

  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  if (k !== k2) {
    throw new ShapeError(
      `matmul: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: inner dims differ (${k} vs ${k2})`,
    );
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const ea = sameBatch(a, batch) ? a : S.expand(a, [...batch, m, k]);
  const eb = sameBatch(b, batch) ? b : S.expand(b, [...batch, k, n]);
  const count = numel(batch);
  const out = batchedGemm(count, false, false, m, n, k, ea.data, eb.data);
  // The gradients read the operands transposed in place (gemm's flags), never through a transposed copy.
  return fromOp(out, [...batch, m, n], 'matmul', [a, b], (g) => [
    a.requiresGrad
      ? new Tensor(batchedGemm(count, false, true, m, k, n, g.data, eb.data), [...batch, m, k])
      : null,
    b.requiresGrad
      ? new Tensor(batchedGemm(count, true, false, k, n, m, ea.data, g.data), [...batch, k, n])
      : null,
  ]);
}

/**
 * count row-major products op(A)ᵢ·op(B)ᵢ of m×kk by kk×n into fresh storage (gemm with beta = 0 writes every element
 * of C, so no zero fill); A and B hold count matrices each, stored as op's inputs (kk×m when transA, n×kk when transB).
 */
function batchedGemm(
  count: number,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  kk: number,
  a: Float32Array,
  b: Float32Array,
): Float32Array {
  const out = uninitialized(count * m * n);
  const backend = getBackend();
  const lda = transA ? m : kk;
  const ldb = transB ? kk : n;
  for (let i = 0; i < count; i++)
    backend.gemm(transA, transB, m, n, kk, 1, a, i * m * kk, lda, b, i * kk * n, ldb, 0, out, i * m * n, n);
  return out;
}

function sameBatch(x: Tensor, batch: number[]): boolean {
  return x.ndim - 2 === batch.length && batch.every((d, i) => d === x.shape[i]);
}

/**
 * y = x·Wᵀ + b (torch.nn.functional.linear): x [*, in], weight [out, in], bias [out]. One GEMM reading the weight
 * transposed in place and one graph node, where matmul(x, weight.t()) + bias copied the weight and added a pass.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2)
    throw new ShapeError(`linear: weight must be [outFeatures, inFeatures], got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF)
    throw new ShapeError(
      `linear: input's last dim must be ${inF} (weight ${fmtShape(weight.shape)}), got ${fmtShape(x.shape)}`,
    );
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outF))
    throw new ShapeError(`linear: bias must be [${outF}], got ${fmtShape(bias.shape)}`);
  const rows = x.size / inF;
  const out = batchedGemm(1, false, true, rows, outF, inF, x.data, weight.data);
  if (bias !== null) {
    const b = bias.data;
    for (let r = 0; r < rows; r++) for (let j = 0, o = r * outF; j < outF; j++) out[o + j]! += b[j]!;
  }
  const shape = [...x.shape.slice(0, -1), outF];
  const parents = bias === null ? [x, weight] : [x, weight, bias];
  return fromOp(out, shape, 'linear', parents, (g) => [
    x.requiresGrad
      ? new Tensor(batchedGemm(1, false, false, rows, inF, outF, g.data, weight.data), x.shape)
      : null,
    weight.requiresGrad
      ? new Tensor(batchedGemm(1, true, false, outF, inF, rows, g.data, x.data), [outF, inF])
      : null,
    bias?.requiresGrad ? sumRows(g.data, rows, outF) : null,
  ]);
}

/** Column sums of a rows × cols matrix: the bias gradient. */
function sumRows(g: Float32Array, rows: number, cols: number): Tensor {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0, o = r * cols; j < cols; j++) acc[j]! += g[o + j]!;
  return new Tensor(Float32Array.from(acc), [cols]);
}
