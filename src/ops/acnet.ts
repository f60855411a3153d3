/**
 * ACNet's deploy-time folding (Ding et al. 2019, DingXiaoH/ACNet acb.py): a convolution followed by batch norm in
 * inference mode is one convolution with kernel w·γ/σ and bias β − μ·γ/σ (σ = √(var + eps)); and because
 * convolution is additive in the kernel, a k×1 or 1×k kernel whose sliding window is aligned with the k×k one
 * adds into the centre row/column of the square kernel.
 */
import { ShapeError, fmtShape } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { type ConvStage, kernelOf, runStage } from './stage.js';

export interface BatchNormState {
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor;
  runningVar: Tensor;
  eps: number;
}

/** The kernel and bias of conv (no bias) followed by batch norm in eval mode. */
export function fuseConvBn(weight: Tensor, bn: BatchNormState): { weight: Tensor; bias: Tensor } {
  const k = weight.shape[0]!;
  const per = weight.size / k;
  const w = new Float32Array(weight.size);
  const b = new Float32Array(k);
  for (let o = 0; o < k; o++) {
    const std = Math.sqrt(bn.runningVar.data[o]! + bn.eps);
    const gamma = bn.weight?.data[o] ?? 1;
    const beta = bn.bias?.data[o] ?? 0;
    const t = gamma / std;
    for (let i = 0; i < per; i++) w[o * per + i] = weight.data[o * per + i]! * t;
    b[o] = beta - bn.runningMean.data[o]! * t;
  }
  return { weight: new Tensor(w, weight.shape), bias: new Tensor(b, [k]) };
}

/** Adds an asymmetric kernel [K, C, h, w] into the centre of a square one [K, C, k, k] (in place, returns it). */
export function addToSquareKernel(square: Tensor, asym: Tensor): Tensor {
  const [k, c, sh, sw] = square.shape as [number, number, number, number];
  const [ak, ac, ah, aw] = asym.shape as [number, number, number, number];
  if (k !== ak || c !== ac || ah > sh || aw > sw)
    throw new ShapeError(
      `addToSquareKernel: cannot add ${fmtShape(asym.shape)} into ${fmtShape(square.shape)}`,
    );
  const top = Math.floor(sh / 2) - Math.floor(ah / 2);
  const left = Math.floor(sw / 2) - Math.floor(aw / 2);
  for (let o = 0; o < k * c; o++) {
    for (let i = 0; i < ah; i++) {
      for (let j = 0; j < aw; j++)
        square.data[(o * sh + top + i) * sw + left + j]! += asym.data[(o * ah + i) * aw + j]!;
    }
  }
  return square;
}

/** Multiply-adds of an ACBlock in training form: k×k + k×1 + 1×k per output; the deploy form costs k×k only. */
export function acBlockCost(outElements: number, cinPerGroup: number, k: number) {
  const train = outElements * cinPerGroup * (k * k + 2 * k);
  const deploy = outElements * cinPerGroup * k * k;
  return { macs: train, deployMacs: deploy };
}

export interface ACBlockWeights {
  /** k×k convolution and its norm */
  square: ConvStage;
  /** k×1 convolution and its norm */
  ver: ConvStage;
  /** 1×k convolution and its norm */
  hor: ConvStage;
}

/**
 * The asymmetric convolution block as a function of its weights: square(x) + ver(x) + hor(x), each with its
 * norm. The strips are padded so their windows align with the square one's centre (ver [p, p − k/2], hor
 * [p − k/2, p]); when p < k/2 the input is cropped instead, as the reference does.
 */
export function acBlock(
  x: Tensor,
  weights: ACBlockWeights,
  opts: { stride?: number; padding?: number; dilation?: number } = {},
): Tensor {
  const op = 'acBlock';
  const k = kernelOf(weights.square, 2);
  const p = opts.padding ?? 0;
  const half = Math.floor(k / 2);
  const crop = p - half >= 0 ? 0 : half - p;
  const common = { stride: opts.stride ?? 1, dilation: opts.dilation ?? 1 };
  const square = runStage(op, 'square', x, weights.square, { ...common, padding: p });
  const verInput = crop > 0 ? x.slice(3, crop, -crop) : x;
  const horInput = crop > 0 ? x.slice(2, crop, -crop) : x;
  const ver = runStage(op, 'ver', verInput, weights.ver, {
    ...common,
    padding: crop === 0 ? [p, p - half] : [p, 0],
  });
  const hor = runStage(op, 'hor', horInput, weights.hor, {
    ...common,
    padding: crop === 0 ? [p - half, p] : [0, p],
  });
  return E.add(E.add(square, ver), hor);
}
