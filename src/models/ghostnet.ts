/**
 * GhostNet (Han et al. 2020) as huawei-noah's ghostnet.py builds it: a strided 3×3 stem, sixteen ghost
 * bottlenecks (two Ghost modules, a depthwise convolution when strided, squeeze-and-excite in some), a 1×1
 * convolution to 960 channels, global pooling, a 1×1 head to 1280 and the classifier. At width 1.0 the paper
 * reports 5.2 M parameters and 141 M multiply-adds.
 */
import { Conv2d } from '../nn/conv.js';
import { GhostModule } from '../nn/ghost.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  convBnForward,
  Dropout,
  Flatten,
  Identity,
  Linear,
  ReLU,
  Sequential,
} from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { add, clamp, div, mul, relu } from '../tensor/elementwise.js';
import { disposeIntermediates, type Tensor } from '../tensor/tensor.js';

/** The reference's channel rounding: to a multiple of `divisor`, never more than 10 % below v. */
function makeDivisible(v: number, divisor = 4): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** Squeeze-and-excite with the hard sigmoid gate relu6(x + 3) / 6. */
export class SqueezeExcite extends Module {
  readonly avgPool = new AdaptiveAvgPool2d(1);
  readonly convReduce: Conv2d;
  readonly convExpand: Conv2d;

  constructor(channels: number, ratio: number) {
    super();
    const reduced = makeDivisible(channels * ratio);
    this.convReduce = new Conv2d(channels, reduced, 1);
    this.convExpand = new Conv2d(reduced, channels, 1);
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      const s = this.convExpand.forward(relu(this.convReduce.forward(this.avgPool.forward(x))));
      return mul(x, div(clamp(add(s, 3), 0, 6), 6));
    });
  }
}

export class GhostBottleneck extends Module {
  readonly ghost1: GhostModule;
  readonly convDw: Conv2d | null;
  readonly bnDw: BatchNorm2d | null;
  readonly se: SqueezeExcite | null;
  readonly ghost2: GhostModule;
  readonly shortcut: Sequential;

  constructor(inC: number, midC: number, outC: number, k: number, stride: number, seRatio: number) {
    super();
    this.ghost1 = new GhostModule(inC, midC, { relu: true });
    this.convDw =
      stride > 1
        ? new Conv2d(midC, midC, k, { stride, padding: (k - 1) >> 1, groups: midC, bias: false })
        : null;
    this.bnDw = stride > 1 ? new BatchNorm2d(midC) : null;
    this.se = seRatio > 0 ? new SqueezeExcite(midC, seRatio) : null;
    this.ghost2 = new GhostModule(midC, outC, { relu: false });
    this.shortcut =
      inC === outC && stride === 1
        ? new Sequential(new Identity())
        : new Sequential(
            new Conv2d(inC, inC, k, { stride, padding: (k - 1) >> 1, groups: inC, bias: false }),
            new BatchNorm2d(inC),
            new Conv2d(inC, outC, 1, { bias: false }),
            new BatchNorm2d(outC),
          );
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      let y = this.ghost1.forward(x);
      if (this.convDw !== null && this.bnDw !== null) y = convBnForward(this.convDw, this.bnDw, y);
      if (this.se !== null) y = this.se.forward(y);
      y = this.ghost2.forward(y);
      return add(y, this.shortcut.forward(x));
    });
  }
}

/** [kernel, expansion, output channels, SE ratio, stride] per bottleneck, from the reference configuration. */
const CONFIG: [number, number, number, number, number][] = [
  [3, 16, 16, 0, 1],
  [3, 48, 24, 0, 2],
  [3, 72, 24, 0, 1],
  [5, 72, 40, 0.25, 2],
  [5, 120, 40, 0.25, 1],
  [3, 240, 80, 0, 2],
  [3, 200, 80, 0, 1],
  [3, 184, 80, 0, 1],
  [3, 184, 80, 0, 1],
  [3, 480, 112, 0.25, 1],
  [3, 672, 112, 0.25, 1],
  [5, 672, 160, 0.25, 2],
  [5, 960, 160, 0, 1],
  [5, 960, 160, 0.25, 1],
  [5, 960, 160, 0, 1],
  [5, 960, 160, 0.25, 1],
];

export class GhostNet extends Module {
  readonly convStem: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly act1 = new ReLU();
  readonly blocks: Sequential;
  readonly convLast: Sequential;
  readonly globalPool = new AdaptiveAvgPool2d(1);
  readonly convHead: Conv2d;
  readonly act2 = new ReLU();
  readonly flatten = new Flatten();
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(opts: { width?: number; numClasses?: number; dropout?: number } = {}) {
    super();
    const width = opts.width ?? 1;
    let inC = makeDivisible(16 * width);
    this.convStem = new Conv2d(3, inC, 3, { stride: 2, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(inC);
    const blocks: Module[] = [];
    for (const [k, exp, c, se, s] of CONFIG) {
      const outC = makeDivisible(c * width);
      blocks.push(new GhostBottleneck(inC, makeDivisible(exp * width), outC, k, s, se));
      inC = outC;
    }
    this.blocks = new Sequential(...blocks);
    const last = makeDivisible(960 * width);
    this.convLast = new Sequential(
      new Conv2d(inC, last, 1, { bias: false }),
      new BatchNorm2d(last),
      new ReLU(),
    );
    this.convHead = new Conv2d(last, 1280, 1);
    this.dropout = new Dropout(opts.dropout ?? 0.2);
    this.classifier = new Linear(1280, opts.numClasses ?? 1000);
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      let y = convBnForward(this.convStem, this.bn1, x, this.act1);
      y = this.convLast.forward(this.blocks.forward(y));
      y = this.act2.forward(this.convHead.forward(this.globalPool.forward(y)));
      return this.classifier.forward(this.dropout.forward(this.flatten.forward(y)));
    });
  }
}

/** GhostNet at the given width (default 1.0). */
export function ghostnet(opts: { width?: number; numClasses?: number; dropout?: number } = {}): GhostNet {
  return new GhostNet(opts);
}
