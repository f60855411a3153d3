/**
 * The ShuffleNet unit's cost (Zhang et al. 2018, ShuffleNet v1): 1×1 group conv C → M, depthwise k×k (stride),
 * 1×1 group conv M → C' (C' = out − in at stride 2, where the shortcut is a 3×3 average pool concatenated).
 * Multiply-adds per output position: C·M/g1 + M·k²/(stride² at the input grid: counted at the output) + M·C'/g.
 */
import { ArgumentError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { cat } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { avgPool2d } from './pool.js';
import { channelShuffle } from './shuffle.js';
import { type ConvStage, kernelOf, runStage } from './stage.js';

export function shuffleNetUnitCost(
  inChannels: number,
  outChannels: number,
  midChannels: number,
  groups: number,
  height: number,
  width: number,
  opts: { stride?: number; firstGroup?: boolean; kernelSize?: number; batch?: number } = {},
) {
  const s = opts.stride ?? 1;
  const k = opts.kernelSize ?? 3;
  const n = opts.batch ?? 1;
  const g1 = opts.firstGroup ? 1 : groups;
  const branchOut = s === 2 ? outChannels - inChannels : outChannels;
  const pad = Math.floor(k / 2);
  const ho = Math.floor((height + 2 * pad - k) / s) + 1;
  const wo = Math.floor((width + 2 * pad - k) / s) + 1;
  const pw1 = (n * height * width * (inChannels * midChannels)) / g1;
  const dw = n * ho * wo * midChannels * k * k;
  const pw2 = (n * ho * wo * (midChannels * branchOut)) / groups;
  return { macs: pw1 + dw + pw2, pointwiseMacs: pw1 + pw2, depthwiseMacs: dw };
}

export interface ShuffleNetUnitWeights {
  /** 1×1 group convolution (and norm), followed by ReLU */
  conv1: ConvStage;
  /** depthwise k×k convolution with the stride (and norm) */
  depthwise: ConvStage;
  /** 1×1 group convolution (and norm) after the channel shuffle */
  conv2: ConvStage;
}

/**
 * The ShuffleNet v1 unit as a function of its weights: relu(conv1) → depthwise (stride, padding k/2) → channel
 * shuffle (when groups > 1) → conv2; stride 1: relu(x + branch); stride 2: [avgPool3×3/2(x), relu(branch)].
 */
export function shuffleNetUnit(
  x: Tensor,
  weights: ShuffleNetUnitWeights,
  opts: { groups: number; stride?: number },
): Tensor {
  const op = 'shuffleNetUnit';
  const stride = opts.stride ?? 1;
  if (stride !== 1 && stride !== 2) throw new ArgumentError(`${op}: stride must be 1 or 2, got ${stride}`);
  let y = E.relu(runStage(op, 'conv1', x, weights.conv1));
  const k = kernelOf(weights.depthwise, 2);
  y = runStage(op, 'depthwise', y, weights.depthwise, { stride, padding: Math.floor(k / 2) });
  // The reference's shuffle: reshape to [b, c/g, g, h, w], swap the two channel dims.
  if (opts.groups > 1) y = channelShuffle(y, y.shape[1]! / opts.groups);
  y = runStage(op, 'conv2', y, weights.conv2);
  if (stride === 1) return E.relu(E.add(y, x));
  return cat([avgPool2d(x, 3, { stride: 2, padding: 1 }), E.relu(y)], 1);
}
