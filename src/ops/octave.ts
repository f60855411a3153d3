/**
 * Octave convolution (Chen et al. 2019, d-li14/octconv.pytorch): channels split into a high-frequency part at
 * full resolution and a fraction α of low-frequency channels at half resolution. Four paths: H→H, L→L, H→L
 * (average-pool 2 then conv), L→H (conv at low resolution then nearest up-sampling ×2). Stride 2 average-pools
 * the high input first (and the low input for L→L). Cost relative to a plain convolution of the same channels:
 *   (1 − αin)(1 − αout) + αin·αout/4 + (1 − αin)·αout/4 + αin·(1 − αout)/4,   = 43.75 % at α = 0.5.
 */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { avgPool2d, interpolate } from './pool.js';
import { type ConvStage, runStage } from './stage.js';

/** Checks an α: a number in [0, 1). α = 1 would leave no high-frequency path, which the reference's forward needs. */
export function checkAlpha(op: string, arg: string, alpha: unknown): number {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha < 1))
    throw new ArgumentError(`${op}: ${arg} must be a number in [0, 1), got ${describe(alpha)}`);
  return alpha;
}

/** Low-frequency channel counts as the reference computes them: int(α·C). */
export function octaveSplit(channels: number, alpha: number): { high: number; low: number } {
  const low = Math.floor(alpha * channels);
  return { high: channels - low, low };
}

/**
 * Multiply-adds of an octave convolution for an input of height×width (high resolution) and a k×k kernel, and
 * the ratio to a plain convolution of inChannels → outChannels at the same resolution.
 */
export function octaveCost(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  alphaIn: number,
  alphaOut: number,
  height: number,
  width: number,
  opts: { stride?: number; groups?: number; batch?: number } = {},
) {
  checkAlpha('octaveCost', 'alphaIn', alphaIn);
  checkAlpha('octaveCost', 'alphaOut', alphaOut);
  const s = opts.stride ?? 1;
  const groups = opts.groups ?? 1;
  const n = opts.batch ?? 1;
  const i = octaveSplit(inChannels, alphaIn);
  const o = octaveSplit(outChannels, alphaOut);
  const hi = (height * width) / (s * s);
  const lo = hi / 4;
  const k2 = kernelSize * kernelSize;
  const hh = (hi * i.high * o.high * k2) / Math.ceil(groups - alphaIn * groups);
  const ll = i.low > 0 && o.low > 0 ? (lo * i.low * o.low * k2) / Math.ceil(alphaIn * groups) : 0;
  const hl = o.low > 0 ? (lo * i.high * o.low * k2) / groups : 0;
  // L→H runs at the low input's resolution: the low map of stride 1, or (with stride 2) the un-pooled low map.
  const lh = i.low > 0 ? ((s === 1 ? lo : lo * 4) * i.low * o.high * k2) / groups : 0;
  const macs = n * (hh + ll + hl + lh);
  const plain = (n * hi * inChannels * outChannels * k2) / groups;
  return { macs, flops: 2 * macs, plainMacs: plain, ratio: macs / plain };
}

/** The four paths' convolutions; a path absent at α = 0 is null. */
export interface OctaveWeights {
  h2h: ConvStage;
  h2l?: ConvStage | null;
  l2h?: ConvStage | null;
  l2l?: ConvStage | null;
}

const down = (x: Tensor) => avgPool2d(x, 2, { stride: 2 });

/**
 * Octave convolution as a function of its weights: [yHigh, yLow | null] from a high input and, when the layer
 * has a low input (l2h given), a low input at half its resolution. Stride 2 average-pools the high input (and the
 * low input for L→L); H→L pools before its conv; L→H up-samples its output ×2 (nearest) at stride 1.
 */
export function octaveConv2d(
  xHigh: Tensor,
  xLow: Tensor | null | undefined,
  weights: OctaveWeights,
  opts: { stride?: number; padding?: number; dilation?: number } = {},
): [Tensor, Tensor | null] {
  const op = 'octaveConv2d';
  const stride = opts.stride ?? 1;
  if (stride !== 1 && stride !== 2) throw new ArgumentError(`${op}: stride must be 1 or 2, got ${stride}`);
  const low = xLow ?? null;
  const l2hStage = weights.l2h ?? null;
  if ((low === null) !== (l2hStage === null))
    throw new ShapeError(
      `${op}: ${low === null ? 'weights.l2h needs a low-frequency input' : 'a low-frequency input needs weights.l2h'}`,
    );
  if (low !== null && (low.shape[2]! * 2 !== xHigh.shape[2] || low.shape[3]! * 2 !== xHigh.shape[3]))
    throw new ShapeError(
      `${op}: the low input must have half the high input's size, got ${fmtShape(low.shape)} and ${fmtShape(xHigh.shape)}`,
    );
  const conv = { padding: opts.padding ?? 0, dilation: opts.dilation ?? 1 };
  const xh = stride === 2 ? down(xHigh) : xHigh;
  const h2h = runStage(op, 'h2h', xh, weights.h2h, conv);
  const h2l = weights.h2l ? runStage(op, 'h2l', down(xh), weights.h2l, conv) : null;
  if (low === null) return [h2h, h2l];
  const l2l = weights.l2l ? runStage(op, 'l2l', stride === 2 ? down(low) : low, weights.l2l, conv) : null;
  let l2h = runStage(op, 'l2h', low, l2hStage, conv);
  if (stride === 1) l2h = interpolate(l2h, { scaleFactor: 2, mode: 'nearest' });
  return [E.add(l2h, h2h), h2l !== null && l2l !== null ? E.add(h2l, l2l) : null];
}
