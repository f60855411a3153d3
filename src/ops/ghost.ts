/**
 * Ghost module cost (Han et al. 2020, huawei-noah GhostNet): a primary k×k convolution makes m = ⌈n/s⌉ intrinsic
 * maps, a cheap depthwise d×d convolution makes (s − 1)·m ghost maps from them, and the first n of the
 * concatenation are kept. Against a plain k×k convolution c → n the speed-up is
 *
 *   r = n·c·k² / ((n/s)·c·k² + (s − 1)·(n/s)·d²) = s·c·k² / (c·k² + (s − 1)·d²) ≈ s   (d ≈ k, s ≪ c).
 */
import { ArgumentError } from '../errors.js';

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
