/** HetConv: the heterogeneous kernel layer (see ops/hetconv.ts for the layout and the exact rewrite). */
import { checkPart, hetConv2d, hetConvCost } from '../ops/hetconv.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { kaimingUniform, uniformParameter } from './init.js';
import { Module } from './module.js';

export class HetConv extends Module {
  /** the k×k kernels [K, C/P, k, k] */
  weight: Tensor;
  /** the 1×1 kernels of the other channels [K, C − C/P, 1, 1] (null when P = 1) */
  pointwise: Tensor | null;
  bias: Tensor | null;
  readonly part: number;
  readonly stride: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: { part: number; stride?: number; bias?: boolean; generator?: Generator },
  ) {
    super();
    this.part = checkPart('HetConv', opts.part, inChannels, outChannels);
    this.stride = opts.stride ?? 1;
    const cpg = inChannels / this.part;
    this.weight = kaimingUniform([outChannels, cpg, kernelSize, kernelSize], Math.sqrt(5), opts.generator);
    this.pointwise =
      this.part > 1
        ? kaimingUniform([outChannels, inChannels - cpg, 1, 1], Math.sqrt(5), opts.generator)
        : null;
    const fanIn = cpg * kernelSize * kernelSize + inChannels - cpg;
    this.bias = opts.bias ? uniformParameter([outChannels], 1 / Math.sqrt(fanIn), opts.generator) : null;
  }

  forward(x: Tensor): Tensor {
    return hetConv2d(x, this.weight, this.pointwise, {
      part: this.part,
      stride: this.stride,
      bias: this.bias,
    });
  }

  override macs(_inputShape: number[], outputShape: number[]): number {
    const [n, , h, w] = outputShape as [number, number, number, number];
    return hetConvCost(this.inChannels, this.outChannels, this.kernelSize, this.part, h * w, n).macs;
  }
}
