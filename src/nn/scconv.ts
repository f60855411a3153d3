/**
 * SCConv (MCG-NKU/SCNet scnet.py): k2 = AvgPool(r) + conv3×3 + BN, k3 = conv3×3 + BN, k4 = conv3×3 (stride) + BN;
 * y = k4(k3(x) · sigmoid(x + nearest-upsample(k2(x), size of x))). The identity term needs outChannels =
 * inChannels, as in the code, where SCConv is always built with planes = inplanes.
 */
import { ArgumentError } from '../errors.js';
import { scConvCost } from '../ops/scconv.js';
import { interpolate } from '../ops/pool.js';
import * as E from '../tensor/elementwise.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { AvgPool2d, BatchNorm2d, Sequential } from './layers.js';
import { Module } from './module.js';

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
    const [, , h, w] = x.shape as [number, number, number, number];
    const calib = E.sigmoid(E.add(x, interpolate(this.k2.forward(x), { size: [h, w] })));
    return this.k4.forward(E.mul(this.k3.forward(x), calib));
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
