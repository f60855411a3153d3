import { describe, expect, it } from 'vitest';
import {
  avgPool2d,
  Conv2d,
  digitsData,
  Flatten,
  Linear,
  loadDigits,
  MaxPool2d,
  meanStd,
  Module,
  ReLU,
  randn,
  Sequential,
  type Tensor,
  trainOnDigits,
} from '../../src/index.js';

/** A one-convolution net for digits of side `size`. */
const tiny = (size = 14) =>
  new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(4 * (size / 2) ** 2, 10),
  );

/** Records the first batch it sees, so a test can compare the data order of two models. */
class Recorder extends Module {
  batches: number[][] = [];
  constructor(readonly inner: Module) {
    super();
  }
  forward(x: Tensor): Tensor {
    this.batches.push(Array.from(x.data.subarray(0, 14 * 14 * 2)));
    return this.inner.forward(x);
  }
}

describe('trainOnDigits', () => {
  it('lowers the loss and beats chance on held-out digits', () => {
    const [run] = trainOnDigits(() => tiny(), { seeds: [0], steps: 60, size: 14, perClass: 100 });
    const head = meanStd(run!.losses.slice(0, 5)).mean;
    const tail = meanStd(run!.losses.slice(-10)).mean;
    expect(run!.losses).toHaveLength(60);
    expect(head).toBeGreaterThan(2); // about ln 10 at the start
    expect(tail).toBeLessThan(head - 0.5);
    expect(run!.accuracy).toBeGreaterThan(0.5); // chance is 0.1
    expect(run!.seconds).toBeGreaterThan(0);
  });

  it('reproduces its losses exactly for the same seed, and differs for another', () => {
    const opts = { seeds: [3, 3, 4], steps: 8, size: 14 as const, perClass: 50 };
    const [a, b, c] = trainOnDigits(() => tiny(), opts);
    expect(a!.losses).toEqual(b!.losses);
    expect(a!.accuracy).toBe(b!.accuracy);
    expect(c!.losses).not.toEqual(a!.losses);
  });

  it('feeds the same batches to every architecture trained with a seed', () => {
    const widths = [4, 8];
    const recorders = widths.map((w) => {
      const r = new Recorder(
        new Sequential(
          new Conv2d(1, w, 3, { padding: 1 }),
          new ReLU(),
          new Flatten(),
          new Linear(w * 196, 10),
        ),
      );
      // a wider model draws more random numbers while it is built: the batches must not depend on that
      trainOnDigits(() => r, { seeds: [1], steps: 3, size: 14, perClass: 20 });
      return r;
    });
    expect(recorders[0]!.batches.slice(0, 3)).toEqual(recorders[1]!.batches.slice(0, 3));
  });

  it('calls onStep before every step with the model', () => {
    const seen: number[] = [];
    let built: Module | null = null;
    trainOnDigits(
      () => {
        built = tiny();
        return built;
      },
      {
        seeds: [0],
        steps: 4,
        size: 14,
        perClass: 20,
        onStep: (step, model) => seen.push(model === built ? step : -1),
      },
    );
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('trains with SGD and on full-size digits', () => {
    const [run] = trainOnDigits(() => tiny(28), {
      seeds: [0],
      steps: 30,
      optimizer: 'sgd',
      lr: 0.05,
      perClass: 60,
    });
    expect(meanStd(run!.losses.slice(-5)).mean).toBeLessThan(meanStd(run!.losses.slice(0, 5)).mean);
  });

  it('names the option and the value it rejects', () => {
    const bad: [object, RegExp][] = [
      [{ steps: 0 }, /trainOnDigits: steps must be a positive integer, got 0/],
      [{ batchSize: 2.5 }, /trainOnDigits: batchSize must be a positive integer, got 2.5/],
      [{ seeds: [] }, /trainOnDigits: seeds must be a non-empty array/],
      [{ lr: -1 }, /trainOnDigits: lr must be a positive number, got -1/],
      [{ optimizer: 'rmsprop' }, /trainOnDigits: optimizer must be 'adam' or 'sgd', got 'rmsprop'/],
      [{ size: 7 }, /trainOnDigits: size must be 28 or 14, got 7/],
      [{ perClass: 1 }, /trainOnDigits: perClass must be an integer >= 5, got 1/],
      [{ epochs: 2 }, /trainOnDigits: unknown option 'epochs'/],
      [{ onStep: 1 }, /trainOnDigits: onStep must be a function/],
    ];
    for (const [opts, message] of bad) expect(() => trainOnDigits(() => tiny(), opts)).toThrow(message);
    expect(() => trainOnDigits(null as never)).toThrow(/trainOnDigits: build must be a function/);
  });

  it('says when the model does not give [N, 10] logits', () => {
    const wrong = () => new Sequential(new Flatten(), new Linear(196, 7));
    expect(() => trainOnDigits(wrong, { seeds: [0], steps: 1, size: 14, perClass: 20 })).toThrow(
      /trainOnDigits: the model must map \[32, 1, 14, 14\] to \[32, 10\] logits, got \[32, 7\]/,
    );
  });
});

describe('digitsData', () => {
  it('pools the digits of loadDigits 2×2 for size 14', () => {
    const full = loadDigits({ perClass: 20, seed: 0 });
    const small = digitsData({ perClass: 20, size: 14 });
    expect(small.trainImages.shape).toEqual([160, 1, 14, 14]);
    expect(Array.from(small.testImages.data)).toEqual(Array.from(avgPool2d(full.testImages, 2).data));
    expect(Array.from(small.trainLabels.data)).toEqual(Array.from(full.trainLabels.data));
  });
});

describe('meanStd', () => {
  it('gives the mean and the sample standard deviation', () => {
    const { mean, std } = meanStd([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanStd([7])).toEqual({ mean: 7, std: 0 });
    const x = randn([50]);
    expect(meanStd(Array.from(x.data)).std).toBeCloseTo(Math.sqrt(x.var().item()), 5);
  });
  it('rejects an empty or non-finite list', () => {
    expect(() => meanStd([])).toThrow(/meanStd: xs must be a non-empty array of finite numbers, got \[\]/);
    expect(() => meanStd([1, Number.NaN])).toThrow(/meanStd/);
  });
});
