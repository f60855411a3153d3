/**
 * DeformConv2d: a deformable convolution whose offsets (and, for v2, modulation mask) are predicted from the input
 * by an ordinary convolution, `convOffset`, initialised to zero so training starts from the regular grid (the
 * "pack" form of mmcv and the DCN papers). torchvision's DeformConv2d takes the offsets as an input instead; the
 * deform step here is exactly torchvision.ops.deform_conv2d. For v2 the predicted channels are
 * [Δ (2·offsetGroups·kH·kW), mask logits (offsetGroups·kH·kW)] and the mask is their sigmoid.
 */
import { ArgumentError } from '../errors.js';
import { ntuple } from '../ops/args.js';
import { deformConv2d, deformConv2dCost } from '../ops/deformable.js';
import * as E from '../tensor/elementwise.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { convParameters } from './init.js';
import { Module } from './module.js';

export interface DeformConv2dLayerOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
  offsetGroups?: number;
  bias?: boolean;
  /** v2: also predict a sigmoid modulation mask per tap */
  modulated?: boolean;
  generator?: Generator;
}

export class DeformConv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  convOffset: Conv2d;
  readonly kernelSize: [number, number];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly groups: number;
  readonly offsetGroups: number;
  readonly modulated: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | number[],
    opts: DeformConv2dLayerOptions = {},
  ) {
    super();
    const name = 'DeformConv2d';
    this.kernelSize = ntuple(name, 'kernelSize', kernelSize, 2, 1, 1) as [number, number];
    this.stride = ntuple(name, 'stride', opts.stride, 2, 1, 1);
    this.padding = ntuple(name, 'padding', opts.padding, 2, 0, 0);
    this.dilation = ntuple(name, 'dilation', opts.dilation, 2, 1, 1);
    this.groups = opts.groups ?? 1;
    this.offsetGroups = opts.offsetGroups ?? 1;
    this.modulated = opts.modulated ?? false;
    for (const [arg, v] of [
      ['groups', this.groups],
      ['offsetGroups', this.offsetGroups],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || inChannels % v !== 0)
        throw new ArgumentError(
          `${name}: ${arg} must be a positive integer dividing inChannels (${inChannels}), got ${v}`,
        );
    }
    if (outChannels % this.groups !== 0)
      throw new ArgumentError(`${name}: groups=${this.groups} must divide outChannels (${outChannels})`);
    const shape = [outChannels, inChannels / this.groups, ...this.kernelSize];
    ({ weight: this.weight, bias: this.bias } = convParameters(
      shape,
      outChannels,
      opts.bias,
      opts.generator,
    ));
    const taps = this.kernelSize[0] * this.kernelSize[1];
    this.convOffset = new Conv2d(
      inChannels,
      this.offsetGroups * (this.modulated ? 3 : 2) * taps,
      this.kernelSize,
      {
        stride: this.stride,
        padding: this.padding,
        dilation: this.dilation,
      },
    );
    this.convOffset.weight.data.fill(0);
    this.convOffset.bias!.data.fill(0);
  }

  forward(x: Tensor): Tensor {
    const o = this.convOffset.forward(x);
    const n = 2 * this.offsetGroups * this.kernelSize[0] * this.kernelSize[1];
    const offset = this.modulated ? o.slice(1, 0, n) : o;
    const mask = this.modulated ? E.sigmoid(o.slice(1, n)) : null;
    return deformConv2d(x, offset, this.weight, {
      bias: this.bias,
      mask,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
    });
  }

  /** The deformable step only (the offset convolution is counted as its own layer). */
  override macs(inputShape: number[]): number {
    return deformConv2dCost(inputShape, this.weight.shape, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      offsetGroups: this.offsetGroups,
      mask: this.modulated,
    }).macs;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}], offsetGroups=${this.offsetGroups}, modulated=${this.modulated}`;
  }
}
