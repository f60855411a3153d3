import { afterEach, describe, expect, it, vi } from 'vitest';
import { getBackend } from '../../src/backend/index.js';
import {
  BatchNorm2d,
  Conv2d,
  convBnForward,
  fuseConvBnEval,
  ghostnet,
  InceptionBlock,
  manualSeed,
  MobileNetV1,
  type Module,
  noGrad,
  ReLU,
  randn,
  resnet50,
  SCBottleneck,
  SGD,
  Sequential,
  shufflenetV1,
  type Tensor,
} from '../../src/index.js';

/** Gives every batch norm statistics and affine parameters away from their initial 0 and 1. */
function randomizeNorms(model: Module): void {
  noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof BatchNorm2d)) continue;
      const c = m.numFeatures;
      m.runningMean.copy_(randn([c]).mul(0.2));
      m.runningVar.copy_(randn([c]).abs().add(0.5));
      m.weight!.copy_(randn([c]).mul(0.5).add(1));
      m.bias!.copy_(randn([c]).mul(0.2));
    }
  });
}

/** The eval-mode output through every layer: with grad recorded (parameters require it), nothing is folded. */
const unfused = (model: Module, x: Tensor) => model.forward(x);
const fused = (model: Module, x: Tensor) => noGrad(() => model.forward(x));

function expectClose(a: Tensor, b: Tensor, tol = 1e-4): void {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.size; i++) {
    worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  expect(worst / scale).toBeLessThan(tol);
}

afterEach(() => vi.restoreAllMocks());

/**
 * Runs fn counting the backend's batch norm passes and its ReLU passes that write a new buffer (an in-place one
 * has y === x). The backend is spied on, not the layers: a spied layer method is no longer the class's own, which
 * is what tells folding that a forward is wrapped.
 */
function countPasses<T>(fn: () => T): { result: T; norms: number; copyingRelus: number } {
  const backend = getBackend();
  const norm = vi.spyOn(backend, 'batchNormForward');
  const unary = vi.spyOn(backend, 'unary');
  const result = fn();
  const copyingRelus = unary.mock.calls.filter(([op, x, y]) => op === 'relu' && x !== y).length;
  const norms = norm.mock.calls.length;
  vi.restoreAllMocks();
  return { result, norms, copyingRelus };
}

function smallNet(): Sequential {
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 1, paddingMode: 'reflect' }),
    new BatchNorm2d(8),
    new ReLU(),
    new Conv2d(8, 8, 3, { stride: 2, padding: 1, groups: 8, bias: false }),
    new BatchNorm2d(8),
    new Conv2d(8, 4, 1),
    new BatchNorm2d(4),
    new ReLU(),
  );
}

