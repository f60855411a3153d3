/** The tensor ops against PyTorch: element-wise with broadcasting, reductions, matmul, shape ops, losses. */
import { describe } from 'vitest';
import * as cl from '../../src/index.js';
import type { PadMode, Reduction, Tensor } from '../../src/index.js';
import { binary, type GoldenCase, goldenTests, loadSuite, unary } from './fixtures.js';

const suite = loadSuite('tensor');

type Dim = number | number[] | null;

function call(c: GoldenCase, t: Tensor[]): Tensor | Tensor[] {
  const a = c.args as Record<string, never>;
  const x = t[0]!;
  const f = binary[c.op];
  if (f !== undefined) {
    return a.scalar === undefined ? f(x, t[1]!) : f(x, a.scalar);
  }
  const u = unary[c.op];
  if (u !== undefined) return u(x);
  switch (c.op) {
    case 'softmax':
      return x.softmax(a.dim);
    case 'logSoftmax':
      return cl.logSoftmax(x, a.dim);
    case 'sum':
      return (a.dim as Dim) === null ? x.sum() : x.sum(a.dim, a.keepdim);
    case 'mean':
      return (a.dim as Dim) === null ? cl.mean(x) : cl.mean(x, a.dim, a.keepdim);
    case 'max':
      return (a.dim as Dim) === null ? x.max() : x.max(a.dim, a.keepdim);
    case 'var':
      return x.var(a.dim, { correction: a.correction, keepdim: a.keepdim });
    case 'matmul':
      return cl.matmul(x, t[1]!);
    case 'reshape':
      return x.reshape(a.shape);
    case 'permute':
      return x.permute(a.dims);
    case 'transpose':
      return x.transpose(a.dim0, a.dim1);
    case 'slice':
      return x.slice(a.dim, a.start ?? undefined, a.end ?? undefined, a.step);
    case 'narrow':
      return x.narrow(a.dim, a.start, a.length);
    case 'cat':
      return cl.cat(t, a.dim);
    case 'split':
      return x.split(a.splitSize, a.dim);
    case 'chunk':
      return cl.chunk(x, a.chunks, a.dim);
    case 'pad':
      return cl.pad(x, a.pads, a.mode as PadMode, a.value);
    case 'crossEntropy':
      return cl.crossEntropy(x, t[1]!, { reduction: a.reduction as Reduction });
    case 'mseLoss':
      return cl.mseLoss(x, t[1]!, { reduction: a.reduction as Reduction });
  }
  throw new Error(`no convlab call for golden op ${c.op}`);
}

describe(`golden tensor ops (torch ${suite.header.torch}, seed ${suite.header.seed})`, () => {
  goldenTests(suite, call);
});
