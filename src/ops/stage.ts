/**
 * One convolution of a composite op, given as its weights (torch.nn.functional style): `weight` [out, in/g, kh,
 * kw], an optional `bias`, and an optional `norm` applied to its output (a batch norm in eval mode, or any
 * function). The groups are read from the shapes (input channels / weight.shape[1]). A layer that owns the
 * convolution passes `forward` too, so its own module runs (and is traced in summaries) with the same weights.
 */
import { describe, fmtShape, ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { IntOrTuple, Padding } from './args.js';
import { conv2d } from './conv.js';

export type Norm = (x: Tensor) => Tensor;

export interface ConvStage {
  weight: Tensor;
  bias?: Tensor | null;
  norm?: Norm | null;
  /** Runs the convolution instead of conv2d with `weight` (a layer passes its own module's forward). */
  forward?: (x: Tensor) => Tensor;
}

/** conv2d of one stage (groups from the shapes) followed by its norm. */
export function runStage(
  op: string,
  name: string,
  x: Tensor,
  stage: ConvStage | null | undefined,
  opts: { stride?: IntOrTuple; padding?: Padding; dilation?: IntOrTuple } = {},
): Tensor {
  if (stage === null || stage === undefined || !(stage.weight instanceof Tensor))
    throw new ShapeError(`${op}: ${name} must be a stage with a weight tensor, got ${describe(stage)}`);
  let y: Tensor;
  if (stage.forward !== undefined) y = stage.forward(x);
  else {
    const w = stage.weight;
    const groups = w.ndim === 4 && w.shape[1]! > 0 ? x.shape[1]! / w.shape[1]! : Number.NaN;
    if (!Number.isInteger(groups) || groups < 1)
      throw new ShapeError(
        `${op}: ${name}.weight ${fmtShape(w.shape)} does not fit an input of ${fmtShape(x.shape)} (input channels must be a multiple of weight.shape[1])`,
      );
    y = conv2d(x, w, { ...opts, bias: stage.bias ?? null, groups });
  }
  return stage.norm ? stage.norm(y) : y;
}

/** The k of a stage's square (or k×1 / 1×k) kernel along dim d (2: height, 3: width). */
export function kernelOf(stage: ConvStage, d: 2 | 3): number {
  return stage.weight.shape[d] ?? 1;
}
