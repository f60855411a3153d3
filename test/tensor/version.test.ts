import { describe, expect, it } from 'vitest';
import { Adam, BatchNorm2d, Conv2d, noGrad, ones, randn, SGD, type Tensor, tensor } from '../../src/index.js';

describe('Tensor._version', () => {
  it('starts at 0 and counts copy_, fill_ and zero_, shared with views but not with copies', () => {
    const t = randn([2, 3]);
    const view = t.reshape([6]);
    const detached = t.detach();
    const copy = t.clone();
    expect(t._version).toBe(0);
    t.copy_(ones([2, 3]));
    expect(Array.from(t.data)).toEqual([1, 1, 1, 1, 1, 1]);
    t.fill_(2);
    view.zero_();
    expect(t._version).toBe(3);
    expect(view._version).toBe(3);
    expect(detached._version).toBe(3);
    expect(copy._version).toBe(0);
    expect(Array.from(t.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses in-place writes autograd cannot record, and bad arguments, naming the method', () => {
    const w = randn([3]).requiresGrad_();
    expect(() => w.fill_(0)).toThrow(/fill_: this tensor requires grad; .* must run under noGrad/);
    noGrad(() => w.copy_(tensor([1, 2, 3])));
    expect(w._version).toBe(1);
    expect(() => randn([3]).copy_(randn([4]))).toThrow(
      /copy_: src has shape \[4\] but this tensor has shape \[3\]/,
    );
    expect(() => randn([3]).copy_(3 as unknown as Tensor)).toThrow(/copy_: src must be a Tensor, got number/);
  });

  it('is bumped by optimizer steps, on every parameter they update', () => {
    for (const make of [
      (p: Tensor[]) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p: Tensor[]) => new Adam(p),
    ]) {
      const conv = new Conv2d(2, 3, 3);
      const opt = make(conv.parameters());
      conv
        .forward(randn([1, 2, 5, 5]))
        .sum()
        .backward();
      const before = conv.parameters().map((p) => p._version);
      opt.step();
      expect(conv.parameters().map((p) => p._version)).toEqual(before.map((v) => v + 1));
      const frozen = conv.weight._version;
      conv.weight.grad = null;
      opt.step();
      expect(conv.weight._version).toBe(frozen);
    }
  });

  it('is bumped by loadStateDict, on the tensors it writes', () => {
    const a = new BatchNorm2d(4);
    const b = new BatchNorm2d(4);
    b.loadStateDict(a.stateDict());
    for (const t of [b.weight!, b.bias!, b.runningMean, b.runningVar, b.numBatchesTracked])
      expect(t._version).toBe(1);
  });

  it('is bumped by batch norm training (running statistics), not by eval', () => {
    const bn = new BatchNorm2d(3);
    bn.forward(randn([2, 3, 4, 4]));
    expect([bn.runningMean._version, bn.runningVar._version, bn.numBatchesTracked._version]).toEqual([
      1, 1, 1,
    ]);
    bn.eval();
    bn.forward(randn([2, 3, 4, 4]));
    expect([bn.runningMean._version, bn.runningVar._version]).toEqual([1, 1]);
  });

  it('is bumped when backward accumulates into an existing grad', () => {
    const w = randn([4]).requiresGrad_();
    w.mul(2).sum().backward();
    const g = w.grad!;
    const v = g._version;
    w.mul(3).sum().backward();
    expect(w.grad).toBe(g);
    expect(g._version).toBe(v + 1);
    expect(Array.from(g.data)).toEqual([5, 5, 5, 5]);
  });
});
