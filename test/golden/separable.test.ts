/** Depthwise separable and spatially separable convolution and channelShuffle against PyTorch. */
import { describe } from 'vitest';
import {
  channelShuffle,
  type DepthwiseSeparableOptions,
  depthwiseSeparableConv2d,
  type SpatiallySeparableOptions,
  spatiallySeparableConv2d,
  type Tensor,
} from '../../src/index.js';
import { type GoldenCase, goldenTests, loadSuite } from './fixtures.js';

const suite = loadSuite('separable');

function call(c: GoldenCase, inputs: Tensor[]): Tensor {
  const a = c.args;
  if (c.op === 'channelShuffle') return channelShuffle(inputs[0]!, a.groups as number);
  if (c.op === 'depthwiseSeparableConv2d') {
    const [x, dw, pw, ...biases] = inputs;
    const { depthwiseBias, pointwiseBias, ...rest } = a;
    const opts: DepthwiseSeparableOptions = {
      ...(rest as DepthwiseSeparableOptions),
      depthwiseBias: depthwiseBias ? biases.shift()! : null,
      pointwiseBias: pointwiseBias ? biases.shift()! : null,
    };
    return depthwiseSeparableConv2d(x!, dw!, pw!, opts);
  }
  const [x, column, row, b] = inputs;
  const { bias, ...rest } = a;
  const opts = { ...rest, bias: bias ? b! : null } as SpatiallySeparableOptions;
  return spatiallySeparableConv2d(x!, column!, row!, opts);
}

describe(`golden separable (torch ${suite.header.torch}, seed ${suite.header.seed})`, () => {
  goldenTests(suite, call);
});
