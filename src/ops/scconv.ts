/**
 * Self-calibrated convolution cost (Liu et al. 2020, MCG-NKU/SCNet): in the code's SCConv, k2 runs on the input
 * average-pooled by r, k3 at full resolution, k4 (with the stride) on the calibrated k3 output:
 *
 *   y = k4( k3(x) · sigmoid(x + up(k2(pool_r(x)))) )
 *
 * k1, the plain 3×3 on the other half of the channels, lives in the code's bottleneck (SCBottleneck), not here.
 */
import { ArgumentError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { avgPool2d, interpolate } from './pool.js';
import { type ConvStage, runStage } from './stage.js';

export function scConvCost(
  channels: number,
  height: number,
  width: number,
  opts: { poolingR: number; stride?: number; groups?: number; batch?: number },
) {
  const cpg = channels / (opts.groups ?? 1);
  const s = opts.stride ?? 1;
  const n = opts.batch ?? 1;
  const per = channels * cpg * 9;
  const k2 = n * Math.floor(height / opts.poolingR) * Math.floor(width / opts.poolingR) * per;
  const k3 = n * height * width * per;
  const k4 = n * Math.ceil(height / s) * Math.ceil(width / s) * per;
  return { k2, k3, k4, macs: k2 + k3 + k4, flops: 2 * (k2 + k3 + k4) };
}

export interface SCConvWeights {
  /** 3×3 conv (and norm) on the r× average-pooled input */
  k2: ConvStage;
  /** 3×3 conv (and norm) on the input */
  k3: ConvStage;
  /** 3×3 conv with the stride (and norm) on the calibrated product */
  k4: ConvStage;
}

/**
 * Self-calibrated convolution as a function of its weights: y = k4(k3(x) · sigmoid(x + up(k2(avgPool_r(x))))),
 * up = nearest to the size of x.
 */
export function scConv(
  x: Tensor,
  weights: SCConvWeights,
  opts: { stride?: number; padding?: number; dilation?: number; poolingR?: number } = {},
): Tensor {
  const op = 'scConv';
  const r = opts.poolingR ?? 4;
  if (!Number.isInteger(r) || r < 1)
    throw new ArgumentError(`${op}: poolingR must be a positive integer, got ${r}`);
  const conv = { padding: opts.padding ?? 1, dilation: opts.dilation ?? 1 };
  const [, , h, w] = x.shape as [number, number, number, number];
  const k2 = runStage(op, 'k2', avgPool2d(x, r, { stride: r }), weights.k2, conv);
  const calib = E.sigmoid(E.add(x, interpolate(k2, { size: [h, w] })));
  const k3 = runStage(op, 'k3', x, weights.k3, conv);
  return runStage(op, 'k4', E.mul(k3, calib), weights.k4, { ...conv, stride: opts.stride ?? 1 });
}
