/**
 * Involution (d-li14/involution involution_naive.py): conv1 = 1×1 conv (no bias) + BN + ReLU to C/r channels,
 * conv2 = 1×1 conv with bias to k²·G channels (G = C / groupChannels), on the input average-pooled by the stride
 * when stride > 1; the generated kernels [N, G, k², Ho, Wo] are applied by involution2d with padding (k − 1)/2.
 */
import { ArgumentError } from '../errors.js';
import { involution2d, involutionCost } from '../ops/involution.js';
import { avgPool2d } from '../ops/pool.js';
import * as E from '../tensor/elementwise.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d } from './layers.js';
import { Module } from './module.js';

/** mmcv's ConvModule for a 1×1 convolution: conv, then BN + ReLU when normalised (and no conv bias then). */
export class ConvModule extends Module {
  conv: Conv2d;
  bn: BatchNorm2d | null;
  constructor(inChannels: number, outChannels: number, norm: boolean, generator?: Generator) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, 1, { bias: !norm, generator });
    this.bn = norm ? new BatchNorm2d(outChannels) : null;
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.bn === null ? y : E.relu(this.bn.forward(y));
  }
}

export interface InvolutionOptions {
  stride?: number;
  reductionRatio?: number;
  groupChannels?: number;
  generator?: Generator;
}

export class Involution extends Module {
  conv1: ConvModule;
  conv2: ConvModule;
  readonly stride: number;
  readonly groups: number;
  readonly reductionRatio: number;

  constructor(
    readonly channels: number,
    readonly kernelSize: number,
    opts: InvolutionOptions = {},
  ) {
    super();
    const name = 'Involution';
    this.stride = opts.stride ?? 1;
    this.reductionRatio = opts.reductionRatio ?? 4;
    const gc = opts.groupChannels ?? 16;
    if (!Number.isInteger(gc) || gc < 1 || channels % gc !== 0)
      throw new ArgumentError(`${name}: groupChannels (${gc}) must divide channels (${channels})`);
    if (
      !Number.isInteger(this.reductionRatio) ||
      this.reductionRatio < 1 ||
      channels % this.reductionRatio !== 0
    )
      throw new ArgumentError(
        `${name}: reductionRatio (${this.reductionRatio}) must divide channels (${channels})`,
      );
    if (kernelSize % 2 !== 1) throw new ArgumentError(`${name}: kernelSize must be odd, got ${kernelSize}`);
    this.groups = channels / gc;
    const mid = channels / this.reductionRatio;
    this.conv1 = new ConvModule(channels, mid, true, opts.generator);
    this.conv2 = new ConvModule(mid, kernelSize * kernelSize * this.groups, false, opts.generator);
  }

  forward(x: Tensor): Tensor {
    const t = this.stride === 1 ? x : avgPool2d(x, this.stride, { stride: this.stride });
    const w = this.conv2.forward(this.conv1.forward(t));
    const [b, , h, ww] = w.shape as [number, number, number, number];
    const weight = w.reshape([b, this.groups, this.kernelSize * this.kernelSize, h, ww]);
    return involution2d(x, weight, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: (this.kernelSize - 1) / 2,
    });
  }

  /** The k×k product (the generation convolutions count themselves). */
  override macs(_inputShape: number[], outputShape: number[]): number {
    const [n, c, h, w] = outputShape as [number, number, number, number];
    return n * c * h * w * this.kernelSize * this.kernelSize;
  }

  cost(outputShape: number[]) {
    const [n, , h, w] = outputShape as [number, number, number, number];
    return involutionCost(this.channels, this.kernelSize, h * w, {
      reductionRatio: this.reductionRatio,
      groupChannels: this.channels / this.groups,
      batch: n,
    });
  }
}
