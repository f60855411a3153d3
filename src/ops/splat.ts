/**
 * Split attention (ResNeSt, Zhang et al. 2020, zhanghang1989/ResNeSt splat.py). A grouped convolution makes radix
 * splits per cardinal group; their sum is pooled, passed through fc1 (+BN) + ReLU and fc2, and rSoftmax turns the
 * result into per-split channel weights: softmax across the radix within each cardinal group, or a sigmoid when
 * radix = 1. The output is Σ_r attention_r · split_r.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { softmax } from '../tensor/reduce.js';
import { split } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { adaptiveAvgPool2d } from './pool.js';
import { type ConvStage, runStage } from './stage.js';

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

export interface SplAtWeights {
  /** the grouped convolution (groups = cardinality·radix) and its norm (bn0) */
  conv: ConvStage;
  /** 1×1 (groups = cardinality) and its norm (bn1) */
  fc1: ConvStage;
  /** 1×1 (groups = cardinality) to channels·radix attention logits */
  fc2: ConvStage;
}

/**
 * Split attention as a function of its weights: relu(norm(conv(x))), the radix splits summed, global average
 * pool, relu(norm(fc1)), fc2, r-softmax over the radix within each cardinal group, and the attention-weighted sum
 * of the splits.
 */
export function splAtConv2d(
  input: Tensor,
  weights: SplAtWeights,
  opts: { radix?: number; groups?: number; stride?: number; padding?: number; dilation?: number } = {},
): Tensor {
  const op = 'splAtConv2d';
  const radix = opts.radix ?? 2;
  const cardinality = opts.groups ?? 1;
  if (!Number.isInteger(radix) || radix < 1)
    throw new ArgumentError(`${op}: radix must be a positive integer, got ${radix}`);
  const x = E.relu(
    runStage(op, 'conv', input, weights.conv, {
      stride: opts.stride ?? 1,
      padding: opts.padding ?? 0,
      dilation: opts.dilation ?? 1,
    }),
  );
  const channels = x.shape[1]! / radix;
  if (!Number.isInteger(channels))
    throw new ShapeError(`${op}: conv gives ${x.shape[1]} channels, not a multiple of radix ${radix}`);
  const b = x.shape[0]!;
  const splits = radix > 1 ? split(x, channels, 1) : [x];
  const gap = splits.reduce((a, s) => E.add(a, s));
  const z = E.relu(runStage(op, 'fc1', adaptiveAvgPool2d(gap, 1), weights.fc1));
  const atten = rSoftmax(runStage(op, 'fc2', z, weights.fc2), radix, cardinality).reshape([b, -1, 1, 1]);
  if (radix === 1) return E.mul(atten, x);
  const attens = split(atten, channels, 1);
  return splits.map((s, i) => E.mul(attens[i]!, s)).reduce((a, t) => E.add(a, t));
}
