/**
 * OctaveConv (d-li14/octconv.pytorch): high/low-frequency feature pairs. `forwardPair(xHigh, xLow?)` returns
 * [yHigh, yLow | null] exactly as the reference's forward returns its tuple: the first layer of an octave stack
 * takes a plain tensor (αin = 0) and the last returns yLow = null (αout = 0). `forward` returns the high output
 * alone, so the layer also composes as an ordinary Module (for instance with αout = 0). The groups of the L→L and
 * H→H paths are ⌈αin·groups⌉ and ⌈groups − αin·groups⌉ as in the code. The code's depthwise special case
 * (groups = inChannels, no cross paths) is not reproduced: such a layer is rejected.
 */
import { ArgumentError } from '../errors.js';
import { checkAlpha, octaveConv2d, octaveCost, octaveSplit } from '../ops/octave.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { Module } from './module.js';
import { stageOf } from './stage.js';

export interface OctaveConvOptions {
  alphaIn?: number;
  alphaOut?: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  generator?: Generator;
}

export class OctaveConv extends Module {
  convL2l: Conv2d | null;
  convL2h: Conv2d | null;
  convH2l: Conv2d | null;
  convH2h: Conv2d;
  readonly alphaIn: number;
  readonly alphaOut: number;
  readonly stride: number;
  /** The groups asked for (each path derives its own from it); also when αin = αout = 0 leaves no cross path. */
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: OctaveConvOptions = {},
  ) {
    super();
    const name = 'OctaveConv';
    this.alphaIn = checkAlpha(name, 'alphaIn', opts.alphaIn ?? 0.5);
    this.alphaOut = checkAlpha(name, 'alphaOut', opts.alphaOut ?? 0.5);
    this.stride = opts.stride ?? 1;
    if (this.stride !== 1 && this.stride !== 2)
      throw new ArgumentError(`${name}: stride must be 1 or 2, got ${this.stride}`);
    const groups = opts.groups ?? 1;
    this.groups = groups;
    if (groups === inChannels && groups > 1)
      throw new ArgumentError(
        `${name}: depthwise octave convolution (groups = inChannels = ${groups}) is not supported`,
      );
    const i = octaveSplit(inChannels, this.alphaIn);
    const o = octaveSplit(outChannels, this.alphaOut);
    const conv = (cin: number, cout: number, g: number) =>
      new Conv2d(cin, cout, kernelSize, {
        padding: opts.padding ?? 0,
        dilation: opts.dilation ?? 1,
        groups: g,
        bias: opts.bias ?? false,
        generator: opts.generator,
      });
    const lowIn = this.alphaIn > 0;
    const lowOut = this.alphaOut > 0;
    this.convL2l = lowIn && lowOut ? conv(i.low, o.low, Math.ceil(this.alphaIn * groups)) : null;
    this.convL2h = lowIn ? conv(i.low, o.high, groups) : null;
    this.convH2l = lowOut ? conv(i.high, o.low, groups) : null;
    this.convH2h = conv(i.high, o.high, Math.ceil(groups - this.alphaIn * groups));
  }

  /** [yHigh, yLow] for a high input and, when αin > 0, a low input at half its resolution. */
  forwardPair(xHigh: Tensor, xLow?: Tensor | null): [Tensor, Tensor | null] {
    const stage = (c: Conv2d | null) => (c === null ? null : stageOf(c));
    const c = this.convH2h;
    return octaveConv2d(
      xHigh,
      xLow,
      { h2h: stageOf(c), h2l: stage(this.convH2l), l2h: stage(this.convL2h), l2l: stage(this.convL2l) },
      { stride: this.stride, padding: (c.padding as number[])[0], dilation: c.dilation[0] },
    );
  }

  /** The high-frequency output (see forwardPair for both). */
  forward(xHigh: Tensor, xLow?: Tensor): Tensor {
    return this.forwardPair(xHigh, xLow)[0];
  }

  /** Closed-form multiply-adds for a high input [N, C, H, W] and the ratio to a plain convolution. */
  cost(inputShape: number[]) {
    const [n, , h, w] = inputShape as [number, number, number, number];
    return octaveCost(this.inChannels, this.outChannels, this.kernelSize, this.alphaIn, this.alphaOut, h, w, {
      stride: this.stride,
      groups: this.groups,
      batch: n,
    });
  }
}
