/**
 * Depthwise over-parameterised convolution (DO-Conv, Cao et al. 2020, yangyanli/DO-Conv do_conv_pytorch.py): the
 * kernel is composed from a conventional W [K, C/g, D_mul] and a depthwise D [C, M·N, D_mul] (plus the fixed
 * identity D_diag, so training starts from W alone):
 *
 *   DoW = reshape( einsum('ims,ois->oim', D + D_diag, reshape(W, [K/g, C, D_mul])), [K, C/g, M, N] )
 *
 * The reshape of W to [K/g, C, D_mul] reinterprets its memory, as the code does (for groups > 1 that pairs a
 * filter's slice with other channels than its own; we follow the code). At inference DoW is computed once:
 * `fuse()` gives one plain convolution. With M·N = 1 the kernel is W itself.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { matmul } from '../tensor/linalg.js';
import { Tensor } from '../tensor/tensor.js';

export function checkDMul(op: string, dMul: unknown, mn: number): number {
  if (typeof dMul !== 'number' || !Number.isInteger(dMul) || dMul < mn)
    throw new ArgumentError(`${op}: DMul must be an integer >= M·N (${mn}), got ${String(dMul)}`);
  return dMul;
}

/** D_diag [C, M·N, D_mul]: identity blocks repeated along D_mul, zero-padded when D_mul is not a multiple of M·N. */
export function doconvDiag(inChannels: number, mn: number, dMul: number): Tensor {
  const data = new Float32Array(inChannels * mn * dMul);
  const full = Math.floor(dMul / mn) * mn;
  for (let c = 0; c < inChannels; c++)
    for (let m = 0; m < mn; m++) for (let s = m; s < full; s += mn) data[(c * mn + m) * dMul + s] = 1;
  return new Tensor(data, [inChannels, mn, dMul]);
}

/** The composed kernel DoW [K, C/g, M, N] from W [K, C/g, D_mul] and D, D_diag [C, M·N, D_mul]. */
export function doconvKernel(
  W: Tensor,
  D: Tensor | null,
  DDiag: Tensor | null,
  kernelSize: [number, number],
  groups: number,
): Tensor {
  const op = 'doconvKernel';
  const [k, cpg, dMul] = W.shape as [number, number, number];
  const [m, n] = kernelSize;
  const shape = [k, cpg, m, n];
  if (m * n === 1 || D === null) return W.reshape(shape);
  const c = cpg * groups;
  if (D.ndim !== 3 || D.shape[0] !== c || D.shape[1] !== m * n || D.shape[2] !== dMul)
    throw new ShapeError(`${op}: D must be [${c}, ${m * n}, ${dMul}], got ${fmtShape(D.shape)}`);
  const d = DDiag === null ? D : E.add(D, DDiag);
  // einsum('ims,ois->oim'): per input channel i, [K/g, D_mul] @ [D_mul, M·N].
  const w = W.reshape([k / groups, c, dMul]).permute([1, 0, 2]);
  const dow = matmul(w, d.transpose(1, 2)).permute([1, 0, 2]);
  return dow.reshape(shape);
}

/** Multiply-adds: the convolution (the same as a plain one) and, in training, composing the kernel once. */
export function doconvCost(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  dMul: number,
  groups: number,
) {
  const mn = kernelSize * kernelSize;
  return {
    params: outChannels * (inChannels / groups) * dMul + (mn > 1 ? inChannels * mn * dMul : 0),
    deployParams: outChannels * (inChannels / groups) * mn,
    compositionMacs: mn > 1 ? (outChannels / groups) * inChannels * mn * dMul : 0,
  };
}
