/**
 * SCConv (MCG-NKU/SCNet scnet.py): k2 = AvgPool(r) + conv3×3 + BN, k3 = conv3×3 + BN, k4 = conv3×3 (stride) + BN;
 * y = k4(k3(x) · sigmoid(x + nearest-upsample(k2(x), size of x))). The identity term needs outChannels =
 * inChannels, as in the code, where SCConv is always built with planes = inplanes.
 */
import { ArgumentError } from '../errors.js';
import { scConv, scConvCost } from '../ops/scconv.js';
import * as E from '../tensor/elementwise.js';
import type { Generator } from '../tensor/random.js';
import { cat } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { AvgPool2d, BatchNorm2d, convBnForward, Sequential } from './layers.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export interface SCConvOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  poolingR?: number;
  generator?: Generator;
}

export class SCConv extends Module {
  k2: Sequential;
  k3: Sequential;
  k4: Sequential;
  readonly poolingR: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly opts: SCConvOptions = {},
  ) {
    super();
    if (inChannels !== outChannels)
      throw new ArgumentError(
        `SCConv: outChannels (${outChannels}) must equal inChannels (${inChannels}) for the identity term`,
      );
    const r = opts.poolingR ?? 4;
    if (!Number.isInteger(r) || r < 1)
      throw new ArgumentError(`SCConv: poolingR must be a positive integer, got ${r}`);
    this.poolingR = r;
    const conv = (stride: number) =>
      new Conv2d(inChannels, outChannels, 3, {
        stride,
        padding: opts.padding ?? 1,
        dilation: opts.dilation ?? 1,
        groups: opts.groups ?? 1,
        bias: false,
        generator: opts.generator,
      });
    this.k2 = new Sequential(new AvgPool2d(r, { stride: r }), conv(1), new BatchNorm2d(outChannels));
    this.k3 = new Sequential(conv(1), new BatchNorm2d(outChannels));
    this.k4 = new Sequential(conv(opts.stride ?? 1), new BatchNorm2d(outChannels));
  }

  forward(x: Tensor): Tensor {
    const at = (s: Sequential, i: number) => stageOf(s.layers[i] as Conv2d, s.layers[i + 1] as BatchNorm2d);
    return scConv(
      x,
      { k2: at(this.k2, 1), k3: at(this.k3, 0), k4: at(this.k4, 0) },
      {
        stride: this.opts.stride,
        padding: this.opts.padding,
        dilation: this.opts.dilation,
        poolingR: this.poolingR,
      },
    );
  }

  cost(inputShape: number[]) {
    const [n, , h, w] = inputShape as [number, number, number, number];
    return scConvCost(this.inChannels, h, w, {
      poolingR: this.poolingR,
      stride: this.opts.stride,
      groups: this.opts.groups,
      batch: n,
    });
  }
}

export interface SCBottleneckOptions {
  stride?: number;
  cardinality?: number;
  bottleneckWidth?: number;
  poolingR?: number;
  generator?: Generator;
}

/**
 * SCNet's bottleneck (scnet.py SCBottleneck), where the paper's four convolutions meet: the input is reduced by
 * two 1×1 convolutions to two halves of width w = ⌊planes·bottleneckWidth/64⌋·cardinality; one half goes through
 * k1 (a plain 3×3 + BN), the other through SCConv (k2–k4); both ReLU, concatenated, 1×1 to planes·4 + BN, plus
 * the residual (a strided 1×1 + BN when the shape changes, as SCNet._make_layer adds it), ReLU. The code's
 * `avd` average-pool option is not reproduced.
 */
export class SCBottleneck extends Module {
  conv1A: Conv2d;
  bn1A: BatchNorm2d;
  conv1B: Conv2d;
  bn1B: BatchNorm2d;
  k1: Sequential;
  scconv: SCConv;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  downsample: Sequential | null;

  constructor(
    readonly inChannels: number,
    readonly planes: number,
    opts: SCBottleneckOptions = {},
  ) {
    super();
    const stride = opts.stride ?? 1;
    const card = opts.cardinality ?? 1;
    const width = Math.floor(planes * ((opts.bottleneckWidth ?? 32) / 64)) * card;
    if (width < 1)
      throw new ArgumentError(
        `SCBottleneck: planes·bottleneckWidth/64 must be at least 1, got width ${width}`,
      );
    const g = opts.generator;
    const conv1 = (cout: number) => new Conv2d(inChannels, cout, 1, { bias: false, generator: g });
    this.conv1A = conv1(width);
    this.bn1A = new BatchNorm2d(width);
    this.conv1B = conv1(width);
    this.bn1B = new BatchNorm2d(width);
    this.k1 = new Sequential(
      new Conv2d(width, width, 3, { stride, padding: 1, groups: card, bias: false, generator: g }),
      new BatchNorm2d(width),
    );
    this.scconv = new SCConv(width, width, {
      stride,
      padding: 1,
      groups: card,
      poolingR: opts.poolingR ?? 4,
      generator: g,
    });
    this.conv3 = new Conv2d(2 * width, planes * 4, 1, { bias: false, generator: g });
    this.bn3 = new BatchNorm2d(planes * 4);
    this.downsample =
      stride !== 1 || inChannels !== planes * 4
        ? new Sequential(
            new Conv2d(inChannels, planes * 4, 1, { stride, bias: false, generator: g }),
            new BatchNorm2d(planes * 4),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    const a = E.relu(this.k1.forward(convBnForward(this.conv1A, this.bn1A, x, true)));
    const b = E.relu(this.scconv.forward(convBnForward(this.conv1B, this.bn1B, x, true)));
    const out = convBnForward(this.conv3, this.bn3, cat([a, b], 1));
    const residual = this.downsample === null ? x : this.downsample.forward(x);
    return E.relu(E.add(out, residual));
  }
}
