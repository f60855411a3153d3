/**
 * DOConv2d (yangyanli/DO-Conv): parameters W [K, C/g, D_mul] (kaiming-uniform), D [C, M·N, D_mul] (zeros) and the
 * fixed identity D_diag (a non-trainable parameter in the code, a buffer here: in the state dict, not trained and
 * not counted). `fuse()` returns the equivalent plain Conv2d.
 */
import { ArgumentError } from '../errors.js';
import { ntuple } from '../ops/args.js';
import { conv2d, convCost } from '../ops/conv.js';
import { checkDMul, doconvDiag, doconvKernel } from '../ops/doconv.js';
import type { Generator } from '../tensor/random.js';
import { noGrad, type Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv.js';
import { kaimingUniform, uniformParameter } from './init.js';
import { Module, Parameter } from './module.js';

export interface DOConv2dOptions {
  DMul?: number | null;
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
  generator?: Generator;
}

export class DOConv2d extends Module {
  W: Tensor;
  D: Tensor | null;
  declare DDiag: Tensor | null;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly DMul: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | number[],
    readonly opts: DOConv2dOptions = {},
  ) {
    super();
    const name = 'DOConv2d';
    this.kernelSize = ntuple(name, 'kernelSize', kernelSize, 2, 1, 1) as [number, number];
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0)
      throw new ArgumentError(
        `${name}: groups=${this.groups} must divide inChannels (${inChannels}) and outChannels (${outChannels})`,
      );
    const mn = this.kernelSize[0] * this.kernelSize[1];
    this.DMul = opts.DMul == null || mn <= 1 ? mn : checkDMul(name, opts.DMul, mn);
    const cpg = inChannels / this.groups;
    // kaiming_uniform_(a=√5) on W [K, C/g, D_mul]: fan-in C/g · D_mul.
    this.W = kaimingUniform([outChannels, cpg, this.DMul], Math.sqrt(5), opts.generator);
    if (mn > 1) {
      this.D = new Parameter(new Float32Array(inChannels * mn * this.DMul), [inChannels, mn, this.DMul]);
      this.registerBuffer('DDiag', doconvDiag(inChannels, mn, this.DMul));
    } else {
      this.D = null;
      this.DDiag = null;
    }
    // bias bound from W's fan-in (C/g · D_mul), as the code's init does
    this.bias = opts.bias
      ? uniformParameter([outChannels], 1 / Math.sqrt(cpg * this.DMul), opts.generator)
      : null;
  }

  /** The composed kernel DoW [K, C/g, M, N]. */
  kernel(): Tensor {
    return doconvKernel(this.W, this.D, this.DDiag, this.kernelSize, this.groups);
  }

  private convOptions() {
    const { stride, padding, dilation } = this.opts;
    return { stride, padding, dilation, groups: this.groups };
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.kernel(), { bias: this.bias, ...this.convOptions() });
  }

  /** One plain convolution with the composed kernel: the inference form, same output. */
  fuse(): Conv2d {
    const o = this.convOptions();
    const conv = new Conv2d(this.inChannels, this.outChannels, this.kernelSize, {
      ...o,
      bias: this.bias !== null,
    });
    noGrad(() => {
      conv.weight.data.set(this.kernel().data);
      if (this.bias !== null) conv.bias!.data.set(this.bias.data);
    });
    return conv;
  }

  /** The convolution's multiply-adds (as a plain convolution; composing the kernel is per step, not per pixel). */
  override macs(inputShape: number[]): number {
    return convCost(
      2,
      inputShape,
      [this.outChannels, this.inChannels / this.groups, ...this.kernelSize],
      this.convOptions(),
    ).macs;
  }
}
