/**
 * Ghost module cost (Han et al. 2020, huawei-noah GhostNet): a primary k×k convolution makes m = ⌈n/s⌉ intrinsic
 * maps, a cheap depthwise d×d convolution makes (s − 1)·m ghost maps from them, and the first n of the
 * concatenation are kept. Against a plain k×k convolution c → n the speed-up is
 *
 *   r = n·c·k² / ((n/s)·c·k² + (s − 1)·(n/s)·d²) = s·c·k² / (c·k² + (s − 1)·d²) ≈ s   (d ≈ k, s ≪ c).
 */
import { ArgumentError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { cat } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ConvStage, kernelOf, runStage } from './stage.js';

export function checkRatio(op: string, ratio: unknown): number {
  if (typeof ratio !== 'number' || !Number.isInteger(ratio) || ratio < 2)
    throw new ArgumentError(`${op}: ratio (s) must be an integer >= 2, got ${String(ratio)}`);
  return ratio;
}

/** Multiply-adds of a Ghost module on an output plane of `outPlane` positions (after the stride). */
export function ghostCost(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  ratio: number,
  dwSize: number,
  outPlane: number,
  batch = 1,
) {
  checkRatio('ghostCost', ratio);
  const init = Math.ceil(outChannels / ratio);
  const cheap = init * (ratio - 1);
  const primary = batch * outPlane * init * inChannels * kernelSize * kernelSize;
  const ghost = batch * outPlane * cheap * dwSize * dwSize;
  const plain = batch * outPlane * outChannels * inChannels * kernelSize * kernelSize;
  return {
    primaryMacs: primary,
    cheapMacs: ghost,
    macs: primary + ghost,
    plainMacs: plain,
    speedup: plain / (primary + ghost),
  };
}

/** The paper's closed form of the speed-up: s·c·k² / (c·k² + (s − 1)·d²). */
export function ghostSpeedup(inChannels: number, ratio: number, kernelSize: number, dwSize: number): number {
  const ck2 = inChannels * kernelSize * kernelSize;
  return (ratio * ck2) / (ck2 + (ratio - 1) * dwSize * dwSize);
}

export interface GhostWeights {
  /** k×k convolution making the ⌈n/s⌉ intrinsic maps (with its batch norm as `norm`) */
  primary: ConvStage;
  /** depthwise d×d convolution making the (s − 1)·⌈n/s⌉ ghost maps */
  cheap: ConvStage;
}

/**
 * The Ghost module as a function of its weights: primary conv (stride, padding k/2) + norm (+ ReLU), cheap
 * depthwise conv (padding d/2) + norm (+ ReLU) on the intrinsic maps, both concatenated and the first
 * `outChannels` kept.
 */
export function ghostModule(
  x: Tensor,
  weights: GhostWeights,
  opts: { outChannels: number; stride?: number; relu?: boolean },
): Tensor {
  const op = 'ghostModule';
  if (!Number.isInteger(opts.outChannels) || opts.outChannels < 1)
    throw new ArgumentError(`${op}: outChannels must be a positive integer, got ${opts.outChannels}`);
  const act = (t: Tensor) => ((opts.relu ?? true) ? E.relu(t) : t);
  const k = kernelOf(weights.primary, 2);
  const x1 = act(
    runStage(op, 'primary', x, weights.primary, { stride: opts.stride ?? 1, padding: Math.floor(k / 2) }),
  );
  const d = kernelOf(weights.cheap, 2);
  const x2 = act(runStage(op, 'cheap', x1, weights.cheap, { padding: Math.floor(d / 2) }));
  return cat([x1, x2], 1).slice(1, 0, opts.outChannels);
}
