/** The non-convolution layers of torch.nn that CNNs are built from, each a thin wrapper over a functional op. */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import type { IntOrTuple } from '../ops/args.js';
import { batchNorm } from '../ops/norm.js';
import {
  adaptiveAvgPool2d,
  type AvgPoolOptions,
  avgPool2d,
  interpolate,
  maxPool2d,
  type PoolOptions,
} from '../ops/pool.js';
import * as E from '../tensor/elementwise.js';
import { linear } from '../tensor/linalg.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { softmax } from '../tensor/reduce.js';
import { flatten } from '../tensor/shape.js';
import { bumpVersion, disposeIntermediates, isGradEnabled, Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { constantParameter, uniformParameter } from './init.js';
import { Module } from './module.js';

/** y = x Wᵀ + b, weight [out, in], PyTorch's default init U(±1/√in). */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean; generator?: Generator } = {},
  ) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = uniformParameter([outFeatures, inFeatures], bound, opts.generator);
    this.bias = opts.bias === false ? null : uniformParameter([outFeatures], bound, opts.generator);
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(
        `Linear: input's last dim must be ${this.inFeatures}, got shape ${fmtShape(x.shape)}`,
      );
    }
    return linear(x, this.weight, this.bias);
  }

  override macs(inputShape: number[]): number {
    return (inputShape.reduce((a, b) => a * b, 1) / this.inFeatures) * this.outFeatures * this.inFeatures;
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Batch normalisation over the channel dim: in training, normalise by the batch's mean and biased variance and
 * update the running statistics with the unbiased one (momentum 0.1); in eval, use the running statistics.
 */
abstract class BatchNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  declare runningMean: Tensor;
  declare runningVar: Tensor;
  declare numBatchesTracked: Tensor;

  constructor(
    readonly numFeatures: number,
    readonly opts: { eps?: number; momentum?: number; affine?: boolean },
    private readonly ranks: number[],
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new ArgumentError(
        `${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`,
      );
    }
    const affine = opts.affine ?? true;
    this.weight = affine ? constantParameter([numFeatures], 1) : null;
    this.bias = affine ? constantParameter([numFeatures], 0) : null;
    this.registerBuffer('runningMean', new Tensor(new Float32Array(numFeatures), [numFeatures]));
    this.registerBuffer('runningVar', new Tensor(new Float32Array(numFeatures).fill(1), [numFeatures]));
    this.registerBuffer('numBatchesTracked', new Tensor(new Float32Array(1), []));
  }

  get eps(): number {
    return this.opts.eps ?? 1e-5;
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${name}: input must have ${this.ranks.join(' or ')} dims with ${this.numFeatures} channels in dim 1, got ${fmtShape(x.shape)}`,
      );
    }
    if (this.training && x.size / this.numFeatures <= 1)
      throw new ShapeError(
        `${name}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
      );
    // One fused backend pass (src/ops/norm.ts), which also updates the running statistics when training.
    const y = batchNorm(
      x,
      this.runningMean,
      this.runningVar,
      this.weight,
      this.bias,
      this.training,
      this.opts.momentum ?? 0.1,
      this.eps,
    );
    if (this.training) {
      this.numBatchesTracked.data[0]! += 1;
      bumpVersion(this.numBatchesTracked);
    }
    return y;
  }

  // Counted as free, as cost tables do: at inference it folds into the preceding convolution.

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.opts.momentum ?? 0.1}`;
  }
}

export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: { eps?: number; momentum?: number; affine?: boolean } = {}) {
    super(numFeatures, opts, [2, 3]);
  }
}

export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: { eps?: number; momentum?: number; affine?: boolean } = {}) {
    super(numFeatures, opts, [4]);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return E.relu(x);
  }
}

export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return E.clamp(x, 0, 6);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return E.leakyRelu(x, this.negativeSlope);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return E.sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return E.tanh(x);
  }
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

export class MaxPool2d extends Module {
  readonly kernelSize: IntOrTuple;
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly dilation: IntOrTuple;
  readonly ceilMode: boolean;

  constructor(kernelSize: IntOrTuple, opts: PoolOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
}

export class AvgPool2d extends Module {
  readonly kernelSize: IntOrTuple;
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly dilation = 1;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: IntOrTuple, opts: AvgPoolOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: IntOrTuple) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

export class Upsample extends Module {
  constructor(
    readonly opts: {
      size?: IntOrTuple;
      scaleFactor?: number | number[];
      mode?: 'nearest' | 'bilinear';
      alignCorners?: boolean;
    },
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.opts);
  }
}

/** Zeroes each element with probability p in training and scales the rest by 1/(1−p); identity in eval. */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    readonly generator: Generator = defaultGenerator,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = new Float32Array(x.size);
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    for (let i = 0; i < keep.length; i++) keep[i] = this.generator.uniform() >= this.p ? scale : 0;
    return E.mul(x, new Tensor(keep, x.shape));
  }
}

/**
 * Whether conv → bn (→ relu) may run as one folded convolution (`Conv2d.forwardFolded`): both in eval mode, the
 * layers' own forward methods (not a subclass's, nor a wrapper such as `trace` installs, which must see each
 * layer run), and no gradient to record: under `noGrad`, or when neither x nor any parameter requires grad.
 */
function foldable(conv: Module, bn: Module, x: Tensor): boolean {
  return (
    conv instanceof Conv2d &&
    bn instanceof BatchNorm2d &&
    !conv.training &&
    !bn.training &&
    conv.forward === Conv2d.prototype.forward &&
    bn.forward === BatchNorm2d.prototype.forward &&
    bn.numFeatures === conv.outChannels &&
    // BatchNorm2d rejects anything but [N, C, H, W]; an unbatched input takes the unfused path and its error.
    x.ndim === 4 &&
    (!isGradEnabled() ||
      (!x.requiresGrad && ![conv.weight, conv.bias, bn.weight, bn.bias].some((p) => p?.requiresGrad)))
  );
}

function isPlainReLU(m: Module | undefined): boolean {
  return m instanceof ReLU && m.forward === ReLU.prototype.forward;
}

/**
 * bn(conv(x)), then a ReLU when `relu` is true or a ReLU module: in eval mode with no gradient to record, one
 * convolution with the batch norm folded into its weights (cached until they or the statistics change) and the
 * ReLU applied in place to its fresh output, as PyTorch's inference graphs fuse them; otherwise each layer runs
 * (a ReLU module is run, not fused, when its forward is wrapped). Models call it where they chain the three;
 * Sequential finds the chain by itself.
 */
export function convBnForward(
  conv: Conv2d,
  bn: BatchNorm2d,
  x: Tensor,
  relu: boolean | ReLU = false,
): Tensor {
  const module = relu instanceof ReLU ? relu : null;
  if (foldable(conv, bn, x)) {
    const fuseRelu = module === null ? relu === true : isPlainReLU(module);
    const y = conv.forwardFolded(x, bn, fuseRelu);
    return module !== null && !fuseRelu ? module.forward(y) : y;
  }
  const y = bn.forward(conv.forward(x));
  if (module !== null) return module.forward(y);
  return relu ? E.relu(y) : y;
}

/**
 * A new Conv2d computing bn(conv(x)) with bn's eval-mode statistics folded into its weight and bias, as PyTorch's
 * `torch.nn.utils.fusion.fuse_conv_bn_eval`: for exporting a deploy-time model. conv and bn are left unchanged.
 */
export function fuseConvBnEval(conv: Conv2d, bn: BatchNorm2d): Conv2d {
  if (!(conv instanceof Conv2d) || !(bn instanceof BatchNorm2d))
    throw new ArgumentError(
      `fuseConvBnEval: expected a Conv2d and a BatchNorm2d, got ${conv?.constructor?.name} and ${bn?.constructor?.name}`,
    );
  if (conv.training || bn.training)
    throw new ArgumentError(
      'fuseConvBnEval: conv and bn must be in eval mode (fusion folds the running statistics)',
    );
  if (bn.numFeatures !== conv.outChannels)
    throw new ShapeError(
      `fuseConvBnEval: the batch norm has ${bn.numFeatures} features but the convolution ${conv.outChannels} output channels`,
    );
  const fused = new Conv2d(conv.inChannels, conv.outChannels, conv.kernelSize, {
    stride: conv.stride,
    padding: conv.padding,
    dilation: conv.dilation,
    groups: conv.groups,
    paddingMode: conv.paddingMode,
    bias: true,
    // Its initial values are overwritten: a generator of its own leaves the default stream where it was.
    generator: new Generator(0),
  });
  const { weight, bias } = conv.foldedWith(bn);
  fused.weight.data.set(weight.data);
  fused.bias!.data.set(bias.data);
  fused.training = false;
  return fused;
}

/**
 * Runs its layers in order; children are named "0", "1", … as in PyTorch, so state dicts match. In eval mode with
 * no gradient to record, each Conv2d → BatchNorm2d (→ ReLU) runs as one folded convolution (`convBnForward`).
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module)) throw new ArgumentError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = layers;
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }

  get length(): number {
    return this.layers.length;
  }

  at(index: number): Module {
    const l = this.layers.at(index);
    if (l === undefined)
      throw new ArgumentError(`Sequential: index ${index} is out of range for ${this.layers.length} layers`);
    return l;
  }

  forward(x: Tensor): Tensor {
    return disposeIntermediates(() => {
      const layers = this.layers;
      let y = x;
      for (let i = 0; i < layers.length; i++) {
        const l = layers[i]!;
        const next = layers[i + 1];
        if (next !== undefined && foldable(l, next, y)) {
          const after = layers[i + 2];
          const relu = isPlainReLU(after) ? (after as ReLU) : false;
          y = convBnForward(l as Conv2d, next as BatchNorm2d, y, relu);
          i += relu ? 2 : 1;
        } else y = l.forward(y);
      }
      return y;
    });
  }
}
