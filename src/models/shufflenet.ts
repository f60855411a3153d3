/**
 * ShuffleNet v1 (Zhang et al. 2018) as the official ShuffleNet-Series code builds it: a strided 3×3 stem and a
 * max pool, three stages of ShuffleNet units (4, 8 and 4 units, the first of each with stride 2), global average
 * pooling and a bias-free classifier. At 1× with g = 3 the paper reports 140 M multiply-adds.
 */
import { Conv2d } from '../nn/conv.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { ShuffleNetUnit } from '../nn/shufflenet.js';
import { disposeIntermediates, type Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../errors.js';

/** Output channels of stages 2–4 at 1× for each group count (the paper's Table 1). */
const STAGE_CHANNELS: Record<number, [number, number, number]> = {
  1: [144, 288, 576],
  2: [200, 400, 800],
  3: [240, 480, 960],
  4: [272, 544, 1088],
  8: [384, 768, 1536],
};

export class ShuffleNetV1 extends Module {
  readonly firstConv: Sequential;
  readonly maxPool = new MaxPool2d(3, { stride: 2, padding: 1 });
  readonly features: Sequential;
  readonly globalPool = new AdaptiveAvgPool2d(1);
  readonly flatten = new Flatten();
  readonly classifier: Linear;

  constructor(opts: { groups?: number; widthMultiplier?: number; numClasses?: number } = {}) {
    super();
    const groups = opts.groups ?? 3;
    const base = STAGE_CHANNELS[groups];
    if (base === undefined)
      throw new ArgumentError(`ShuffleNetV1: groups must be 1, 2, 3, 4 or 8, got ${groups}`);
    const scale = opts.widthMultiplier ?? 1;
    // Scaled widths stay divisible by 4·groups so every grouped 1×1 splits evenly.
    const widths = base.map((c) => Math.max(4 * groups, Math.round((c * scale) / (4 * groups)) * 4 * groups));
    const stem = scale > 1 ? 48 : 24;
    this.firstConv = new Sequential(
      new Conv2d(3, stem, 3, { stride: 2, padding: 1, bias: false }),
      new BatchNorm2d(stem),
      new ReLU(),
    );
    const units: Module[] = [];
    let inC = stem;
    [4, 8, 4].forEach((repeats, stage) => {
      const outC = widths[stage]!;
      for (let i = 0; i < repeats; i++) {
        const stride = i === 0 ? 2 : 1;
        units.push(
          new ShuffleNetUnit(stride === 2 ? inC : outC, outC, {
            groups,
            stride,
            midChannels: Math.floor(outC / 4),
            firstGroup: stage === 0 && i === 0,
          }),
        );
        inC = outC;
      }
    });
    this.features = new Sequential(...units);
    this.classifier = new Linear(inC, opts.numClasses ?? 1000, { bias: false });
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      const y = this.features.forward(this.maxPool.forward(this.firstConv.forward(x)));
      return this.classifier.forward(this.flatten.forward(this.globalPool.forward(y)));
    });
  }
}

/** ShuffleNet v1 with g groups (default 3) at width 1×. */
export function shufflenetV1(
  opts: { groups?: number; widthMultiplier?: number; numClasses?: number } = {},
): ShuffleNetV1 {
  return new ShuffleNetV1(opts);
}
