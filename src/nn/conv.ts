/**
 * Convolution layers (torch.nn.Conv1d/2d/3d, ConvTranspose1d/2d/3d) and the two separable layers. They hold the
 * parameters, check the configuration once in the constructor, and call the functional op.
 */
import { ArgumentError } from '../errors.js';
import { type BatchNormState, fuseConvBn } from '../ops/acnet.js';
import { type IntOrTuple, ntuple, type Padding, type PaddingMode } from '../ops/args.js';
import { conv1d, conv2d, conv3d, convCost } from '../ops/conv.js';
import { convTranspose1d, convTranspose2d, convTranspose3d, convTransposeCost } from '../ops/transposed.js';
import { getBackend } from '../backend/index.js';
import type { Generator } from '../tensor/random.js';
import { bumpVersion, type Tensor } from '../tensor/tensor.js';
import { convParameters } from './init.js';
import { Module, modeSwitchCount } from './module.js';

export interface ConvLayerOptions {
  stride?: IntOrTuple;
  padding?: Padding;
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
  generator?: Generator;
}

function checkChannels(layer: string, inChannels: number, outChannels: number, groups: number): void {
  for (const [name, v] of [
    ['inChannels', inChannels],
    ['outChannels', outChannels],
    ['groups', groups],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`${layer}: ${name} must be a positive integer, got ${v}`);
  }
  if (inChannels % groups !== 0)
    throw new ArgumentError(`${layer}: groups=${groups} must divide inChannels (${inChannels})`);
  if (outChannels % groups !== 0)
    throw new ArgumentError(`${layer}: groups=${groups} must divide outChannels (${outChannels})`);
}

abstract class ConvNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: Padding;
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    readonly nd: number,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvLayerOptions,
  ) {
    super();
    const name = `Conv${nd}d`;
    this.groups = opts.groups ?? 1;
    checkChannels(name, inChannels, outChannels, this.groups);
    this.kernelSize = ntuple(name, 'kernelSize', kernelSize, nd, 1, 1);
    this.stride = ntuple(name, 'stride', opts.stride, nd, 1, 1);
    this.dilation = ntuple(name, 'dilation', opts.dilation, nd, 1, 1);
    this.padding =
      typeof opts.padding === 'string' ? opts.padding : ntuple(name, 'padding', opts.padding, nd, 0, 0);
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) {
      throw new ArgumentError(`${name}: padding='same' is not supported for strided convolutions`);
    }
    this.paddingMode = opts.paddingMode ?? 'zeros';
    const shape = [outChannels, inChannels / this.groups, ...this.kernelSize];
    ({ weight: this.weight, bias: this.bias } = convParameters(
      shape,
      outChannels,
      opts.bias,
      opts.generator,
    ));
  }

  protected options() {
    return {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
    };
  }

  override macs(inputShape: number[]): number {
    const { bias: _b, ...opts } = this.options();
    return convCost(this.nd, inputShape, this.weight.shape, opts).macs;
  }

  override extraRepr(): string {
    const parts = [
      `${this.inChannels}, ${this.outChannels}`,
      `kernelSize=[${this.kernelSize}]`,
      `stride=[${this.stride}]`,
    ];
    if (this.padding !== 0 && !(Array.isArray(this.padding) && this.padding.every((p) => p === 0)))
      parts.push(`padding=${JSON.stringify(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=[${this.dilation}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode=${this.paddingMode}`);
    return parts.join(', ');
  }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.options());
  }
}

/** A folded weight and bias, and what they were computed from (each tensor with its version). */
interface Folded {
  norm: BatchNormState;
  eps: number;
  sources: (Tensor | null)[];
  versions: number[];
  modeSwitches: number;
  weight: Tensor;
  bias: Tensor;
}

export class Conv2d extends ConvNd {
  /** The weights of the last batch norm folded into this convolution (a private field: not state, not a child). */
  #folded: Folded | null = null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    // Training changes the weights every step: a folded copy kept from an earlier eval is only memory.
    if (this.training) this.#folded = null;
    return conv2d(x, this.weight, this.options());
  }

  /**
   * norm(conv(x)) (then ReLU when `relu`) in one convolution, for a batch norm in eval mode: its affine map folds
   * into the weight and bias, w' = w·γ/√(var + ε) per output channel, b' = (b − mean)·γ/√(var + ε) + β, as PyTorch's
   * fuse_conv_bn_eval. The folded tensors are cached and recomputed when any tensor they come from changes
   * version (an optimizer step, a state-dict load, training statistics) or a module switches mode. The ReLU runs
   * in place on the convolution's fresh output. Not differentiable with respect to the norm: callers use it only
   * where no gradient is recorded (`convBnForward` in layers.ts decides).
   */
  forwardFolded(x: Tensor, norm: BatchNormState, relu = false): Tensor {
    const { weight, bias } = this.foldedWith(norm);
    const y = conv2d(x, weight, { ...this.options(), bias });
    if (relu) {
      getBackend().unary('relu', y.data, y.data, 0, 0);
      bumpVersion(y);
    }
    return y;
  }

  /** The weight and bias of this convolution with norm folded in (cached; see forwardFolded). */
  foldedWith(norm: BatchNormState): { weight: Tensor; bias: Tensor } {
    const sources = [this.weight, this.bias, norm.weight, norm.bias, norm.runningMean, norm.runningVar];
    const f = this.#folded;
    if (
      f !== null &&
      f.norm === norm &&
      f.eps === norm.eps &&
      f.modeSwitches === modeSwitchCount() &&
      sources.every((t, i) => t === f.sources[i] && (t?._version ?? 0) === f.versions[i])
    )
      return f;
    const { weight, bias } = fuseConvBn(this.weight, norm);
    if (this.bias !== null) {
      // fuseConvBn folds a bias-free convolution; this one's bias passes through the norm's scale too.
      const [b, fb] = [this.bias.data, bias.data];
      for (let o = 0; o < fb.length; o++)
        fb[o]! += (b[o]! * (norm.weight?.data[o] ?? 1)) / Math.sqrt(norm.runningVar.data[o]! + norm.eps);
    }
    const folded: Folded = {
      norm,
      eps: norm.eps,
      sources,
      versions: sources.map((t) => t?._version ?? 0),
      modeSwitches: modeSwitchCount(),
      weight,
      bias,
    };
    this.#folded = folded;
    return folded;
  }
}

