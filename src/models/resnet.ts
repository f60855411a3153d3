/**
 * ResNet-50 and ResNeXt-50 (32×4d) as torchvision defines them (bottleneck blocks, stride on the 3×3, batch
 * norm after every convolution), so parameter counts can be checked against torchvision's: 25,557,032 and
 * 25,028,904. Weights are initialised like PyTorch's layers; use them for cost tables, summaries and receptive
 * fields, or train them.
 */
import { Conv2d, type ConvLayerOptions } from '../nn/conv.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  convBnForward,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { reluOfFresh } from '../nn/stage.js';
import { add } from '../tensor/elementwise.js';
import { disposeIntermediates, type Tensor } from '../tensor/tensor.js';

/** 1×1 → 3×3 (grouped, strided) → 1×1 with expansion 4, and a projection shortcut when shapes change. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(
    inplanes: number,
    planes: number,
    opts: { stride?: number; groups?: number; baseWidth?: number; strideIn1x1?: boolean } = {},
  ) {
    super();
    const stride = opts.stride ?? 1;
    // The original ResNet (v1) strides in the first 1×1; torchvision (v1.5) strides in the 3×3, which costs more.
    const [s1, s2] = opts.strideIn1x1 ? [stride, 1] : [1, stride];
    const groups = opts.groups ?? 1;
    const width = Math.floor(planes * ((opts.baseWidth ?? 64) / 64)) * groups;
    const out = planes * Bottleneck.expansion;
    const noBias: ConvLayerOptions = { bias: false };
    this.conv1 = new Conv2d(inplanes, width, 1, { ...noBias, stride: s1 });
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = new Conv2d(width, width, 3, { ...noBias, stride: s2, padding: 1, groups });
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = new Conv2d(width, out, 1, noBias);
    this.bn3 = new BatchNorm2d(out);
    this.downsample =
      stride !== 1 || inplanes !== out
        ? new Sequential(new Conv2d(inplanes, out, 1, { ...noBias, stride }), new BatchNorm2d(out))
        : null;
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      let y = convBnForward(this.conv1, this.bn1, x, true);
      y = convBnForward(this.conv2, this.bn2, y, true);
      y = convBnForward(this.conv3, this.bn3, y);
      return reluOfFresh(add(y, this.downsample === null ? x : this.downsample.forward(x)));
    });
  }
}

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  readonly maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  readonly flatten = new Flatten();
  readonly fc: Linear;

  constructor(
    layers: [number, number, number, number],
    opts: { numClasses?: number; groups?: number; widthPerGroup?: number; strideIn1x1?: boolean } = {},
  ) {
    super();
    this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    let inplanes = 64;
    const stage = (planes: number, blocks: number, stride: number) => {
      const list: Module[] = [];
      for (let i = 0; i < blocks; i++) {
        list.push(
          new Bottleneck(inplanes, planes, {
            stride: i === 0 ? stride : 1,
            groups: opts.groups,
            baseWidth: opts.widthPerGroup,
            strideIn1x1: opts.strideIn1x1,
          }),
        );
        inplanes = planes * Bottleneck.expansion;
      }
      return new Sequential(...list);
    };
    this.layer1 = stage(64, layers[0], 1);
    this.layer2 = stage(128, layers[1], 2);
    this.layer3 = stage(256, layers[2], 2);
    this.layer4 = stage(512, layers[3], 2);
    this.fc = new Linear(512 * Bottleneck.expansion, opts.numClasses ?? 1000);
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      let y = this.maxpool.forward(convBnForward(this.conv1, this.bn1, x, this.relu));
      for (const stage of [this.layer1, this.layer2, this.layer3, this.layer4]) y = stage.forward(y);
      return this.fc.forward(this.flatten.forward(this.avgpool.forward(y)));
    });
  }
}

/**
 * torchvision's resnet50: [3, 4, 6, 3] bottlenecks, 25,557,032 parameters. `variant: 'v1'` strides in the first
 * 1×1 of each down-sampling block as the paper's original model did (3.8 G multiply-adds instead of 4.1 G).
 */
export function resnet50(opts: { numClasses?: number; variant?: 'v1' | 'v1.5' } = {}): ResNet {
  return new ResNet([3, 4, 6, 3], { numClasses: opts.numClasses, strideIn1x1: opts.variant === 'v1' });
}

/** torchvision's resnext50_32x4d: 32 groups of width 4 in the 3×3, 25,028,904 parameters. */
export function resnext50_32x4d(opts: { numClasses?: number } = {}): ResNet {
  return new ResNet([3, 4, 6, 3], { ...opts, groups: 32, widthPerGroup: 4 });
}
