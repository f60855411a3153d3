/**
 * GhostModule (huawei-noah GhostNet ghostnet.py): primaryConv = conv k×k (stride, no bias) + BN (+ ReLU), cheap
 * operation = depthwise dw×dw conv on the intrinsic maps + BN (+ ReLU), concatenated and cropped to outChannels.
 * Without ReLU the code puts an empty Sequential in the third slot; Identity plays that part here.
 */
import { checkRatio, ghostCost } from '../ops/ghost.js';
import type { Generator } from '../tensor/random.js';
import { cat } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d, Identity, ReLU, Sequential } from './layers.js';
import { Module } from './module.js';

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

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    opts: GhostModuleOptions = {},
  ) {
    super();
    this.kernelSize = opts.kernelSize ?? 1;
    this.ratio = checkRatio('GhostModule', opts.ratio ?? 2);
    this.dwSize = opts.dwSize ?? 3;
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
    const x1 = this.primaryConv.forward(x);
    return cat([x1, this.cheapOperation.forward(x1)], 1).slice(1, 0, this.outChannels);
  }

  /** Closed-form cost on an input [N, C, H, W]: primary and cheap multiply-adds and the speed-up over a plain conv. */
  cost(outputShape: number[]) {
    const [n, , h, w] = outputShape as [number, number, number, number];
    return ghostCost(this.inChannels, this.outChannels, this.kernelSize, this.ratio, this.dwSize, h * w, n);
  }
}
