/**
 * Involution (Li et al. 2021, d-li14/involution): a kernel generated per output position and shared by the
 * group_channels channels of each group, the spatial/channel inverse of convolution:
 *
 *   y[n, c, p] = Σ_{r ∈ k×k} weight[n, ⌊c / (C/G)⌋, r, p] · x[n, c, p·stride − padding + r·dilation]
 *
 * weight is [N, G, k·k, Ho, Wo]. Built as the reference does: unfold (here a convolution of every channel with
 * the k·k one-hot kernels, so its gradient is the convolution's), a broadcast product and a sum over the taps.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor, convOutSize, type IntOrTuple, ntuple, step } from './args.js';
import { conv2d } from './conv.js';

export interface Involution2dOptions {
  kernelSize: IntOrTuple;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
}

/** F.unfold as [N, C, kH·kW, Ho, Wo]: every k×k window of every channel. */
export function unfold2d(x: Tensor, opts: Involution2dOptions): Tensor {
  const op = 'unfold2d';
  checkTensor(op, 'input', x);
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = ntuple(op, 'kernelSize', opts.kernelSize, 2, 1, 1) as [number, number];
  const taps = kh * kw;
  const eye = new Float32Array(taps * taps);
  for (let t = 0; t < taps; t++) eye[t * taps + t] = 1;
  const cols = conv2d(x.reshape([n * c, 1, h, w]), new Tensor(eye, [taps, 1, kh, kw]), {
    stride: opts.stride,
    padding: opts.padding,
    dilation: opts.dilation,
  });
  return cols.reshape([n, c, taps, cols.shape[2]!, cols.shape[3]!]);
}

export function involution2d(x: Tensor, weight: Tensor, opts: Involution2dOptions): Tensor {
  const op = 'involution2d';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = ntuple(op, 'kernelSize', opts.kernelSize, 2, 1, 1) as [number, number];
  const [sh, sw] = ntuple(op, 'stride', opts.stride, 2, 1, 1);
  const [ph, pw] = ntuple(op, 'padding', opts.padding, 2, 0, 0);
  const [dh, dw] = ntuple(op, 'dilation', opts.dilation, 2, 1, 1);
  const ho = convOutSize(h, kh, sh!, ph!, ph!, dh!);
  const wo = convOutSize(w, kw, sw!, pw!, pw!, dw!);
  const g = weight.shape[1]!;
  if (
    weight.ndim !== 5 ||
    weight.shape[0] !== n ||
    weight.shape[2] !== kh * kw ||
    weight.shape[3] !== ho ||
    weight.shape[4] !== wo
  )
    throw new ShapeError(
      `${op}: weight must be [${n}, groups, ${kh * kw}, ${ho}, ${wo}], got ${fmtShape(weight.shape)}`,
    );
  if (c % g !== 0)
    throw new ArgumentError(`${op}: groups (${g}, from weight) must divide the input channels (${c})`);
  const cols = step(op, 'unfold', () => unfold2d(x, opts)).reshape([n, g, c / g, kh * kw, ho, wo]);
  return E.mul(weight.unsqueeze(2), cols).sum(3).reshape([n, c, ho, wo]);
}

/** Multiply-adds of an involution layer: the two 1×1 kernel-generation convolutions and the k×k product. */
export function involutionCost(
  channels: number,
  kernelSize: number,
  outPlane: number,
  opts: { reductionRatio?: number; groupChannels?: number; batch?: number } = {},
) {
  const r = opts.reductionRatio ?? 4;
  const groups = channels / (opts.groupChannels ?? 16);
  const n = opts.batch ?? 1;
  const k2 = kernelSize * kernelSize;
  const generation = n * outPlane * ((channels * channels) / r + (channels / r) * k2 * groups);
  const product = n * outPlane * channels * k2;
  return { generationMacs: generation, productMacs: product, macs: generation + product };
}
