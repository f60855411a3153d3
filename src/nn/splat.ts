/**
 * SplAtConv2d (ResNeSt splat.py, without the rectified convolution and DropBlock options): conv with
 * groups = cardinality·radix, bn0 (when `norm`), ReLU, sum of the radix splits, global average pool, fc1 (1×1,
 * groups = cardinality, to max(inChannels·radix/reductionFactor, 32) channels), bn1, ReLU, fc2, rSoftmax, and the
 * attention-weighted sum of the splits.
 */
import { checkSplit, splAtConv2d, splatCost } from '../ops/splat.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d } from './layers.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export interface SplAtConv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  radix?: number;
  reductionFactor?: number;
  /** batch norm after the conv and fc1 (ResNeSt passes norm_layer = BatchNorm2d), default true */
  norm?: boolean;
  generator?: Generator;
}

export class SplAtConv2d extends Module {
  conv: Conv2d;
  bn0: BatchNorm2d | null;
  fc1: Conv2d;
  bn1: BatchNorm2d | null;
  fc2: Conv2d;
  readonly radix: number;
  readonly cardinality: number;
  readonly reductionFactor: number;

  constructor(
    readonly inChannels: number,
    readonly channels: number,
    readonly kernelSize: number,
    opts: SplAtConv2dOptions = {},
  ) {
    super();
    this.radix = opts.radix ?? 2;
    this.cardinality = opts.groups ?? 1;
    checkSplit('SplAtConv2d', inChannels, channels, this.radix, this.cardinality);
    this.reductionFactor = opts.reductionFactor ?? 4;
    const inter = Math.max(Math.floor((inChannels * this.radix) / (opts.reductionFactor ?? 4)), 32);
    const norm = opts.norm ?? true;
    const g = opts.generator;
    this.conv = new Conv2d(inChannels, channels * this.radix, kernelSize, {
      stride: opts.stride ?? 1,
      padding: opts.padding ?? 0,
      dilation: opts.dilation ?? 1,
      groups: this.cardinality * this.radix,
      bias: opts.bias ?? true,
      generator: g,
    });
    this.bn0 = norm ? new BatchNorm2d(channels * this.radix) : null;
    this.fc1 = new Conv2d(channels, inter, 1, { groups: this.cardinality, generator: g });
    this.bn1 = norm ? new BatchNorm2d(inter) : null;
    this.fc2 = new Conv2d(inter, channels * this.radix, 1, { groups: this.cardinality, generator: g });
  }

  forward(input: Tensor): Tensor {
    return splAtConv2d(
      input,
      { conv: stageOf(this.conv, this.bn0), fc1: stageOf(this.fc1, this.bn1), fc2: stageOf(this.fc2) },
      { radix: this.radix, groups: this.cardinality },
    );
  }

  /** Closed-form multiply-adds for an output [N, channels, Ho, Wo]: the grouped conv and the attention layers. */
  cost(outputShape: number[]) {
    const [n, , h, w] = outputShape as [number, number, number, number];
    return splatCost(this.inChannels, this.channels, this.kernelSize, h * w, {
      radix: this.radix,
      groups: this.cardinality,
      reductionFactor: this.reductionFactor,
      batch: n,
    });
  }
}
