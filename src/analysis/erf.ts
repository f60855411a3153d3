/**
 * Effective receptive field (Luo et al. 2016, "Understanding the effective receptive field in deep convolutional
 * neural networks"): how strongly each input cell moves one output unit. Seed the backward pass with a one-hot
 * gradient at that unit (every channel, or one), backpropagate, and read |∂y/∂x| at the input, summed over input
 * channels and averaged over the batch. Its support lies inside the theoretical field; its mass concentrates
 * near the centre (roughly Gaussian, growing like √n with depth).
 */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import { isGradEnabled, Tensor } from '../tensor/tensor.js';
import type { Pair } from './layers.js';
import { type Box, type ReceptiveField, receptiveField } from './receptive-field.js';

/** A model to probe: a Module (anything with `forward`) or a plain function of the input. */
export type Forward = { forward(x: Tensor): Tensor; parameters?(): Tensor[] } | ((x: Tensor) => Tensor);

export interface ErfOptions {
  /** Seed only this output channel (default: every channel of the unit). */
  channel?: number;
}

export class EffectiveReceptiveField {
  constructor(
    /** [H, W]: |gradient| at each input cell, summed over channels, averaged over the batch. */
    readonly map: Tensor,
    /** The output unit [i, j] seeded. */
    readonly unit: Pair,
    /** Spatial shape of the output. */
    readonly outputShape: Pair,
    /** The input probed, [N, C, H, W]. */
    readonly input: Tensor,
    /** The model's theoretical field, when its layers could be read. */
    readonly theoretical?: ReceptiveField,
  ) {}

  /** Bounding box of the cells whose value exceeds `threshold`·max (default: every non-zero cell). */
  support(threshold = 0): Box | null {
    const [h, w] = this.map.shape as Pair;
    const data = this.map.data;
    let peak = 0;
    for (const v of data) peak = Math.max(peak, v);
    const cut = threshold * peak;
    let box: Box | null = null;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = data[i * w + j]!;
        if (!(v > cut)) continue;
        if (!box) box = { top: i, left: j, bottom: i, right: j };
        else {
          box.top = Math.min(box.top, i);
          box.bottom = Math.max(box.bottom, i);
          box.left = Math.min(box.left, j);
          box.right = Math.max(box.right, j);
        }
      }
    }
    return box;
  }
}

/** The effective receptive field of output unit `unit` = [i, j] of `model` on `input` ([N, C, H, W] or [C, H, W]). */
export function effectiveReceptiveField(
  model: Forward,
  input: Tensor,
  unit: [number, number],
  opts: ErfOptions = {},
): EffectiveReceptiveField {
  const fn = 'effectiveReceptiveField';
  if (!(input instanceof Tensor) || (input.ndim !== 3 && input.ndim !== 4)) {
    throw new ShapeError(`${fn}: input must be [N, C, H, W] or [C, H, W], got ${describe(input)}`);
  }
  if (!isGradEnabled()) throw new ArgumentError(`${fn}: needs autograd, but it runs inside noGrad`);
  const batched = input.ndim === 4 ? input : input.reshape([1, ...input.shape]);
  const x = new Tensor(new Float32Array(batched.data), batched.shape, { requiresGrad: true });
  const forward = typeof model === 'function' ? model : (t: Tensor) => model.forward(t);
  const params = typeof model === 'function' ? [] : (model.parameters?.() ?? []);
  // The probe must not leave gradients on the model's parameters: keep theirs and put them back after.
  const saved = params.map((p) => p.grad);
  let y: Tensor;
  try {
    y = forward(x);
    if (y.ndim !== 4 || y.shape[0] !== x.shape[0]) {
      throw new ShapeError(
        `${fn}: model output must be [N, C, H, W] for an input ${fmtShape(x.shape)}, got ${fmtShape(y.shape)}`,
      );
    }
    const [n, c, h, w] = y.shape as [number, number, number, number];
    const [i, j] = unit;
    if (![i, j].every(Number.isInteger) || i < 0 || i >= h || j < 0 || j >= w) {
      throw new ArgumentError(`${fn}: unit must be within the ${h}×${w} output, got [${unit.join(', ')}]`);
    }
    if (
      opts.channel !== undefined &&
      (!Number.isInteger(opts.channel) || opts.channel < 0 || opts.channel >= c)
    ) {
      throw new ArgumentError(`${fn}: channel must be in 0..${c - 1}, got ${opts.channel}`);
    }
    const seed = new Float32Array(y.size);
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < c; k++) {
        if (opts.channel === undefined || opts.channel === k) seed[((b * c + k) * h + i) * w + j] = 1;
      }
    }
    y.backward(new Tensor(seed, y.shape));
  } finally {
    params.forEach((p, k) => {
      p.grad = saved[k]!;
    });
  }
  const [n, c, hIn, wIn] = x.shape as [number, number, number, number];
  const grad = x.grad?.data ?? new Float32Array(x.size);
  const map = new Float32Array(hIn * wIn);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      const base = (b * c + k) * hIn * wIn;
      for (let p = 0; p < hIn * wIn; p++) map[p]! += Math.abs(grad[base + p]!) / n;
    }
  }
  let theoretical: ReceptiveField | undefined;
  if (typeof model !== 'function' && 'namedModules' in model) {
    try {
      theoretical = receptiveField(model as never, { inputSize: [hIn, wIn] });
    } catch {
      // A model whose layers the arithmetic cannot read (transposed convolutions, …) still has an ERF.
      theoretical = undefined;
    }
  }
  return new EffectiveReceptiveField(
    new Tensor(map, [hIn, wIn]),
    [unit[0], unit[1]],
    [y.shape[2]!, y.shape[3]!],
    batched,
    theoretical,
  );
}
