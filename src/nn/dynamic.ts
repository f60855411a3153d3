/** DynamicConv2d: K kernels, attention softmax(fc2(relu(fc1(GAP(x)))) / τ), τ settable and annealable. */
import { condConvCost } from '../ops/condconv.js';
import { annealedTemperature, checkTemperature, dynamicConv2d, kernelAttention } from '../ops/dynamic.js';
import * as E from '../tensor/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkMixture, expertParameters, type MixtureLayerOptions } from './condconv.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

export class DynamicConv2d extends Module {
  fc1: Linear;
  fc2: Linear;
  weight: Tensor;
  bias: Tensor | null;
  temperature: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly opts: MixtureLayerOptions & {
      numKernels?: number;
      reduction?: number;
      temperature?: number;
    } = {},
  ) {
    super();
    const k = opts.numKernels ?? 4;
    checkMixture('DynamicConv2d', inChannels, outChannels, k, opts.groups ?? 1);
    this.temperature = checkTemperature('DynamicConv2d', opts.temperature ?? 30);
    const hidden = Math.max(Math.floor(inChannels / (opts.reduction ?? 4)), 1);
    this.fc1 = new Linear(inChannels, hidden, { generator: opts.generator });
    this.fc2 = new Linear(hidden, k, { generator: opts.generator });
    const { weight, bias } = expertParameters(k, inChannels, outChannels, kernelSize, opts);
    this.weight = weight;
    this.bias = bias;
  }

  setTemperature(t: number): this {
    this.temperature = checkTemperature('DynamicConv2d.setTemperature', t);
    return this;
  }

  /** Sets τ for `epoch` on the paper's linear schedule (30 → 1 over 10 epochs unless given) and returns it. */
  annealTemperature(epoch: number, schedule: { start?: number; end?: number; epochs?: number } = {}): number {
    this.temperature = annealedTemperature(epoch, schedule);
    return this.temperature;
  }

  /** The attention over the kernels for an input, [N, K]. */
  attention(x: Tensor): Tensor {
    return kernelAttention(this.fc2.forward(E.relu(this.fc1.forward(x.mean([2, 3])))), this.temperature);
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this.opts;
    return dynamicConv2d(x, this.attention(x), this.weight, {
      bias: this.bias,
      stride,
      padding,
      dilation,
      groups,
    });
  }

  override macs(inputShape: number[]): number {
    const { stride, padding, dilation, groups } = this.opts;
    const c = condConvCost(inputShape, this.weight.shape, {
      stride,
      padding,
      dilation,
      groups,
      bias: this.bias !== null,
    });
    return c.convMacs + c.mixingMacs;
  }
}