describe('Conv2d → BatchNorm2d (→ ReLU) folding in eval mode', () => {
  it('gives the unfused output in a Sequential, without running the batch norms or ReLUs', () => {
    manualSeed(1);
    const net = smallNet();
    randomizeNorms(net);
    net.eval();
    const x = randn([2, 3, 9, 9]);
    const plain = countPasses(() => unfused(net, x));
    const want = plain.result;
    expect(want.requiresGrad).toBe(true);
    expect([plain.norms, plain.copyingRelus]).toEqual([3, 2]);
    const { result: got, norms, copyingRelus } = countPasses(() => fused(net, x));
    expect([norms, copyingRelus]).toEqual([0, 0]);
    expect(got.requiresGrad).toBe(false);
    expectClose(got, want);
    expect(Math.min(...got.data)).toBeGreaterThanOrEqual(0);
  });

  it('runs every layer while a forward is wrapped (summary, trace) and in training', () => {
    manualSeed(2);
    const net = smallNet();
    net.eval();
    const rows = net.summary([1, 3, 9, 9]).rows.map((r) => r.type);
    expect(rows.filter((t) => t === 'BatchNorm2d')).toHaveLength(3);
    expect(rows.filter((t) => t === 'ReLU')).toHaveLength(2);
    net.train();
    const bn = net.at(1) as BatchNorm2d;
    noGrad(() => net.forward(randn([2, 3, 9, 9])));
    expect(bn.numBatchesTracked.item()).toBe(1);
  });

  it('recomputes the folded weights after an optimizer step, a state-dict load or a copy_ in eval mode', () => {
    manualSeed(3);
    const net = smallNet();
    randomizeNorms(net);
    net.eval();
    const x = randn([2, 3, 9, 9]);
    const first = fused(net, x);
    expectClose(first, unfused(net, x));
    // A step taken in eval mode (no train() call, so only the versions tell the cache its weights moved).
    const opt = new SGD(net.parameters(), { lr: 0.5 });
    net.forward(x).sum().backward();
    opt.step();
    const afterStep = fused(net, x);
    expectClose(afterStep, unfused(net, x));
    expect(Math.max(...afterStep.sub(first).abs().data)).toBeGreaterThan(1e-3);

    const other = smallNet();
    randomizeNorms(other);
    net.loadStateDict(other.stateDict());
    expectClose(fused(net, x), unfused(net, x));

    const bn = net.at(4) as BatchNorm2d;
    noGrad(() => bn.runningVar.fill_(3));
    expectClose(fused(net, x), unfused(net, x));
  });

  it('leaves an unbatched input to the batch norm, which rejects it as unfused', () => {
    const net = smallNet().eval();
    expect(() => fused(net, randn([3, 9, 9]))).toThrow(/BatchNorm2d: input must have 4 dims with 8 channels/);
  });

  it('keeps the folded weights across eval() calls, and drops them on a switch from training', () => {
    manualSeed(4);
    const net = smallNet();
    net.eval();
    const x = randn([1, 3, 9, 9]);
    const conv = net.at(0) as Conv2d;
    const bn = net.at(1) as BatchNorm2d;
    fused(net, x);
    const cached = conv.foldedWith(bn).weight;
    net.eval();
    fused(net, x);
    expect(conv.foldedWith(bn).weight).toBe(cached);
    // A write straight into .data bumps no version; switching to training and back refolds.
    conv.weight.data[0]! += 1;
    net.train().eval();
    expect(conv.foldedWith(bn).weight).not.toBe(cached);
    expectClose(fused(net, x), unfused(net, x));
  });

  it('convBnForward folds when no parameter or input requires grad, even with grad enabled', () => {
    manualSeed(5);
    const conv = new Conv2d(4, 6, 3, { padding: 1, bias: false });
    const bn = new BatchNorm2d(6);
    randomizeNorms(new Sequential(conv, bn));
    conv.eval();
    bn.eval();
    const x = randn([1, 4, 7, 7]);
    const want = bn.forward(conv.forward(x)).relu();
    for (const p of [...conv.parameters(), ...bn.parameters()]) p.requiresGrad_(false);
    const { result: got, norms, copyingRelus } = countPasses(() => convBnForward(conv, bn, x, true));
    expect([norms, copyingRelus]).toEqual([0, 0]);
    expectClose(got, want);
  });

  it('fuseConvBnEval returns an equivalent Conv2d and checks its arguments', () => {
    manualSeed(6);
    const conv = new Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
    const bn = new BatchNorm2d(6);
    randomizeNorms(new Sequential(conv, bn));
    expect(() => fuseConvBnEval(conv, bn)).toThrow(/fuseConvBnEval: conv and bn must be in eval mode/);
    conv.eval();
    bn.eval();
    const x = randn([2, 4, 8, 8]);
    const f = fuseConvBnEval(conv, bn);
    expect(f.training).toBe(false);
    expectClose(f.forward(x), bn.forward(conv.forward(x)));
    expect(() => fuseConvBnEval(conv, new BatchNorm2d(5).eval())).toThrow(
      /fuseConvBnEval: the batch norm has 5 features but the convolution 6 output channels/,
    );
  });
});

describe('whole models in eval mode under noGrad give their unfused output', () => {
  const cases: [string, () => Module, number[]][] = [
    ['MobileNetV1 0.25×', () => new MobileNetV1({ widthMultiplier: 0.25, numClasses: 10 }), [1, 3, 64, 64]],
    [
      'ShuffleNet v1 g=3 0.5×',
      () => shufflenetV1({ groups: 3, widthMultiplier: 0.5, numClasses: 10 }),
      [1, 3, 64, 64],
    ],
    ['GhostNet 0.5×', () => ghostnet({ width: 0.5, numClasses: 10 }), [1, 3, 64, 64]],
    ['ResNet-50', () => resnet50({ numClasses: 10 }), [1, 3, 64, 64]],
    [
      'InceptionBlock',
      () =>
        new InceptionBlock({
          inChannels: 6,
          ch1x1: 4,
          ch3x3red: 3,
          ch3x3: 5,
          ch5x5red: 2,
          ch5x5: 3,
          poolProj: 2,
          branch3Kernel: 5,
        } as never),
      [2, 6, 9, 9],
    ],
    ['SCBottleneck', () => new SCBottleneck(16, 4, { stride: 2 } as never), [2, 16, 12, 12]],
  ];
  for (const [name, make, shape] of cases) {
    it(name, () => {
      manualSeed(7);
      const model = make();
      randomizeNorms(model);
      model.eval();
      const x = randn(shape);
      const want = unfused(model, x);
      const { result: got, norms } = countPasses(() => fused(model, x));
      expect(norms).toBe(0);
      expectClose(got, want, 2e-4);
    });
  }
});
