/**
 * The public convolutions, forward and backward, on every fast backend against the ts reference:
 * 1e-5·scale for outputs and 1e-4·scale for gradients.
 */
import { describe, expect, it } from 'vitest';
import {
  availableBackends,
  conv1d,
  conv2d,
  conv3d,
  convTranspose2d,
  manualSeed,
  mul,
  randn,
  type Tensor,
  withBackend,
} from '../../src/index.js';
import { relError } from './cases.js';

type Op = (x: Tensor, w: Tensor, b: Tensor) => Tensor;

/** [label, input shape, weight shape, op]; the bias has one value per output channel of the op. */
const ops: [string, number[], number[], Op][] = [
  [
    'conv2d 3x3 pad 1 with bias',
    [2, 5, 9, 10],
    [7, 5, 3, 3],
    (x, w, b) => conv2d(x, w, { bias: b, padding: 1 }),
  ],
  [
    'conv2d groups 2 stride 2',
    [1, 6, 11, 9],
    [4, 3, 3, 3],
    (x, w, b) => conv2d(x, w, { bias: b, stride: 2, groups: 2 }),
  ],
  [
    'conv2d depthwise dilated',
    [2, 4, 12, 12],
    [4, 1, 3, 3],
    (x, w, b) => conv2d(x, w, { bias: b, padding: 2, dilation: 2, groups: 4 }),
  ],
  ['conv2d 1x1', [1, 16, 7, 7], [33, 16, 1, 1], (x, w, b) => conv2d(x, w, { bias: b })],
  [
    'conv2d reflect padding',
    [1, 3, 8, 8],
    [5, 3, 3, 3],
    (x, w, b) => conv2d(x, w, { bias: b, padding: 1, paddingMode: 'reflect' }),
  ],
  [
    'convTranspose2d 4x4 stride 2',
    [1, 6, 8, 8],
    [6, 4, 4, 4],
    (x, w, b) => convTranspose2d(x, w, { bias: b, stride: 2, padding: 1 }),
  ],
  [
    'convTranspose2d 3x3 stride 1 groups 2',
    [2, 4, 5, 5],
    [4, 3, 3, 3],
    (x, w, b) => convTranspose2d(x, w, { bias: b, groups: 2 }),
  ],
  ['conv1d', [2, 3, 31], [5, 3, 4], (x, w, b) => conv1d(x, w, { bias: b, padding: 2 })],
  [
    'conv3d',
    [1, 2, 5, 6, 7],
    [3, 2, 3, 3, 3],
    (x, w, b) => conv3d(x, w, { bias: b, padding: 1, stride: [1, 2, 1] }),
  ],
];

/** Output and the gradients of Σ y·r for input, weight and bias, on the named backend. */
function run(name: 'ts' | 'wasm' | 'native', xShape: number[], wShape: number[], op: Op) {
  return withBackend(name, () => {
    manualSeed(7);
    const x = randn(xShape, { requiresGrad: true });
    const w = randn(wShape, { requiresGrad: true });
    // The op's output channels size the bias: run once without gradients to learn them.
    const channels = op(x.detach(), w.detach(), null as unknown as Tensor).shape[1]!;
    const b = randn([channels], { requiresGrad: true });
    const y = op(x, w, b);
    const r = randn(y.shape);
    mul(y, r).sum().backward();
    return { y: y.data, gx: x.grad!.data, gw: w.grad!.data, gb: b.grad!.data };
  });
}

const fast = availableBackends().filter((b) => b !== 'ts');

describe.each(fast)('%s backend', (name) => {
  it.each(ops)('%s matches ts', (_label, xShape, wShape, op) => {
    const want = run('ts', xShape, wShape, op);
    const got = run(name, xShape, wShape, op);
    expect(relError(want.y, got.y)).toBeLessThan(1e-5);
    expect(relError(want.gx, got.gx)).toBeLessThan(1e-4);
    expect(relError(want.gw, got.gw)).toBeLessThan(1e-4);
    expect(relError(want.gb, got.gb)).toBeLessThan(1e-4);
  });
});
