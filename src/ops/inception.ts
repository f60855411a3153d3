/**
 * The cost of GoogLeNet's Inception module in closed form. The paper's table counts multiply-adds of the
 * convolutions only (no bias, batch norm or pooling), for one image: inception(3a) on 28×28×192 with branches
 * 64 | 96→128 (3×3) | 16→32 (5×5) | pool→32 gives 128 M. torchvision's module uses 3×3 in the third branch
 * (121.7 M); `branch3Kernel` selects either.
 */
import { ArgumentError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { cat } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { maxPool2d } from './pool.js';
import { type ConvStage, kernelOf, runStage } from './stage.js';

export interface InceptionChannels {
  inChannels: number;
  ch1x1: number;
  ch3x3red: number;
  ch3x3: number;
  ch5x5red: number;
  ch5x5: number;
  poolProj: number;
  branch3Kernel?: number;
}

export function inceptionCost(c: InceptionChannels, height: number, width: number, batch = 1) {
  const k5 = c.branch3Kernel ?? 5;
  const perPixel =
    c.inChannels * c.ch1x1 +
    c.inChannels * c.ch3x3red +
    c.ch3x3red * 9 * c.ch3x3 +
    c.inChannels * c.ch5x5red +
    c.ch5x5red * k5 * k5 * c.ch5x5 +
    c.inChannels * c.poolProj;
  const macs = batch * height * width * perPixel;
  const convParams = perPixel;
  const bnParams = 2 * (c.ch1x1 + c.ch3x3red + c.ch3x3 + c.ch5x5red + c.ch5x5 + c.poolProj);
  return {
    outChannels: c.ch1x1 + c.ch3x3 + c.ch5x5 + c.poolProj,
    params: convParams + bnParams,
    macs,
    flops: 2 * macs,
  };
}

/** Each branch's convolutions (with their batch norms as `norm`), as torchvision's BasicConv2d. */
export interface InceptionWeights {
  branch1: ConvStage;
  branch2: [ConvStage, ConvStage];
  branch3: [ConvStage, ConvStage];
  branch4: ConvStage;
}

/**
 * The Inception block as a function of its weights: 1×1; 1×1 → 3×3; 1×1 → k×k (odd k, same size); 3×3 max-pool
 * (stride 1, padding 1, ceil) → 1×1; each convolution followed by its norm and ReLU; concatenated on channels.
 */
export function inceptionBlock(x: Tensor, weights: InceptionWeights): Tensor {
  const op = 'inceptionBlock';
  const basic = (name: string, t: Tensor, s: ConvStage) =>
    E.relu(runStage(op, name, t, s, { padding: Math.floor(kernelOf(s, 2) / 2) }));
  const b2 = weights.branch2;
  const b3 = weights.branch3;
  if (!Array.isArray(b2) || !Array.isArray(b3) || b2.length !== 2 || b3.length !== 2)
    throw new ArgumentError(`${op}: branch2 and branch3 must each be two stages`);
  return cat(
    [
      basic('branch1', x, weights.branch1),
      basic('branch2[1]', basic('branch2[0]', x, b2[0]), b2[1]),
      basic('branch3[1]', basic('branch3[0]', x, b3[0]), b3[1]),
      basic('branch4', maxPool2d(x, 3, { stride: 1, padding: 1, ceilMode: true }), weights.branch4),
    ],
    1,
  );
}
