/**
 * InceptionBlock: GoogLeNet's four-branch module as torchvision builds it: BasicConv2d (convolution without bias,
 * batch norm with eps 1e-3, ReLU) in every branch, branch 4 a 3×3 stride-1 max-pool (ceilMode) then a 1×1.
 * Branch 3 uses the paper's 5×5 by default; torchvision has 3×3 there (kept for its weights), `branch3Kernel: 3`
 * gives torchvision's module exactly. `inception3a()` has the paper's inception(3a) shapes: 192 → 256 channels.
 */
import { ArgumentError } from '../errors.js';
import { type InceptionChannels, inceptionBlock, inceptionCost } from '../ops/inception.js';
import { maxPool2d } from '../ops/pool.js';
import type { ConvStage } from '../ops/stage.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d, convBnForward, Sequential } from './layers.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export class BasicConv2d extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    opts: { padding?: number; generator?: Generator } = {},
  ) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, {
      padding: opts.padding ?? 0,
      bias: false,
      generator: opts.generator,
    });
    this.bn = new BatchNorm2d(outChannels, { eps: 0.001 });
  }
  forward(x: Tensor): Tensor {
    return convBnForward(this.conv, this.bn, x, true);
  }
}

/** 3×3 max-pool, stride 1, padding 1, ceilMode (torchvision's branch 4). */
class MaxPool3x3 extends Module {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, 3, { stride: 1, padding: 1, ceilMode: true });
  }
}

export class InceptionBlock extends Module {
  branch1: BasicConv2d;
  branch2: Sequential;
  branch3: Sequential;
  branch4: Sequential;

  constructor(
    readonly channels: InceptionChannels,
    opts: { generator?: Generator } = {},
  ) {
    super();
    const c = channels;
    const k5 = c.branch3Kernel ?? 5;
    for (const [name, v] of Object.entries(c)) {
      if (!Number.isInteger(v) || (v as number) < 1)
        throw new ArgumentError(`InceptionBlock: ${name} must be a positive integer, got ${v}`);
    }
    if (k5 % 2 === 0)
      throw new ArgumentError(`InceptionBlock: branch3Kernel must be odd to keep the size, got ${k5}`);
    const g = opts.generator;
    this.branch1 = new BasicConv2d(c.inChannels, c.ch1x1, 1, { generator: g });
    this.branch2 = new Sequential(
      new BasicConv2d(c.inChannels, c.ch3x3red, 1, { generator: g }),
      new BasicConv2d(c.ch3x3red, c.ch3x3, 3, { padding: 1, generator: g }),
    );
    this.branch3 = new Sequential(
      new BasicConv2d(c.inChannels, c.ch5x5red, 1, { generator: g }),
      new BasicConv2d(c.ch5x5red, c.ch5x5, k5, { padding: (k5 - 1) / 2, generator: g }),
    );
    this.branch4 = new Sequential(
      new MaxPool3x3(),
      new BasicConv2d(c.inChannels, c.poolProj, 1, { generator: g }),
    );
  }

  forward(x: Tensor): Tensor {
    const basic = (m: Module) => stageOf((m as BasicConv2d).conv, (m as BasicConv2d).bn);
    const pair = (s: Sequential): [ConvStage, ConvStage] => [basic(s.layers[0]!), basic(s.layers[1]!)];
    return inceptionBlock(x, {
      branch1: basic(this.branch1),
      branch2: pair(this.branch2),
      branch3: pair(this.branch3),
      branch4: basic(this.branch4.layers[1]!),
    });
  }

  /** Closed-form cost (convolutions' multiply-adds, the paper's convention) on an input [N, C, H, W]. */
  cost(inputShape: number[]) {
    const [n, , h, w] = inputShape as [number, number, number, number];
    return inceptionCost(this.channels, h, w, n);
  }
}

/** GoogLeNet's inception(3a): 192 → 64 + 128 + 32 + 32 = 256 channels, on 28×28 in the network. */
export function inception3a(opts: { branch3Kernel?: number; generator?: Generator } = {}): InceptionBlock {
  return new InceptionBlock(
    {
      inChannels: 192,
      ch1x1: 64,
      ch3x3red: 96,
      ch3x3: 128,
      ch5x5red: 16,
      ch5x5: 32,
      poolProj: 32,
      branch3Kernel: opts.branch3Kernel ?? 5,
    },
    { generator: opts.generator },
  );
}
