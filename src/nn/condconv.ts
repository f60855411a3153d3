/**
 * CondConv2d (tensorflow/tpu CondConv2D): numExperts kernels [E, K, C/groups, k, k] and biases [E, K], routed
 * per example by sigmoid(routing(GAP(x))) with `routing` a Linear(C, E), as the EfficientNet-CondConv blocks do.
 */
import { ArgumentError } from '../errors.js';
import { condConv2d, condConvCost } from '../ops/condconv.js';
import * as E from '../tensor/elementwise.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { kaimingUniform, uniformParameter } from './init.js';
import { Linear } from './layers.js';
import { Module, Parameter } from './module.js';

export interface MixtureLayerOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  generator?: Generator;
}

/** Checks the channel/group arithmetic shared by CondConv2d and DynamicConv2d. */
export function checkMixture(
  name: string,
  inChannels: number,
  outChannels: number,
  experts: number,
  groups: number,
): void {
  for (const [arg, v] of [
    ['inChannels', inChannels],
    ['outChannels', outChannels],
    ['experts', experts],
    ['groups', groups],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`${name}: ${arg} must be a positive integer, got ${v}`);
  }
  if (inChannels % groups !== 0 || outChannels % groups !== 0)
    throw new ArgumentError(
      `${name}: groups=${groups} must divide inChannels (${inChannels}) and outChannels (${outChannels})`,
    );
}

/** Same-shaped initialisations joined into one leaf parameter along a new first dim. */
function stack(parts: Tensor[]): Tensor {
  const data = new Float32Array(parts.length * parts[0]!.size);
  parts.forEach((p, i) => {
    data.set(p.data, i * p.size);
  });
  return new Parameter(data, [parts.length, ...parts[0]!.shape]);
}

/** Expert kernels [E, K, C/g, k, k], each initialised as a Conv2d's, and biases [E, K]. */
export function expertParameters(
  experts: number,
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  opts: MixtureLayerOptions,
) {
  const shape = [outChannels, inChannels / (opts.groups ?? 1), kernelSize, kernelSize];
  const weight = stack(
    Array.from({ length: experts }, () => kaimingUniform(shape, Math.sqrt(5), opts.generator)),
  );
  const fanIn = shape[1]! * kernelSize * kernelSize;
  const bias =
    opts.bias === false
      ? null
      : uniformParameter([experts, outChannels], 1 / Math.sqrt(fanIn), opts.generator);
  return { weight, bias };
}

export class CondConv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  routing: Linear;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly opts: MixtureLayerOptions & { numExperts?: number } = {},
  ) {
    super();
    const experts = opts.numExperts ?? 4;
    checkMixture('CondConv2d', inChannels, outChannels, experts, opts.groups ?? 1);
    const { weight, bias } = expertParameters(experts, inChannels, outChannels, kernelSize, opts);
    this.weight = weight;
    this.bias = bias;
    this.routing = new Linear(inChannels, experts, { generator: opts.generator });
  }

  forward(x: Tensor): Tensor {
    const r = E.sigmoid(this.routing.forward(x.mean([2, 3])));
    return condConv2d(x, r, this.weight, { bias: this.bias, ...this.convOptions() });
  }

  private convOptions() {
    const { stride, padding, dilation, groups } = this.opts;
    return { stride, padding, dilation, groups };
  }

  /** The per-example convolution and the kernel mixing (the routing Linear counts itself). */
  override macs(inputShape: number[]): number {
    const c = condConvCost(inputShape, this.weight.shape, {
      ...this.convOptions(),
      bias: this.bias !== null,
    });
    return c.convMacs + c.mixingMacs;
  }
}
