/**
 * exportOnnx against onnxruntime-node: each exported model runs in ONNX Runtime and gives convlab's output (eval
 * mode, on the plain TypeScript backend, the reference) within 1e-5 of its scale; layers without an ONNX form are
 * refused by name.
 */
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  ACBlock,
  ArgumentError,
  CondConv2d,
  Conv2d,
  ConvTranspose2d,
  DeformConv2d,
  DOConv2d,
  DepthwiseSeparableConv2d,
  SpatiallySeparableConv2d,
  Upsample,
  ghostnet,
  shufflenetV1,
  DynamicConv2d,
  HetConv,
  exportOnnx,
  GCNConv,
  GhostModule,
  InceptionBlock,
  Involution,
  LeakyReLU,
  Linear,
  Module,
  manualSeed,
  MobileNetV1,
  normalizeAdjacency,
  type Tensor,
  tensor,
  noGrad,
  OctaveConv,
  randn,
  ReLU6,
  resnet50,
  SCBottleneck,
  SCConv,
  Sequential,
  ShuffleNetUnit,
  Sigmoid,
  Softmax,
  SplAtConv2d,
  AvgPool2d,
  BatchNorm2d,
  Flatten,
  MaxPool2d,
  withBackend,
} from '../../src/index.js';

/** Random batch-norm statistics, so eval mode is not the identity. */
function randomizeNorms(m: Module): void {
  for (const [k, b] of m.namedBuffers()) {
    if (k.endsWith('running_mean')) b.data.set(randn([b.size]).data.map((v) => 0.1 * v));
    if (k.endsWith('running_var')) b.data.set(randn([b.size]).data.map((v) => 0.5 + 0.25 * Math.abs(v)));
  }
}

/** Exports `model`, runs it in ONNX Runtime on `inputs` (random ones of `shape` by default), compares. */
async function check(model: Module, shape: number[] | number[][], inputs?: Tensor[]): Promise<void> {
  randomizeNorms(model);
  model.eval();
  const shapes = Array.isArray(shape[0]) ? (shape as number[][]) : [shape as number[]];
  const xs = inputs ?? shapes.map((s) => randn(s));
  const expected = withBackend('ts', () => noGrad(() => model.forward(...xs)));
  const session = await InferenceSession.create(exportOnnx(model, shape));
  const names = shapes.length === 1 ? ['input'] : shapes.map((_, i) => `input_${i}`);
  const feeds = Object.fromEntries(
    names.map((n, i) => [n, new OrtTensor('float32', new Float32Array(xs[i]!.data), shapes[i]!)]),
  );
  const y = (await session.run(feeds)).output!;
  expect([...y.dims]).toEqual(expected.shape);
  const got = y.data as Float32Array;
  let scale = 0;
  let worst = 0;
  expected.data.forEach((e, i) => {
    scale = Math.max(scale, Math.abs(e));
    worst = Math.max(worst, Math.abs(got[i]! - e));
  });
  expect(worst / (scale || 1)).toBeLessThanOrEqual(1e-5);
}