export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return conv3d(x, this.weight, this.options());
  }
}

export interface ConvTransposeLayerOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrTuple;
  generator?: Generator;
}

abstract class ConvTransposeNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    readonly nd: number,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeLayerOptions,
  ) {
    super();
    const name = `ConvTranspose${nd}d`;
    this.groups = opts.groups ?? 1;
    checkChannels(name, inChannels, outChannels, this.groups);
    this.kernelSize = ntuple(name, 'kernelSize', kernelSize, nd, 1, 1);
    this.stride = ntuple(name, 'stride', opts.stride, nd, 1, 1);
    this.padding = ntuple(name, 'padding', opts.padding, nd, 0, 0);
    this.outputPadding = ntuple(name, 'outputPadding', opts.outputPadding, nd, 0, 0);
    this.dilation = ntuple(name, 'dilation', opts.dilation, nd, 1, 1);
    const shape = [inChannels, outChannels / this.groups, ...this.kernelSize];
    ({ weight: this.weight, bias: this.bias } = convParameters(
      shape,
      outChannels,
      opts.bias,
      opts.generator,
    ));
  }

  protected options() {
    return {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    };
  }

  override macs(inputShape: number[]): number {
    const { bias: _b, ...opts } = this.options();
    return convTransposeCost(this.nd, inputShape, this.weight.shape, opts).macs;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}]`;
  }
}

export class ConvTranspose1d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeLayerOptions = {},
  ) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return convTranspose1d(x, this.weight, this.options());
  }
}

export class ConvTranspose2d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeLayerOptions = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.options());
  }
}

export class ConvTranspose3d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeLayerOptions = {},
  ) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return convTranspose3d(x, this.weight, this.options());
  }
}

export interface SeparableLayerOptions {
  stride?: IntOrTuple;
  padding?: Padding;
  dilation?: IntOrTuple;
  bias?: boolean;
  paddingMode?: PaddingMode;
  generator?: Generator;
}

/** MobileNet's depthwise k×k (groups = inChannels, `depthMultiplier` filters each) then pointwise 1×1. */
export class DepthwiseSeparableConv2d extends Module {
  readonly depthwise: Conv2d;
  readonly pointwise: Conv2d;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: SeparableLayerOptions & { depthMultiplier?: number } = {},
  ) {
    super();
    const m = opts.depthMultiplier ?? 1;
    if (!Number.isInteger(m) || m < 1)
      throw new ArgumentError(
        `DepthwiseSeparableConv2d: depthMultiplier must be a positive integer, got ${m}`,
      );
    const { depthMultiplier: _m, ...rest } = opts;
    this.depthwise = new Conv2d(inChannels, inChannels * m, kernelSize, { ...rest, groups: inChannels });
    this.pointwise = new Conv2d(inChannels * m, outChannels, 1, {
      bias: opts.bias,
      generator: opts.generator,
    });
  }

  forward(x: Tensor): Tensor {
    return this.pointwise.forward(this.depthwise.forward(x));
  }
}

/** A k×k convolution factorised into k×1 (to `midChannels`, default outChannels) then 1×k. */
export class SpatiallySeparableConv2d extends Module {
  readonly column: Conv2d;
  readonly row: Conv2d;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: Omit<SeparableLayerOptions, 'padding'> & {
      padding?: IntOrTuple;
      midChannels?: number;
      groups?: number;
    } = {},
  ) {
    super();
    const name = 'SpatiallySeparableConv2d';
    const [kH, kW] = ntuple(name, 'kernelSize', kernelSize, 2, 1, 1) as [number, number];
    const [sH, sW] = ntuple(name, 'stride', opts.stride, 2, 1, 1) as [number, number];
    const [pH, pW] = ntuple(name, 'padding', opts.padding, 2, 0, 0) as [number, number];
    const [dH, dW] = ntuple(name, 'dilation', opts.dilation, 2, 1, 1) as [number, number];
    const mid = opts.midChannels ?? outChannels;
    const common = { groups: opts.groups, paddingMode: opts.paddingMode, generator: opts.generator };
    this.column = new Conv2d(inChannels, mid, [kH, 1], {
      ...common,
      stride: [sH, 1],
      padding: [pH, 0],
      dilation: [dH, 1],
      bias: false,
    });
    this.row = new Conv2d(mid, outChannels, [1, kW], {
      ...common,
      stride: [1, sW],
      padding: [0, pW],
      dilation: [1, dW],
      bias: opts.bias,
    });
  }

  forward(x: Tensor): Tensor {
    return this.row.forward(this.column.forward(x));
  }
}
