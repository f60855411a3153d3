/**
 * MobileNetV1 (Howard et al. 2017, Table 1): a strided 3×3 convolution, thirteen depthwise separable blocks
 * (each depthwise 3×3 + BN + ReLU, pointwise 1×1 + BN + ReLU), global average pooling and a classifier.
 * At width multiplier 1.0 and 224×224 input the paper reports 4.2 M parameters and 569 M multiply-adds.
 */
import { Conv2d } from '../nn/conv.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Flatten, Linear, ReLU, Sequential } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { disposeIntermediates, type Tensor } from '../tensor/tensor.js';

/** [output channels, stride] of the thirteen depthwise separable blocks of Table 1. */
const BLOCKS: [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

export class MobileNetV1 extends Module {
  readonly features: Sequential;
  readonly pool = new AdaptiveAvgPool2d(1);
  readonly flatten = new Flatten();
  readonly classifier: Linear;

  constructor(opts: { widthMultiplier?: number; numClasses?: number } = {}) {
    super();
    const alpha = opts.widthMultiplier ?? 1;
    const ch = (c: number) => Math.max(8, Math.round(c * alpha));
    const layers: Module[] = [
      new Conv2d(3, ch(32), 3, { stride: 2, padding: 1, bias: false }),
      new BatchNorm2d(ch(32)),
      new ReLU(),
    ];
    let inC = ch(32);
    for (const [c, stride] of BLOCKS) {
      const outC = ch(c);
      layers.push(
        new Conv2d(inC, inC, 3, { stride, padding: 1, groups: inC, bias: false }),
        new BatchNorm2d(inC),
        new ReLU(),
        new Conv2d(inC, outC, 1, { bias: false }),
        new BatchNorm2d(outC),
        new ReLU(),
      );
      inC = outC;
    }
    this.features = new Sequential(...layers);
    this.classifier = new Linear(inC, opts.numClasses ?? 1000);
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      return this.classifier.forward(this.flatten.forward(this.pool.forward(this.features.forward(x))));
    });
  }
}
