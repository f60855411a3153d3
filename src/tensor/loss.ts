/** Losses with torch.nn.functional's names and reductions. */
import { getBackend } from '../backend/index.js';
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import * as E from './elementwise.js';
import * as R from './reduce.js';
import { uninitialized } from './storage.js';
import { fromOp, Tensor } from './tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, x: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return R.mean(x);
  if (reduction === 'sum') return R.sum(x);
  if (reduction === 'none') return x;
  throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${describe(reduction)}`);
}

/**
 * Negative log-likelihood of class indices `target` ([N] or [N, d1, …]) under log-probabilities
 * `logProbs` ([N, C] or [N, C, d1, …]).
 */
export function nllLoss(
  logProbs: Tensor,
  target: Tensor | number[],
  opts: { reduction?: Reduction } = {},
): Tensor {
  const t = Array.isArray(target) ? new Tensor(Float32Array.from(target), [target.length]) : target;
  if (logProbs.ndim < 2)
    throw new ShapeError(`nllLoss: input must be [N, C, …], got ${fmtShape(logProbs.shape)}`);
  const [n, c] = logProbs.shape as [number, number];
  const rest = logProbs.shape.slice(2);
  const expected = [n, ...rest];
  if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `nllLoss: target must have shape ${fmtShape(expected)} for input ${fmtShape(logProbs.shape)}, got ${fmtShape(t.shape)}`,
    );
  }
  let inner = 1;
  for (const d of rest) inner *= d;
  for (let i = 0; i < t.size; i++) {
    const cls = t.data[i]!;
    if (!Number.isInteger(cls) || cls < 0 || cls >= c)
      throw new ArgumentError(`nllLoss: target ${cls} at position ${i} is not a class index in [0, ${c})`);
  }
  const classes = t.data;
  const y = uninitialized(n * inner);
  if (y.length > 0) getBackend().nllLoss(n, c, inner, logProbs.data, classes, y);
  const picked = fromOp(y, expected, 'nllLoss', [logProbs], (g) => {
    const gx = uninitialized(logProbs.size);
    if (gx.length > 0) getBackend().nllLossBackward(n, c, inner, g.data, classes, gx);
    return [new Tensor(gx, logProbs.shape)];
  });
  return reduce('nllLoss', picked, opts.reduction ?? 'mean');
}

/** Cross entropy of raw scores `input` ([N, C] or [N, C, d1, …]) against class indices, as F.cross_entropy. */
export function crossEntropy(
  input: Tensor,
  target: Tensor | number[],
  opts: { reduction?: Reduction } = {},
): Tensor {
  if (input.ndim < 2)
    throw new ShapeError(`crossEntropy: input must be [N, C, …], got ${fmtShape(input.shape)}`);
  return nllLoss(R.logSoftmax(input, 1), target, opts);
}

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(
      `mseLoss: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
  const d = E.sub(input, target);
  return reduce('mseLoss', E.mul(d, d), opts.reduction ?? 'mean');
}
