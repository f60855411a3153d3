/**
 * GhostModule (huawei-noah GhostNet ghostnet.py): primaryConv = conv k×k (stride, no bias) + BN (+ ReLU), cheap
 * operation = depthwise dw×dw conv on the intrinsic maps + BN (+ ReLU), concatenated and cropped to outChannels.
 * Without ReLU the code puts an empty Sequential in the third slot; Identity plays that part here.
 */
import { checkRatio, ghostCost, ghostModule } from '../ops/ghost.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d, Identity, ReLU, Sequential } from './layers.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export interface GhostModuleOptions {
  kernelSize?: number;
  ratio?: number;
  dwSize?: number;
  stride?: number;
  relu?: boolean;
  generator?: Generator;
}

export class GhostModule extends Module {
  primaryConv: Sequential;
  cheapOperation: Sequential;
  readonly kernelSize: number;
  readonly ratio: number;
  readonly dwSize: number;
  readonly stride: number;
  readonly relu: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    opts: GhostModuleOptions = {},
  ) {
    super();
    this.kernelSize = opts.kernelSize ?? 1;
    this.ratio = checkRatio('GhostModule', opts.ratio ?? 2);
    this.dwSize = opts.dwSize ?? 3;
    this.stride = opts.stride ?? 1;
    this.relu = opts.relu ?? true;
    const init = Math.ceil(outChannels / this.ratio);
    const cheap = init * (this.ratio - 1);
    const act = () => ((opts.relu ?? true) ? new ReLU() : new Identity());
    const g = opts.generator;
    this.primaryConv = new Sequential(
      new Conv2d(inChannels, init, this.kernelSize, {
        stride: opts.stride ?? 1,
        padding: Math.floor(this.kernelSize / 2),
        bias: false,
        generator: g,
      }),
      new BatchNorm2d(init),
      act(),
    );
    this.cheapOperation = new Sequential(
      new Conv2d(init, cheap, this.dwSize, {
        padding: Math.floor(this.dwSize / 2),
        groups: init,
        bias: false,
        generator: g,
      }),
      new BatchNorm2d(cheap),
      act(),
    );
  }

  forward(x: Tensor): Tensor {
    const [primary, primaryBn] = this.primaryConv.layers as [Conv2d, BatchNorm2d];
    const [cheap, cheapBn] = this.cheapOperation.layers as [Conv2d, BatchNorm2d];
    return ghostModule(
      x,
      { primary: stageOf(primary, primaryBn), cheap: stageOf(cheap, cheapBn) },
      { outChannels: this.outChannels, stride: this.stride, relu: this.relu },
    );
  }

  /** Closed-form cost on an input [N, C, H, W]: primary and cheap multiply-adds and the speed-up over a plain conv. */
  cost(outputShape: number[]) {
    const [n, , h, w] = outputShape as [number, number, number, number];
    return ghostCost(this.inChannels, this.outChannels, this.kernelSize, this.ratio, this.dwSize, h * w, n);
  }
}