describe('exportOnnx runs in onnxruntime-node with convlab’s outputs', () => {
  manualSeed(7);
  it('ResNet-50', async () => check(resnet50({ numClasses: 10 }), [1, 3, 64, 64]), 120_000);
  it(
    'MobileNetV1 (width 0.25)',
    async () => check(new MobileNetV1({ widthMultiplier: 0.25, numClasses: 10 }), [1, 3, 64, 64]),
    60_000,
  );
  it('ShuffleNet v1 (g = 3) and GhostNet (width 0.5)', async () => {
    await check(shufflenetV1({ groups: 3, numClasses: 10 }), [1, 3, 64, 64]);
    await check(ghostnet({ width: 0.5, numClasses: 10 }), [1, 3, 64, 64]);
  }, 60_000);
  it('separable convolutions and up-sampling', async () => {
    await check(
      new Sequential(
        new DepthwiseSeparableConv2d(4, 8, 3, { padding: 1, depthMultiplier: 2 }),
        new SpatiallySeparableConv2d(8, 6, 3, { padding: 1, midChannels: 5 }),
        new Upsample({ scaleFactor: 2, mode: 'nearest' }),
        new Upsample({ size: [21, 19], mode: 'bilinear' }),
        new Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
      ),
      [2, 4, 7, 6],
    );
  });
  it('a ShuffleNet v1 unit, stride 1 and stride 2', async () => {
    await check(new ShuffleNetUnit(24, 24, { groups: 3 }), [2, 24, 8, 8]);
    await check(new ShuffleNetUnit(24, 48, { groups: 3, stride: 2 }), [2, 24, 8, 8]);
  });
  it('a DeformConv2d layer (opset 19), v1 and modulated v2', async () => {
    for (const modulated of [false, true]) {
      const layer = new DeformConv2d(4, 6, 3, { padding: 1, modulated });
      // non-zero offsets, so sampling between pixels is exercised
      layer.convOffset.weight.data.set(randn([layer.convOffset.weight.size]).data.map((v) => 0.1 * v));
      await check(layer, [2, 4, 7, 6]);
    }
  });
  it('plain layers: conv with groups, dilation and reflect padding, transposed conv, pooling, Linear, activations', async () => {
    await check(
      new Sequential(
        new Conv2d(4, 8, 3, { groups: 2, dilation: 2, padding: 2, paddingMode: 'reflect' }),
        new BatchNorm2d(8),
        new LeakyReLU(0.1),
        new ConvTranspose2d(8, 6, 4, { stride: 2, padding: 1, groups: 2 }),
        new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
        new ReLU6(),
        new AvgPool2d(2),
        new Flatten(),
        new Linear(6 * 8 * 8, 5),
        new Sigmoid(),
        new Softmax(1),
      ),
      [2, 4, 16, 16],
    );
  });
  it('Ghost module', async () => check(new GhostModule(6, 10, { kernelSize: 3, stride: 2 }), [2, 6, 9, 9]));
  it('Inception block', async () =>
    check(
      new InceptionBlock({
        inChannels: 6,
        ch1x1: 3,
        ch3x3red: 2,
        ch3x3: 4,
        ch5x5red: 2,
        ch5x5: 3,
        poolProj: 2,
      }),
      [1, 6, 9, 9],
    ));
  it('ACNet block, training form (cropped strips) and deploy form', async () => {
    await check(new ACBlock(4, 6, 3, { padding: 0 }), [2, 4, 9, 9]);
    await check(new ACBlock(4, 6, 3, { padding: 1, stride: 2 }).eval().switchToDeploy(), [2, 4, 9, 9]);
  });
  it('octave convolution: a first layer (one input, stride 2) and a middle layer (high and low inputs)', async () => {
    await check(new OctaveConv(4, 6, 3, { alphaIn: 0, alphaOut: 0.5, padding: 1, stride: 2 }), [2, 4, 8, 8]);
    await check(new OctaveConv(8, 6, 3, { padding: 1 }), [
      [2, 4, 8, 8],
      [2, 4, 4, 4],
    ]);
    await check(new OctaveConv(8, 6, 3, { padding: 1, stride: 2 }), [
      [2, 4, 8, 8],
      [2, 4, 4, 4],
    ]);
  });
  it('graph convolution with a dense normalised adjacency', async () => {
    const a = randn([5, 5]).data.map((v) => (v > 0 ? 1 : 0));
    const adj = normalizeAdjacency(
      tensor(a, [5, 5])
        .add(tensor(a, [5, 5]).t())
        .clamp(0, 1),
    );
    await check(
      new GCNConv(4, 3),
      [
        [2, 5, 4],
        [5, 5],
      ],
      [randn([2, 5, 4]), adj],
    );
  });
  it('SCConv and the SCNet bottleneck', async () => {
    await check(new SCConv(4, 4, { poolingR: 2 }), [2, 4, 8, 8]);
    await check(
      new SCBottleneck(16, 4, { stride: 2, cardinality: 2, bottleneckWidth: 64, poolingR: 2 }),
      [2, 16, 8, 8],
    );
  });
  it('split attention, radix 2 and cardinality 2', async () =>
    check(new SplAtConv2d(8, 8, 3, { padding: 1, groups: 2, radix: 2 }), [2, 8, 6, 6]));
  it('DO-Conv (exported folded)', async () => check(new DOConv2d(3, 4, 3, { padding: 1 }), [2, 3, 7, 7]));
  it('HetConv, P = 2 and P = 4', async () => {
    await check(new HetConv(8, 8, 3, { part: 2, bias: true }), [2, 8, 6, 6]);
    await check(new HetConv(8, 8, 3, { part: 4, stride: 2 }), [2, 8, 7, 7]);
  });
  it('CondConv (per-example kernels as a grouped Conv over the batch)', async () =>
    check(new CondConv2d(4, 6, 3, { numExperts: 3, padding: 1, groups: 2 }), [3, 4, 6, 6]));
  it('dynamic convolution', async () =>
    check(new DynamicConv2d(8, 6, 3, { numKernels: 4, padding: 1, stride: 2 }), [2, 8, 7, 7]));
  it('involution, stride 1 and 2', async () => {
    await check(new Involution(32, 3), [2, 32, 6, 6]);
    await check(new Involution(16, 5, { stride: 2 }), [1, 16, 8, 8]);
  });
});

describe('exportOnnx refuses what it cannot express, by name', () => {
  it('a layer it does not know, and circular padding', () => {
    class Custom extends Module {
      forward(x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    expect(() => exportOnnx(new Custom(), [1, 2])).toThrow(/exportOnnx: Custom has no ONNX form here/);
    expect(() =>
      exportOnnx(new Conv2d(2, 2, 3, { padding: 1, paddingMode: 'circular' }), [1, 2, 5, 5]),
    ).toThrow(/Conv paddingMode 'circular' has no ONNX Pad mode/);
  });
  for (const [layer, pattern] of [
    [new GCNConv(4, 4), /GCNConv takes the node features and the adjacency: give two input shapes/],
    [
      new OctaveConv(4, 4, 3),
      /OctaveConv with alphaIn > 0 takes a \(high, low\) pair: give two input shapes/,
    ],
  ] as const) {
    it(layer.constructor.name, () => {
      expect(() => exportOnnx(layer, [1, 4, 8, 8])).toThrow(ArgumentError);
      expect(() => exportOnnx(layer, [1, 4, 8, 8])).toThrow(pattern);
    });
  }
});
