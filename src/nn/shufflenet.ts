/**
 * ShuffleNetUnit, as the official ShuffleNet v1 code builds it (megvii-model/ShuffleNet-Series ShuffleV1Block):
 * branchMain1 = 1×1 group conv (groups 1 for the network's first unit, `firstGroup`) + BN + ReLU + depthwise k×k
 * (stride) + BN; channel shuffle; branchMain2 = 1×1 group conv + BN. Stride 1: ReLU(x + branch). Stride 2:
 * concat(avgPool3×3/2(x), ReLU(branch)), the branch making outChannels − inChannels channels.
 * The paper's figure shuffles before the depthwise conv and applies ReLU after the concat; the code (followed
 * here) shuffles after it, with reshape(n, C/g, g)ᵀ, i.e. channelShuffle(y, C/g), and ReLUs the branch only.
 */
import { ArgumentError } from '../errors.js';
import { shuffleNetUnit, shuffleNetUnitCost } from '../ops/shufflenet.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d, ReLU, Sequential } from './layers.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export interface ShuffleNetUnitOptions {
  groups?: number;
  midChannels?: number;
  stride?: number;
  kernelSize?: number;
  firstGroup?: boolean;
  generator?: Generator;
}

export class ShuffleNetUnit extends Module {
  branchMain1: Sequential;
  branchMain2: Sequential;
  readonly groups: number;
  readonly stride: number;
  readonly midChannels: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly opts: ShuffleNetUnitOptions = {},
  ) {
    super();
    const name = 'ShuffleNetUnit';
    this.groups = opts.groups ?? 3;
    this.stride = opts.stride ?? 1;
    this.midChannels = opts.midChannels ?? Math.floor(outChannels / 4);
    const g = this.groups;
    const mid = this.midChannels;
    if (this.stride !== 1 && this.stride !== 2)
      throw new ArgumentError(`${name}: stride must be 1 or 2, got ${this.stride}`);
    const branchOut = this.stride === 2 ? outChannels - inChannels : outChannels;
    if (this.stride === 1 && inChannels !== outChannels)
      throw new ArgumentError(
        `${name}: stride 1 adds the input, so outChannels (${outChannels}) must equal inChannels (${inChannels})`,
      );
    if (branchOut < 1)
      throw new ArgumentError(
        `${name}: stride 2 needs outChannels > inChannels, got ${outChannels} <= ${inChannels}`,
      );
    const g1 = opts.firstGroup ? 1 : g;
    for (const [arg, v, div] of [
      ['inChannels', inChannels, g1],
      ['midChannels', mid, g],
      ['output channels of the branch', branchOut, g],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || v % div !== 0)
        throw new ArgumentError(`${name}: ${arg} (${v}) must be a positive multiple of groups (${div})`);
    }
    const k = opts.kernelSize ?? 3;
    const gen = opts.generator;
    this.branchMain1 = new Sequential(
      new Conv2d(inChannels, mid, 1, { groups: g1, bias: false, generator: gen }),
      new BatchNorm2d(mid),
      new ReLU(),
      new Conv2d(mid, mid, k, {
        stride: this.stride,
        padding: Math.floor(k / 2),
        groups: mid,
        bias: false,
        generator: gen,
      }),
      new BatchNorm2d(mid),
    );
    this.branchMain2 = new Sequential(
      new Conv2d(mid, branchOut, 1, { groups: g, bias: false, generator: gen }),
      new BatchNorm2d(branchOut),
    );
    // The reference names them branch_main_1 and branch_main_2.
    this.setStateKey('branchMain1', 'branch_main_1');
    this.setStateKey('branchMain2', 'branch_main_2');
  }

  forward(x: Tensor): Tensor {
    const [conv1, bn1, , depthwise, bn2] = this.branchMain1.layers as [
      Conv2d,
      BatchNorm2d,
      ReLU,
      Conv2d,
      BatchNorm2d,
    ];
    const [conv2, bn3] = this.branchMain2.layers as [Conv2d, BatchNorm2d];
    return shuffleNetUnit(
      x,
      { conv1: stageOf(conv1, bn1), depthwise: stageOf(depthwise, bn2), conv2: stageOf(conv2, bn3) },
      { groups: this.groups, stride: this.stride },
    );
  }

  cost(inputShape: number[]) {
    const [n, , h, w] = inputShape as [number, number, number, number];
    return shuffleNetUnitCost(this.inChannels, this.outChannels, this.midChannels, this.groups, h, w, {
      stride: this.stride,
      firstGroup: this.opts.firstGroup,
      kernelSize: this.opts.kernelSize,
      batch: n,
    });
  }
}
