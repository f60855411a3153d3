/** convTranspose1d/2d/3d against PyTorch: stride, padding, outputPadding, groups, dilation, bias. */
import { describe } from 'vitest';
import {
  type ConvTransposeOptions,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  type Tensor,
} from '../../src/index.js';
import { type GoldenCase, goldenTests, loadSuite } from './fixtures.js';

const suite = loadSuite('convTranspose');
const ops = { convTranspose1d, convTranspose2d, convTranspose3d };

function call(c: GoldenCase, [x, w, b]: Tensor[]): Tensor {
  const { bias, ...rest } = c.args;
  const opts = { ...rest, bias: bias ? b! : null } as ConvTransposeOptions;
  return ops[c.op as keyof typeof ops](x!, w!, opts);
}

describe(`golden convTranspose (torch ${suite.header.torch}, seed ${suite.header.seed})`, () => {
  goldenTests(suite, call);
});
