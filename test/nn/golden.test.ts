import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  AdaptiveAvgPool2d,
  adaptiveAvgPool2d,
  avgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Flatten,
  interpolate,
  Linear,
  loadNpy,
  MaxPool2d,
  maxPool2d,
  type Module,
  ReLU,
  SGD,
  Sequential,
  type Tensor,
  tensor,
} from '../../src/index.js';

interface T {
  shape: number[];
  data: number[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8'));
const toT = (v: T, requiresGrad = false) => tensor(v.data, v.shape, { requiresGrad });

/** max |a − b| relative to the reference's largest magnitude (1 when it is all zeros). */
function expectClose(actual: Tensor, expected: T, tol: number) {
  expect(actual.shape).toEqual(expected.shape);
  const scale = Math.max(1e-12, ...expected.data.map(Math.abs));
  let worst = 0;
  expected.data.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual.data[i]! - e) / scale);
  });
  expect(worst).toBeLessThanOrEqual(tol);
}

const pair = (v: unknown) => (v === null ? undefined : (v as number | number[]));
const functional: Record<string, (x: Tensor, a: Record<string, unknown>) => Tensor> = {
  maxPool2d: (x, a) =>
    maxPool2d(x, a.kernelSize as number, {
      stride: pair(a.stride),
      padding: pair(a.padding),
      dilation: pair(a.dilation),
      ceilMode: a.ceilMode as boolean,
    }),
  avgPool2d: (x, a) =>
    avgPool2d(x, a.kernelSize as number, {
      stride: pair(a.stride),
      padding: pair(a.padding),
      ceilMode: a.ceilMode as boolean,
      countIncludePad: a.countIncludePad as boolean,
    }),
  adaptiveAvgPool2d: (x, a) => adaptiveAvgPool2d(x, a.outputSize as number),
  interpolate: (x, a) =>
    interpolate(x, {
      mode: a.mode as 'nearest',
      size: pair(a.size),
      scaleFactor: pair(a.scaleFactor),
      alignCorners: a.alignCorners === null ? undefined : (a.alignCorners as boolean),
    }),
};

describe('pooling and resampling against PyTorch', () => {
  for (const c of fx.functional) {
    it(c.name, () => {
      const x = toT(c.inputs[0], true);
      const y = functional[c.args.op]!(x, c.args);
      expectClose(y, c.output, 1e-5);
      y.backward(toT(c.gradOutput));
      expectClose(x.grad!, c.gradInputs[0], 1e-4);
    });
  }
});

describe('layers against PyTorch', () => {
  for (const c of fx.layers) {
    it(c.name, () => {
      const layer: Module =
        c.layer === 'Linear'
          ? new Linear(6, 4)
          : c.layer === 'BatchNorm2d'
            ? new BatchNorm2d(3, { momentum: 0.2 })
            : new BatchNorm1d(3, { momentum: 0.2 });
      // Strict: PyTorch's own keys (running_mean, num_batches_tracked, …) are convlab's keys.
      layer.loadStateDict(
        Object.fromEntries(Object.entries({ ...c.params, ...c.buffers }).map(([k, v]) => [k, toT(v as T)])),
      );
      if (c.layer !== 'Linear') {
        // Start from fresh running statistics, as the reference did.
        layer.loadStateDict(
          { running_mean: tensor([0, 0, 0]), running_var: tensor([1, 1, 1]) },
          { strict: false },
        );
      }
      const x = toT(c.input, true);
      const y = layer.forward(x);
      expectClose(y, c.output, 1e-5);
      y.backward(toT(c.gradOutput));
      expectClose(x.grad!, c.gradInput, 1e-4);
      const params = new Map(layer.namedParameters());
      for (const [k, g] of Object.entries(c.grads)) expectClose(params.get(k)!.grad!, g as T, 1e-4);
      if (c.evalInput) {
        const buffers = new Map(layer.namedBuffers());
        expectClose(buffers.get('running_mean')!, c.buffers.running_mean, 1e-5);
        expectClose(buffers.get('running_var')!, c.buffers.running_var, 1e-5);
        layer.eval();
        expectClose(layer.forward(toT(c.evalInput)), c.evalOutput, 1e-5);
      }
    });
  }
});

describe('model summary against PyTorch', () => {
  const net = () =>
    new Sequential(
      new Conv2d(3, 8, 3, { padding: 1 }),
      new BatchNorm2d(8),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(8, 16, 3, { stride: 2, groups: 2, bias: false }),
      new ReLU(),
      new Conv2d(16, 16, 3, { padding: 'same', dilation: 2, paddingMode: 'reflect' }),
      new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 }),
      new AdaptiveAvgPool2d(1),
      new Flatten(),
      new Linear(8, 10),
    );

  it('counts the same parameters and names the state dict the same way', () => {
    const model = net();
    expect(model.countParams()).toBe(fx.model.params);
    const sd = model.stateDict();
    const expected = Object.entries(fx.model.stateDict as Record<string, number[]>);
    expect([...sd.keys()]).toEqual(expected.map(([k]) => k));
    for (const [k, shape] of expected) expect(sd.get(k)!.shape).toEqual(shape);
  });

  it('lists each layer with output shape, parameters and FLOPs', () => {
    const s = net().summary([2, 3, 32, 32]);
    expect(s.rows.map((r) => r.outputShape)).toEqual(fx.model.outputShapes);
    expect(s.totalParams).toBe(fx.model.params);
    // First conv: 2 images · 8 filters · 32·32 positions · 3·3·3 taps.
    expect(s.rows[0]!.macs).toBe(2 * 8 * 32 * 32 * 27);
    expect(s.rows[4]!.params).toBe(16 * 4 * 9);
    const text = s.toString();
    expect(text).toContain(`Total params: ${fx.model.params.toLocaleString('en-US')}`);
    expect(text).toContain(`[${fx.model.outputShapes[4].join(', ')}]`);
  });
});

describe('optimizers against PyTorch', () => {
  for (const c of fx.optimizers) {
    it(c.name, () => {
      const w = toT(c.initial, true);
      const name: string = c.name;
      const num = (key: string) => Number(new RegExp(`${key}=([0-9.]+)`).exec(name)?.[1] ?? Number.NaN);
      const opt = name.startsWith('SGD')
        ? new SGD([w], {
            lr: num('lr'),
            momentum: name.includes('momentum') ? num('momentum') : 0,
            weightDecay: name.includes('weightDecay') ? num('weightDecay') : 0,
            dampening: name.includes('dampening') ? num('dampening') : 0,
            nesterov: name.includes('nesterov'),
          })
        : new Adam([w], {
            lr: num('lr'),
            betas: name.includes('betas') ? [0.8, 0.99] : undefined,
            weightDecay: name.includes('weightDecay') ? num('weightDecay') : 0,
          });
      for (const g of c.grads) {
        w.grad = toT(g);
        opt.step();
      }
      expectClose(w, c.final, 1e-5);
    });
  }
});

describe('.npy files written by NumPy', () => {
  fx.npy.forEach((c: { bytes: number[]; shape: number[]; data: number[] }, i: number) => {
    it(`file ${i}: shape [${c.shape}]`, () => {
      const t = loadNpy(Uint8Array.from(c.bytes));
      expect(t.shape).toEqual(c.shape);
      expect(Array.from(t.data)).toEqual(c.data.map((v) => Math.fround(v)));
    });
  });
});
