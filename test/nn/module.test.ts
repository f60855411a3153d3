/** Module state: parameters kept when frozen, buffers persistent or not, PyTorch's keys, strict loading. */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  BatchNorm2d,
  Conv2d,
  Linear,
  Module,
  Parameter,
  ReLU,
  Sequential,
  ShapeError,
  stateKey,
  type Tensor,
  tensor,
  zeros,
} from '../../src/index.js';

class Scaled extends Module {
  declare scale: Tensor;
  declare cache: Tensor;
  plain: Tensor = tensor([1, 2, 3], [3], { requiresGrad: true });
  headConv = new Conv2d(2, 2, 1);

  constructor() {
    super();
    this.registerParameter('scale', tensor([2]));
    this.registerBuffer('cache', zeros([2]), { persistent: false });
  }

  forward(x: Tensor): Tensor {
    return this.headConv.forward(x).mul(this.scale);
  }
}

describe('Module: parameters and buffers', () => {
  it('a frozen parameter stays in parameters(), stateDict() and loadStateDict()', () => {
    const lin = new Linear(3, 2);
    lin.weight.requiresGrad_(false);
    expect(lin.weight).toBeInstanceOf(Parameter);
    expect(lin.namedParameters().map(([k]) => k)).toEqual(['weight', 'bias']);
    expect(lin.countParams()).toBe(8);
    const sd = lin.stateDict();
    expect([...sd.keys()]).toEqual(['weight', 'bias']);
    const other = new Linear(3, 2).requiresGrad_(false);
    expect(other.parameters().every((p) => !p.requiresGrad)).toBe(true);
    other.loadStateDict(sd);
    expect([...other.weight.data]).toEqual([...lin.weight.data]);
    // frozen: no gradient reaches it, the bias still trains
    const y = lin.forward(tensor([1, 2, 3], [1, 3])).sum();
    y.backward();
    expect(lin.weight.grad).toBeNull();
    expect(lin.bias!.grad).not.toBeNull();
  });

  it('registerParameter wraps a plain tensor; a plain tensor field is not state', () => {
    const m = new Scaled();
    expect(m.scale).toBeInstanceOf(Parameter);
    expect(m.scale.requiresGrad).toBe(true);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['scale', 'head_conv.weight', 'head_conv.bias']);
    expect([...m.stateDict().keys()]).not.toContain('plain');
  });

  it('a non-persistent buffer is listed by namedBuffers but not saved', () => {
    const m = new Scaled();
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['cache']);
    expect([...m.stateDict().keys()]).toEqual(['scale', 'head_conv.weight', 'head_conv.bias']);
    expect(() => m.loadStateDict(m.stateDict())).not.toThrow();
  });

  it("BatchNorm's keys are PyTorch's", () => {
    expect([...new BatchNorm2d(4).stateDict().keys()]).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
  });

  it('stateKey spells camelCase fields in snake_case', () => {
    expect(stateKey('runningMean')).toBe('running_mean');
    expect(stateKey('conv1A')).toBe('conv1_a');
    expect(stateKey('DDiag')).toBe('D_diag');
    expect(stateKey('W')).toBe('W');
  });
});

describe('Module: loadStateDict', () => {
  const net = () => new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU());

  it('is strict by default and lists the missing and the unexpected keys', () => {
    const sd = net().stateDict();
    sd.delete('1.running_var');
    sd.set('1.runningVar', zeros([2]));
    expect(() => net().loadStateDict(sd)).toThrow(ArgumentError);
    expect(() => net().loadStateDict(sd)).toThrow(
      /Sequential\.loadStateDict: keys do not match \(strict\): missing 1 \["1\.running_var"\], unexpected 1 \["1\.runningVar"\]/,
    );
    const m = net();
    expect(m.loadStateDict(sd, { strict: false })).toEqual({
      missing: ['1.running_var'],
      unexpected: ['1.runningVar'],
    });
  });

  it('refuses a shape mismatch without loading anything', () => {
    const m = net();
    const before = new Float32Array(m.stateDict().get('0.weight')!.data);
    const sd = net().stateDict();
    sd.set('1.bias', zeros([3]));
    expect(() => m.loadStateDict(sd)).toThrow(ShapeError);
    expect(() => m.loadStateDict(sd)).toThrow(/1\.bias has shape \[3\] but the module expects \[2\]/);
    expect([...m.stateDict().get('0.weight')!.data]).toEqual([...before]);
  });
});

describe('optimizers and frozen parameters', () => {
  it('take a model with a frozen layer and update only what has a gradient', async () => {
    const { SGD, Sequential, Linear, randn, ArgumentError } = await import('../../src/index.js');
    const net = new Sequential(new Linear(3, 4), new Linear(4, 2));
    net.at(0).requiresGrad_(false);
    const frozen = Float32Array.from(net.at(0).parameters()[0]!.data);
    const trained = Float32Array.from(net.at(1).parameters()[0]!.data);
    const opt = new SGD(net.parameters(), { lr: 0.1 });
    net
      .forward(randn([5, 3]))
      .sum()
      .backward();
    opt.step();
    expect(net.at(0).parameters()[0]!.data).toEqual(frozen);
    expect(net.at(1).parameters()[0]!.data).not.toEqual(trained);
    const w = randn([2], { requiresGrad: true });
    expect(() => new SGD([w.mul(2)], { lr: 0.1 })).toThrow(ArgumentError);
    expect(() => new SGD([w.mul(2)], { lr: 0.1 })).toThrow(/SGD: parameter 0 is not a leaf tensor/);
  });
});
