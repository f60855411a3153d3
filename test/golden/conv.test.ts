/** conv1d/2d/3d against PyTorch: every argument, every padding mode, grouped and depthwise, forward and backward. */
import { describe, expect, it } from 'vitest';
import { type ConvOptions, conv1d, conv2d, conv3d, type Tensor } from '../../src/index.js';
import { type GoldenCase, goldenTests, loadSuite } from './fixtures.js';

const suite = loadSuite('conv');
const ops = { conv1d, conv2d, conv3d };

function call(c: GoldenCase, [x, w, b]: Tensor[]): Tensor {
  const { bias, ...rest } = c.args;
  const opts = { ...rest, bias: bias ? b! : null } as ConvOptions;
  return ops[c.op as keyof typeof ops](x!, w!, opts);
}

describe(`golden conv (torch ${suite.header.torch}, seed ${suite.header.seed})`, () => {
  it('covers 1-D, 2-D and 3-D in every padding mode', () => {
    const seen = new Set(suite.cases.map((c) => `${c.op} ${c.args.paddingMode}`));
    for (const op of Object.keys(ops))
      for (const mode of ['zeros', 'reflect', 'replicate', 'circular'])
        expect(seen).toContain(`${op} ${mode}`);
  });
  goldenTests(suite, call);
});
