/**
 * Dynamic convolution (Chen et al. 2020, "Dynamic Convolution: Attention over Convolution Kernels"): K kernels
 * aggregated per example by attention π = softmax(z / τ), z = FC(ReLU(FC(GAP(x)))), then one convolution:
 *
 *   y[n] = conv2d(x[n], Σ_k π[n, k] W_k) + Σ_k π[n, k] b_k
 *
 * A high temperature τ keeps the attention near uniform early in training (the paper anneals τ linearly from 30
 * to 1 over the first 10 epochs). No official code: the attention branch follows the paper (FC layers with bias,
 * hidden width C / reduction, at least 1).
 */
import { ArgumentError, describe } from '../errors.js';
import { softmax } from '../tensor/reduce.js';
import * as E from '../tensor/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { condConv2d, type MixtureConvOptions } from './condconv.js';

export function checkTemperature(op: string, t: unknown): number {
  if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t))
    throw new ArgumentError(`${op}: temperature must be a positive finite number, got ${describe(t)}`);
  return t;
}

/** softmax(logits / τ) over the kernels (dim 1). */
export function kernelAttention(logits: Tensor, temperature: number): Tensor {
  checkTemperature('kernelAttention', temperature);
  return softmax(E.div(logits, temperature), 1);
}

/** One convolution per example with the attention-weighted kernel; weight [K, outC, C/groups, kH, kW]. */
export function dynamicConv2d(
  x: Tensor,
  attention: Tensor,
  weight: Tensor,
  opts: MixtureConvOptions = {},
): Tensor {
  return condConv2d(x, attention, weight, opts, 'dynamicConv2d');
}

/** The paper's schedule: τ falls linearly from `start` to `end` over `epochs`, then stays at `end`. */
export function annealedTemperature(
  epoch: number,
  opts: { start?: number; end?: number; epochs?: number } = {},
): number {
  const start = opts.start ?? 30;
  const end = opts.end ?? 1;
  const epochs = opts.epochs ?? 10;
  if (!(epochs > 0)) throw new ArgumentError(`annealedTemperature: epochs must be positive, got ${epochs}`);
  const t = Math.min(Math.max(epoch / epochs, 0), 1);
  return start + (end - start) * t;
}
