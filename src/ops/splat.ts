/**
 * Split attention (ResNeSt, Zhang et al. 2020, zhanghang1989/ResNeSt splat.py). A grouped convolution makes radix
 * splits per cardinal group; their sum is pooled, passed through fc1 (+BN) + ReLU and fc2, and rSoftmax turns the
 * result into per-split channel weights: softmax across the radix within each cardinal group, or a sigmoid when
 * radix = 1. The output is Σ_r attention_r · split_r.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { softmax } from '../tensor/reduce.js';
import type { Tensor } from '../tensor/tensor.js';

/** Checks radix and cardinality against the channel counts. */
export function checkSplit(
  op: string,
  inChannels: number,
  channels: number,
  radix: number,
  cardinality: number,
): void {
  for (const [arg, v] of [
    ['radix', radix],
    ['groups (cardinality)', cardinality],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`${op}: ${arg} must be a positive integer, got ${v}`);
  }
  if (inChannels % (radix * cardinality) !== 0)
    throw new ArgumentError(
      `${op}: inChannels (${inChannels}) must be divisible by radix·groups = ${radix}·${cardinality}`,
    );
  if (channels % cardinality !== 0)
    throw new ArgumentError(`${op}: channels (${channels}) must be divisible by groups (${cardinality})`);
}

/** rSoftMax: x [B, radix·C] (any trailing dims of size 1) → [B, radix·C] attention. */
export function rSoftmax(x: Tensor, radix: number, cardinality: number): Tensor {
  const b = x.shape[0]!;
  if (radix === 1) return E.sigmoid(x);
  const per = x.size / b;
  if (per % (radix * cardinality) !== 0)
    throw new ShapeError(
      `rSoftmax: ${fmtShape(x.shape)} does not split into radix ${radix} × cardinality ${cardinality}`,
    );
  return softmax(x.reshape([b, cardinality, radix, per / (radix * cardinality)]).transpose(1, 2), 1).reshape([
    b,
    per,
  ]);
}

/** Multiply-adds of SplAtConv2d on an output plane: the grouped convolution plus the two 1×1 attention layers. */
export function splatCost(
  inChannels: number,
  channels: number,
  kernelSize: number,
  outPlane: number,
  opts: { radix?: number; groups?: number; reductionFactor?: number; batch?: number } = {},
) {
  const radix = opts.radix ?? 2;
  const card = opts.groups ?? 1;
  const n = opts.batch ?? 1;
  const inter = Math.max(Math.floor((inChannels * radix) / (opts.reductionFactor ?? 4)), 32);
  const conv = n * outPlane * channels * radix * (inChannels / (card * radix)) * kernelSize * kernelSize;
  const attention = n * ((channels * inter) / card + (inter * channels * radix) / card);
  return { convMacs: conv, attentionMacs: attention, macs: conv + attention, interChannels: inter };
}
