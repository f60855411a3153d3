/**
 * The element-wise primitives against PyTorch on every backend (test/fixtures/generate_eltwise.py): broadcasting
 * arithmetic, activations, reductions over several dims, softmax, nll / cross-entropy, forward and backward, and
 * three SGD / Adam steps.
 */
import { describe } from 'vitest';
import * as cl from '../../src/index.js';
import type { Reduction, Tensor } from '../../src/index.js';
import { binary, type GoldenCase, goldenTests, loadSuite, unary } from '../golden/fixtures.js';

const suite = loadSuite('eltwise');

type Dim = number | number[] | null;

/** Three optimizer steps on the given gradients; returns the weights after them. */
function steps(c: GoldenCase, [w, ...grads]: Tensor[]): Tensor {
  const a = c.args as Record<string, number & boolean & [number, number]>;
  const p = cl.tensor(w!.data.slice(), w!.shape, { requiresGrad: true });
  const opt =
    c.op === 'sgd'
      ? new cl.SGD([p], {
          lr: a.lr,
          momentum: a.momentum,
          dampening: a.dampening,
          weightDecay: a.weight_decay,
          nesterov: a.nesterov,
        })
      : new cl.Adam([p], { lr: a.lr, betas: a.betas, eps: a.eps, weightDecay: a.weight_decay });
  for (const g of grads) {
    p.grad = cl.tensor(g.data.slice(), g.shape);
    opt.step();
  }
  return cl.tensor(p.data.slice(), p.shape);
}

function call(c: GoldenCase, t: Tensor[]): Tensor | Tensor[] {
  const a = c.args as Record<string, never>;
  const x = t[0]!;
  const f = binary[c.op];
  if (f !== undefined) return a.scalar === undefined ? f(x, t[1]!) : f(x, a.scalar);
  const u = unary[c.op];
  if (u !== undefined) return u(x);
  switch (c.op) {
    case 'leakyRelu':
      return cl.leakyRelu(x, a.negativeSlope);
    case 'clamp':
      return cl.clamp(x, a.min, a.max);
    case 'sum':
      return (a.dim as Dim) === null ? x.sum() : x.sum(a.dim, a.keepdim);
    case 'mean':
      return (a.dim as Dim) === null ? cl.mean(x) : cl.mean(x, a.dim, a.keepdim);
    case 'max':
      return (a.dim as Dim) === null ? cl.max(x) : cl.max(x, a.dim, a.keepdim);
    case 'min':
      return (a.dim as Dim) === null ? cl.min(x) : cl.min(x, a.dim, a.keepdim);
    case 'softmax':
      return cl.softmax(x, a.dim);
    case 'logSoftmax':
      return cl.logSoftmax(x, a.dim);
    case 'nllLoss':
      return cl.nllLoss(x, t[1]!, { reduction: a.reduction as Reduction });
    case 'crossEntropy':
      return cl.crossEntropy(x, t[1]!, { reduction: a.reduction as Reduction });
    case 'sgd':
    case 'adam':
      return steps(c, t);
  }
  throw new Error(`no convlab call for golden op ${c.op}`);
}

describe(`golden element-wise primitives (torch ${suite.header.torch}, seed ${suite.header.seed})`, () => {
  goldenTests(suite, call);
});
