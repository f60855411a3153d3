import { describe, expect, it } from 'vitest';
import { keep, memoryStats, randn, scope, setPoolLimit, type Tensor } from '../../src/index.js';
import { uninitialized } from '../../src/tensor/storage.js';

const N = 8192; // large enough to be pooled

describe('uninitialized', () => {
  it.each([0, 1, 4095, 4096, 100_003])('gives %i floats in an array of its own', (n) => {
    const a = uninitialized(n);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(n);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBeGreaterThanOrEqual(4 * n);
    expect(a.buffer.byteLength).toBeLessThanOrEqual(4 * n * 1.125 + 64);
    const b = uninitialized(n);
    expect(b.buffer).not.toBe(a.buffer);
  });
});

describe('dispose', () => {
  it('returns the buffer to the pool once no tensor shares it', () => {
    const a = randn([N]).mul(2); // an op output: pooled
    const view = a.reshape([2, N / 2]); // shares a's buffer
    const buffer = a.data.buffer;
    a.dispose();
    expect(a.isDisposed).toBe(true);
    expect(() => a.data).toThrow(/disposed/);
    expect(a.size).toBe(N);
    // The view still holds the buffer: a new output must not get it.
    const b = randn([N]).mul(3);
    expect(b.data.buffer).not.toBe(buffer);
    view.dispose();
    const c = randn([N]).mul(4);
    expect(c.data.buffer).toBe(buffer);
  });

  it('is idempotent and leaves memory the pool does not own alone', () => {
    const leaf = randn([N]);
    const data = leaf.data;
    leaf.dispose();
    leaf.dispose();
    expect(data.length).toBe(N);
  });
});

describe('scope', () => {
  it('disposes what it made, except what it returns or keeps', () => {
    const x = randn([N]);
    let inner: Tensor | null = null;
    let kept: Tensor | null = null;
    const out = scope(() => {
      inner = x.mul(2);
      kept = keep(x.mul(3));
      return { y: inner.add(1), list: [x.sub(1)] };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(out.y.isDisposed).toBe(false);
    expect(out.list[0]!.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    expect(out.y.data[0]).toBeCloseTo(x.data[0]! * 2 + 1, 5);
  });

  it('recycles buffers step after step', () => {
    const x = randn([N]);
    const step = () => scope(() => x.mul(2).add(1).relu().sum().item());
    step();
    const before = memoryStats();
    for (let i = 0; i < 10; i++) step();
    const after = memoryStats();
    expect(after.allocations - before.allocations).toBe(30);
    expect(after.reused - before.reused).toBe(30);
  });

  it('hands what an inner scope returns to the outer one', () => {
    let mid: Tensor | null = null;
    scope(() => {
      mid = scope(() => randn([N]).mul(2));
      expect(mid.isDisposed).toBe(false);
      return null;
    });
    expect(mid!.isDisposed).toBe(true);
  });

  it('disposes on a throw and refuses async functions', () => {
    let t: Tensor | null = null;
    expect(() =>
      scope(() => {
        t = randn([N]).mul(2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(t!.isDisposed).toBe(true);
    expect(() => scope(async () => 1)).toThrow(/scope: fn must be synchronous/);
  });

  it('keeps gradients, which backward accumulates in place', () => {
    const w = randn([N], { requiresGrad: true });
    const x = randn([N]);
    const loss = () => w.mul(x).add(w.mul(w)).sum();
    scope(() => loss().backward());
    const g = w.grad!;
    expect(g.isDisposed).toBe(false);
    const expected = Array.from(x.data, (xi, i) => xi + 2 * w.data[i]!);
    g.data.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 4);
    });
    scope(() => loss().backward());
    expect(w.grad).toBe(g);
    g.data.forEach((v, i) => {
      expect(v).toBeCloseTo(2 * expected[i]!, 4);
    });
  });
});

describe('backward', () => {
  it('recycles its gradient temporaries within one pass', () => {
    const w = randn([N], { requiresGrad: true });
    let y = w;
    for (let i = 0; i < 20; i++) y = y.mul(1.01).add(0.1);
    const before = memoryStats();
    y.sum().backward();
    const after = memoryStats();
    // 20 gradients of N floats (add hands its gradient on unchanged); all but the first two come from the pool.
    expect(after.allocations - before.allocations).toBeGreaterThanOrEqual(20);
    expect(after.reused - before.reused).toBeGreaterThanOrEqual(18);
    expect(w.grad!.data[0]).toBeCloseTo(1.01 ** 20, 3);
  });

  it('gives the same gradients with one tensor sent to two parents', () => {
    const a = randn([N], { requiresGrad: true });
    const y = a.add(a).mul(a); // d/da (2a·a) = 4a
    y.sum().backward();
    a.grad!.data.forEach((v, i) => {
      expect(v).toBeCloseTo(4 * a.data[i]!, 4);
    });
  });
});

describe('setPoolLimit', () => {
  it('names itself on a bad limit, and 0 stops recycling', () => {
    expect(() => setPoolLimit(-1)).toThrow(/setPoolLimit: bytes/);
    setPoolLimit(0);
    const x = randn([N]);
    const buffer = scope(() => x.mul(2).data.buffer);
    expect(randn([N]).mul(2).data.buffer).not.toBe(buffer);
    setPoolLimit(1024 ** 3);
    expect(memoryStats().freeBytes).toBe(0);
  });
});

describe('Sequential without a graph', () => {
  it('disposes its intermediates and keeps its output; with a graph it disposes nothing', async () => {
    const { Sequential, Conv2d, ReLU, Flatten, noGrad } = await import('../../src/index.js');
    const made: Tensor[] = [];
    const spy = {
      forward(x: Tensor) {
        made.push(x);
        return x;
      },
    };
    const net = new Sequential(new Conv2d(2, 4, 3, { padding: 1 }), new ReLU(), new Flatten());
    // Record what flows between the layers.
    const layers = net.layers as unknown as { forward(x: Tensor): Tensor }[];
    for (const l of layers) {
      const f = l.forward.bind(l);
      l.forward = (x: Tensor) => spy.forward(f(x));
    }
    const x = randn([2, 2, 32, 32]);
    const y = noGrad(() => net.forward(x));
    expect(y.isDisposed).toBe(false);
    expect(made[0]!.isDisposed).toBe(true);
    expect(made[1]!.isDisposed).toBe(true); // shares its buffer with y (Flatten is a view), which keeps it alive
    expect(x.isDisposed).toBe(false);
    const withGrad = net.forward(x);
    expect(withGrad.requiresGrad).toBe(true);
    expect(made.slice(3).every((t) => !t.isDisposed)).toBe(true);
    withGrad.sum().backward();
    expect(net.parameters()[0]!.grad).not.toBeNull();
  });
});
