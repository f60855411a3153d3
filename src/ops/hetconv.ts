/**
 * Heterogeneous convolution (HetConv, Singh et al. 2019): in each filter, 1/P of the input channels get a k×k
 * kernel and the remaining 1 − 1/P a 1×1 kernel. With the k×k channels of filter o being its group's block
 * (filter o in group ⌊o·P/K⌋ of a P-group convolution), the layer is exactly
 *
 *   conv_k×k(x, weight, groups = P) + conv_1×1(x, W₁)
 *
 * where W₁ is the 1×1 kernel `pointwise` [K, C − C/P, 1, 1] spread over the channels outside the filter's block
 * (zeros inside), i.e. the rewrite conv3×3(groups=P) + conv1×1 − conv1×1(groups=P). The paper shifts the k×k
 * channels by one per filter (every P-th channel); a fixed permutation of input and output channels maps that
 * pattern onto this one, so cost and expressiveness are the same. FLOPs relative to a k×k convolution:
 * 1/P + (1 − 1/P)/k².
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { zeros } from '../tensor/create.js';
import * as E from '../tensor/elementwise.js';
import { cat } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor, type IntOrTuple, step } from './args.js';
import { conv2d } from './conv.js';

export interface HetConvOptions {
  /** P: 1/P of each filter's input channels use the k×k kernel */
  part: number;
  bias?: Tensor | null;
  stride?: IntOrTuple;
  /** padding of the k×k part (default ⌊k/2⌋, which keeps it aligned with the 1×1 part) */
  padding?: IntOrTuple;
}

/** Checks P against the channel counts, naming the op. */
export function checkPart(op: string, part: unknown, inChannels: number, outChannels: number): number {
  if (typeof part !== 'number' || !Number.isInteger(part) || part < 1)
    throw new ArgumentError(`${op}: part (P) must be a positive integer, got ${String(part)}`);
  if (inChannels % part !== 0)
    throw new ArgumentError(`${op}: part P=${part} must divide the input channels (${inChannels})`);
  if (outChannels % part !== 0)
    throw new ArgumentError(`${op}: part P=${part} must divide the output channels (${outChannels})`);
  return part;
}

/** The full 1×1 kernel [K, C, 1, 1]: `pointwise` outside each filter's k×k block, zeros inside. */
export function hetPointwiseKernel(pointwise: Tensor, part: number): Tensor {
  const [k, rest] = pointwise.shape as [number, number];
  const block = rest / (part - 1 || 1);
  const opg = k / part;
  const rows: Tensor[] = [];
  for (let g = 0; g < part; g++) {
    const pw = pointwise.slice(0, g * opg, (g + 1) * opg);
    const pieces: Tensor[] = [];
    if (g > 0) pieces.push(pw.slice(1, 0, g * block));
    pieces.push(zeros([opg, part === 1 ? rest : block, 1, 1]));
    if (g < part - 1) pieces.push(pw.slice(1, g * block));
    rows.push(pieces.length === 1 ? pieces[0]! : cat(pieces, 1));
  }
  return cat(rows, 0);
}

/** pointwise is null only for P = 1, where every channel has the k×k kernel (a plain convolution). */
export function hetConv2d(x: Tensor, weight: Tensor, pointwise: Tensor | null, opts: HetConvOptions): Tensor {
  const op = 'hetConv2d';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [k, cpg, kh, kw] = weight.shape as [number, number, number, number];
  const c = x.shape[1]!;
  const part = checkPart(op, opts.part, c, k);
  if (weight.ndim !== 4 || cpg * part !== c)
    throw new ShapeError(
      `${op}: weight must be [K, ${c / part}, k, k] for ${c} channels and P=${part}, got ${fmtShape(weight.shape)}`,
    );
  const expected = [k, c - c / part, 1, 1];
  if (part > 1) {
    checkTensor(op, 'pointwise', pointwise);
    if (pointwise!.ndim !== 4 || pointwise!.shape.some((d, i) => d !== expected[i]))
      throw new ShapeError(
        `${op}: pointwise must be ${fmtShape(expected)}, got ${fmtShape(pointwise!.shape)}`,
      );
  }
  const padding = opts.padding ?? [Math.floor(kh / 2), Math.floor(kw / 2)];
  let y = step(op, 'k×k part', () => conv2d(x, weight, { groups: part, stride: opts.stride, padding }));
  if (part > 1) {
    const y1 = step(op, '1×1 part', () =>
      conv2d(x, hetPointwiseKernel(pointwise!, part), { stride: opts.stride }),
    );
    if (y1.shape.some((d, i) => d !== y.shape[i]))
      throw new ShapeError(
        `${op}: the k×k part gives ${fmtShape(y.shape)} but the 1×1 part ${fmtShape(y1.shape)}; use padding ⌊k/2⌋ with odd k`,
      );
    y = E.add(y, y1);
  }
  const bias = opts.bias ?? null;
  if (bias !== null && checkTensor(op, 'bias', bias).shape.join() !== String(k))
    throw new ShapeError(`${op}: bias must be [${k}], got ${fmtShape(bias.shape)}`);
  return bias === null ? y : E.add(y, bias.reshape([1, k, 1, 1]));
}

/** Multiply-adds for an output of K × Ho × Wo (× batch), and the ratio to a plain k×k convolution. */
export function hetConvCost(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  part: number,
  outPlane: number,
  batch = 1,
) {
  checkPart('hetConvCost', part, inChannels, outChannels);
  const k2 = kernelSize * kernelSize;
  const perOutput = (inChannels / part) * k2 + inChannels - inChannels / part;
  const macs = batch * outPlane * outChannels * perOutput;
  return {
    params: outChannels * perOutput,
    macs,
    flops: 2 * macs,
    ratio: perOutput / (inChannels * k2),
  };
}

/** The paper's closed form of the FLOPs ratio to a k×k convolution: 1/P + (1 − 1/P)/k². */
export function hetConvFlopsRatio(part: number, kernelSize: number): number {
  return 1 / part + (1 - 1 / part) / (kernelSize * kernelSize);
}
