/**
 * The autograd contract: gradients accumulate into leaves' .grad, a non-scalar output needs its upstream
 * gradient, detach and noGrad cut the graph, broadcast gradients are summed back to each input's shape, and
 * seeded generators repeat exactly.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  add,
  Generator,
  isGradEnabled,
  manualSeed,
  mul,
  noGrad,
  rand,
  randint,
  randn,
  ShapeError,
  type Tensor,
  tensor,
} from '../../src/index.js';

const values = (t: Tensor | null) => Array.from(t!.data);

describe('backward', () => {
  it('accumulates into .grad across calls and across uses of a tensor', () => {
    const x = tensor([1, -2, 3], [3], { requiresGrad: true });
    // x used twice: d(x·x + 3x)/dx = 2x + 3
    add(mul(x, x), mul(x, 3)).sum().backward();
    expect(values(x.grad)).toEqual([5, -1, 9]);
    mul(x, 2).sum().backward();
    expect(values(x.grad)).toEqual([7, 1, 11]);
  });

  it('keeps gradients on leaves only, as PyTorch does without retainGrad', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const h = mul(x, 2);
    h.sum().backward();
    expect(h.grad).toBeNull();
    expect(values(x.grad)).toEqual([2, 2]);
  });

  it('takes the upstream gradient of a non-scalar output', () => {
    const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
    const y = mul(x, x);
    y.backward(tensor([1, 0, -1, 0.5], [2, 2]));
    expect(values(x.grad)).toEqual([2, 0, -6, 4]);
  });

  it('refuses a non-scalar output without an upstream gradient, or with one of the wrong shape', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const y = mul(x, 2);
    expect(() => y.backward()).toThrow(ShapeError);
    expect(() => y.backward()).toThrow(/backward: .*scalar outputs, got shape \[3\]; pass gradOutput/);
    expect(() => y.backward(tensor([1, 2], [2]))).toThrow(
      /backward: gradOutput has shape \[2\] but the output has shape \[3\]/,
    );
    expect(x.grad).toBeNull();
  });

  it('refuses a tensor that does not require grad', () => {
    expect(() => tensor([1, 2]).sum().backward()).toThrow(ArgumentError);
    expect(() => tensor([1, 2]).sum().backward()).toThrow(/backward: tensor does not require grad/);
  });

  it('sums a broadcast gradient back to each input shape', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const b = tensor([10, 20, 30], [3], { requiresGrad: true });
    const c = tensor([2], [1, 1], { requiresGrad: true });
    mul(add(a, b), c).backward(tensor([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(values(a.grad)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(b.grad!.shape).toEqual([3]);
    expect(values(b.grad)).toEqual([10, 14, 18]);
    expect(c.grad!.shape).toEqual([1, 1]);
    // Σ g · (a + b) = 1·11 + 2·22 + 3·33 + 4·14 + 5·25 + 6·36
    expect(values(c.grad)).toEqual([11 + 44 + 99 + 56 + 125 + 216]);
  });
});

describe('detach and noGrad', () => {
  it('detach gives a leaf that shares the data and carries no gradient back', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const d = mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = add(mul(x, 1), mul(d, 0));
    y.sum().backward();
    expect(values(x.grad)).toEqual([1, 1, 1]);
    const e = x.detach();
    e.data[0] = 42;
    expect(x.data[0]).toBe(42);
  });

  it('noGrad records nothing, nests, returns the value and restores the mode even after a throw', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      noGrad(() => undefined);
      expect(isGradEnabled()).toBe(false);
      return mul(x, 3);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(Array.from(y.data)).toEqual([3, 6]);
    expect(() =>
      noGrad(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(isGradEnabled()).toBe(true);
    expect(mul(x, 3).requiresGrad).toBe(true);
  });
});

describe('seeded randomness', () => {
  it('two generators with one seed give one stream; another seed gives another', () => {
    const a = new Generator(7);
    const b = new Generator(7);
    expect(values(randn([50], { generator: a }))).toEqual(values(randn([50], { generator: b })));
    expect(values(rand([20], { generator: a }))).toEqual(values(rand([20], { generator: b })));
    expect(values(randint(-3, 9, [20], { generator: a }))).toEqual(
      values(randint(-3, 9, [20], { generator: b })),
    );
    expect(values(randn([50], { generator: new Generator(8) }))).not.toEqual(
      values(randn([50], { generator: new Generator(7) })),
    );
  });

  it('manualSeed resets the default generator, and an explicit generator is independent of it', () => {
    manualSeed(123);
    const first = values(randn([3, 4]));
    const g = new Generator(5);
    const own = values(randn([10], { generator: g }));
    manualSeed(123);
    randn([100], { generator: new Generator(9) });
    expect(values(randn([3, 4]))).toEqual(first);
    g.manualSeed(5);
    randn([7]);
    expect(values(randn([10], { generator: g }))).toEqual(own);
  });

  it('odd lengths keep the stream in step (the spare Box–Muller value is reset by manualSeed)', () => {
    const g = new Generator(11);
    const whole = values(randn([9], { generator: g }));
    g.manualSeed(11);
    const parts = [...values(randn([5], { generator: g })), ...values(randn([4], { generator: g }))];
    expect(parts).toEqual(whole);
  });

  it('draws stay in range: rand in [0, 1), randint integers in [low, high)', () => {
    const g = new Generator(3);
    const u = values(rand([2000], { generator: g }));
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    const k = values(randint(-2, 3, [2000], { generator: g }));
    expect(k.every((v) => Number.isInteger(v) && v >= -2 && v < 3)).toBe(true);
    expect(new Set(k).size).toBe(5);
    const z = values(randn([4000], { generator: g }));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length;
    // 4000 draws: the mean's standard error is 0.016, the variance's about 0.022
    expect(Math.abs(mean)).toBeLessThan(0.08);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
  });
});
