/**
 * Functional batch norm (F.batch_norm): one fused backend pass for the forward and one for the backward, recorded
 * as a single autograd node, instead of the dozen broadcast element-wise ops (and their temporaries) the formula
 * takes when written out.
 */
import { getBackend } from '../backend/index.js';
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import { uninitialized } from '../tensor/storage.js';
import { bumpVersion, fromOp, Tensor } from '../tensor/tensor.js';
import { checkTensor } from './args.js';

/**
 * Normalises x [N, C, *] per channel: with the batch's statistics when training (updating runningMean and
 * runningVar in place, when given, by momentum with the unbiased variance, as PyTorch), else with the running
 * statistics; then scales by weight and shifts by bias when given. Gradients flow to x, weight and bias.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const op = 'batchNorm';
  checkTensor(op, 'input', x);
  if (x.ndim < 2) throw new ShapeError(`${op}: input must be [N, C, *], got ${fmtShape(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  const inner = x.size / Math.max(1, n * c);
  const perChannel = (what: string, t: Tensor | null) => {
    if (t === null) return null;
    checkTensor(op, what, t);
    if (t.size !== c)
      throw new ShapeError(
        `${op}: ${what} must hold ${c} values (one per channel), got shape ${fmtShape(t.shape)}`,
      );
    return t;
  };
  perChannel('runningMean', runningMean);
  perChannel('runningVar', runningVar);
  perChannel('weight', weight);
  perChannel('bias', bias);
  if (!training && (runningMean === null || runningVar === null))
    throw new ArgumentError(`${op}: runningMean and runningVar are required when not training`);
  if (!(eps >= 0)) throw new ArgumentError(`${op}: eps must be a non-negative number, got ${describe(eps)}`);
  if (!Number.isFinite(momentum))
    throw new ArgumentError(`${op}: momentum must be a finite number, got ${describe(momentum)}`);
  if (training && n * inner <= 1)
    throw new ShapeError(
      `${op}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
    );

  const g = { n, c, inner };
  const y = uninitialized(x.size);
  const saveMean = new Float32Array(c);
  const saveInvStd = new Float32Array(c);
  getBackend().batchNormForward(
    g,
    x.data,
    weight?.data ?? null,
    bias?.data ?? null,
    runningMean?.data ?? null,
    runningVar?.data ?? null,
    training,
    momentum,
    eps,
    y,
    saveMean,
    saveInvStd,
  );
  if (training) for (const r of [runningMean, runningVar]) if (r !== null) bumpVersion(r);
  const parents = [x, ...(weight === null ? [] : [weight]), ...(bias === null ? [] : [bias])];
  return fromOp(y, x.shape, op, parents, (gy) => {
    const gx = x.requiresGrad ? uninitialized(x.size) : null;
    const gw = weight?.requiresGrad ? new Float32Array(c) : null;
    const gb = bias?.requiresGrad ? new Float32Array(c) : null;
    getBackend().batchNormBackward(
      g,
      x.data,
      gy.data,
      weight?.data ?? null,
      saveMean,
      saveInvStd,
      training,
      gx,
      gw,
      gb,
    );
    const grads: (Tensor | null)[] = [gx === null ? null : new Tensor(gx, x.shape)];
    if (weight !== null) grads.push(gw === null ? null : new Tensor(gw, weight.shape));
    if (bias !== null) grads.push(gb === null ? null : new Tensor(gb, bias.shape));
    return grads;
  });
}
