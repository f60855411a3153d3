/**
 * ACBlock (DingXiaoH/ACNet acb.py): a k×k, a k×1 and a 1×k convolution, each followed by batch norm, summed.
 * The strips are padded so their windows align with the square one's centre (hor padding [p − k/2, p], ver
 * [p, p − k/2]); when p < k/2 the code crops the input instead, as here. `switchToDeploy()` folds the three
 * batch norms (running statistics) and adds the strips into the centre of the square kernel: one plain
 * convolution `fusedConv` with bias that gives the same output as the block in eval mode.
 */
import { ArgumentError } from '../errors.js';
import { acBlock, acBlockCost, addToSquareKernel, fuseConvBn } from '../ops/acnet.js';
import * as E from '../tensor/elementwise.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d } from './layers.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export interface ACBlockOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  useAffine?: boolean;
  generator?: Generator;
}

export class ACBlock extends Module {
  squareConv?: Conv2d;
  squareBn?: BatchNorm2d;
  verConv?: Conv2d;
  horConv?: Conv2d;
  verBn?: BatchNorm2d;
  horBn?: BatchNorm2d;
  fusedConv?: Conv2d;
  readonly crop: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly opts: ACBlockOptions = {},
  ) {
    super();
    const k = kernelSize;
    const p = opts.padding ?? 0;
    if (!Number.isInteger(k) || k < 1)
      throw new ArgumentError(`ACBlock: kernelSize must be a positive integer, got ${k}`);
    const half = Math.floor(k / 2);
    const common = {
      stride: opts.stride ?? 1,
      dilation: opts.dilation ?? 1,
      groups: opts.groups ?? 1,
      bias: false,
      generator: opts.generator,
    };
    const affine = { affine: opts.useAffine ?? true };
    this.squareConv = new Conv2d(inChannels, outChannels, [k, k], { ...common, padding: p });
    this.squareBn = new BatchNorm2d(outChannels, affine);
    this.crop = p - half >= 0 ? 0 : half - p;
    const horPadding = this.crop === 0 ? [p - half, p] : [0, p];
    const verPadding = this.crop === 0 ? [p, p - half] : [p, 0];
    this.verConv = new Conv2d(inChannels, outChannels, [k, 1], { ...common, padding: verPadding });
    this.horConv = new Conv2d(inChannels, outChannels, [1, k], { ...common, padding: horPadding });
    this.verBn = new BatchNorm2d(outChannels, affine);
    this.horBn = new BatchNorm2d(outChannels, affine);
  }

  forward(x: Tensor): Tensor {
    if (this.fusedConv !== undefined) return this.fusedConv.forward(x);
    return acBlock(
      x,
      {
        square: stageOf(this.squareConv!, this.squareBn),
        ver: stageOf(this.verConv!, this.verBn),
        hor: stageOf(this.horConv!, this.horBn),
      },
      { stride: this.opts.stride, padding: this.opts.padding, dilation: this.opts.dilation },
    );
  }

  /** The folded kernel and bias: each branch's BN folded into its conv, the strips added into the square's centre. */
  getEquivalentKernelBias(): { weight: Tensor; bias: Tensor } {
    if (this.fusedConv !== undefined) return { weight: this.fusedConv.weight, bias: this.fusedConv.bias! };
    const sq = fuseConvBn(this.squareConv!.weight, this.squareBn!);
    const hor = fuseConvBn(this.horConv!.weight, this.horBn!);
    const ver = fuseConvBn(this.verConv!.weight, this.verBn!);
    addToSquareKernel(sq.weight, hor.weight);
    addToSquareKernel(sq.weight, ver.weight);
    const bias = E.add(E.add(sq.bias, hor.bias), ver.bias);
    return { weight: sq.weight, bias };
  }

  /** Replaces the three branches by one convolution with bias (ACNet's switch_to_deploy). */
  switchToDeploy(): this {
    if (this.fusedConv !== undefined) return this;
    const { weight, bias } = this.getEquivalentKernelBias();
    const sq = this.squareConv!;
    const fused = new Conv2d(this.inChannels, this.outChannels, this.kernelSize, {
      stride: sq.stride,
      padding: sq.padding,
      dilation: sq.dilation,
      groups: sq.groups,
    });
    fused.weight.data.set(weight.data);
    fused.bias!.data.set(bias.data);
    for (const name of ['squareConv', 'squareBn', 'verConv', 'horConv', 'verBn', 'horBn'] as const)
      delete this[name];
    this.fusedConv = fused;
    return this;
  }

  /** Closed form of the training-time and deploy-time multiply-adds for an output of `outShape`. */
  cost(outShape: number[]) {
    const outElements = outShape.reduce((a, b) => a * b, 1);
    return acBlockCost(outElements, this.inChannels / (this.opts.groups ?? 1), this.kernelSize);
  }
}
