/**
 * Down-sampling for display: a payload carries at most `maxElements` values and `maxChannels` maps, so a notebook
 * stays small and a renderer stays quick. Channels past the cap are left out; maps are shrunk by an integer factor
 * with a block mean (partial blocks at the edges average what they hold). Every reduction is described in a note
 * the renderers show.
 */
import { ArgumentError } from '../errors.js';
import { avgPool2d } from '../ops/pool.js';
import { noGrad, Tensor } from '../tensor/tensor.js';

export interface SampleLimits {
  /**
   * Most values a payload carries (default 2^15: eight maps of 64×64 whole, a photo's three channels halved). A
   * notebook stores every output twice (the payload and its PNG), and a shareable notebook stays under about
   * 200 KB; raise it for one output that needs every value.
   */
  maxElements?: number;
  /** Most maps of a stack (channels) or filters per axis of a weight grid (default 256). */
  maxChannels?: number;
}

export const DEFAULT_MAX_ELEMENTS = 1 << 15;
export const DEFAULT_MAX_CHANNELS = 256;

export function limitsOf(fn: string, opts: SampleLimits): { maxElements: number; maxChannels: number } {
  const maxElements = opts.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const maxChannels = opts.maxChannels ?? DEFAULT_MAX_CHANNELS;
  for (const [arg, v] of [
    ['maxElements', maxElements],
    ['maxChannels', maxChannels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`${fn}: ${arg} must be a positive integer, got ${v}`);
  }
  return { maxElements, maxChannels };
}

/**
 * Shrinks each of c maps of h×w by factor f (block mean): average pooling f×f with stride f, where the partial
 * blocks at the right and bottom edges (ceil mode, no padding) average what they hold.
 */
export function blockMean(data: Float32Array, c: number, h: number, w: number, f: number): Float32Array {
  if (f === 1) return data;
  return noGrad(() => avgPool2d(new Tensor(data, [1, c, h, w]), f, { ceilMode: true })).data;
}

export interface Sampled {
  data: Float32Array;
  /** [C, H, W] after sampling. */
  shape: [number, number, number];
  notes: string[];
}

/** A stack keeps at least this many maps (when it has them) before its maps are shrunk to fit the cap. */
export const MIN_MAPS = 16;

/**
 * Fits a stack of c maps of h×w into the limits: as many whole maps as the cap holds (at least MIN_MAPS, at most
 * maxChannels), then a spatial block mean if those still do not fit. A deep stack thus shows its first maps at
 * full resolution rather than every map as a blur.
 */
export function fitMaps(
  data: Float32Array,
  c: number,
  h: number,
  w: number,
  limits: Required<SampleLimits>,
): Sampled {
  const notes: string[] = [];
  const whole = Math.floor(limits.maxElements / (h * w));
  const keep = Math.min(c, limits.maxChannels, limits.maxElements, Math.max(whole, MIN_MAPS));
  if (keep < c) notes.push(`showing the first ${keep} of ${c} channels`);
  let f = 1;
  while (keep * Math.ceil(h / f) * Math.ceil(w / f) > limits.maxElements) f++;
  const kept = keep < c ? data.subarray(0, keep * h * w) : data;
  const out = blockMean(kept, keep, h, w, f);
  const oh = Math.ceil(h / f);
  const ow = Math.ceil(w / f);
  if (f > 1) {
    notes.push(
      `down-sampled ${f}× (block mean) from ${h}×${w} to ${oh}×${ow} for display (maxElements ${limits.maxElements})`,
    );
  }
  return { data: out, shape: [keep, oh, ow], notes };
}
