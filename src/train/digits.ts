/**
 * A small shared training harness, so a tutorial can show what a convolution learns in a few seconds instead of
 * asserting it: one fresh model per seed, trained on the bundled digits with one fixed budget, and the same
 * batches in the same order for every model given the same seed, so two architectures are compared on equal terms.
 *
 *     const runs = trainOnDigits((seed) => new Sequential(…), { seeds: [0, 1, 2], steps: 60, size: 14 });
 *     meanStd(runs.map((r) => r.accuracy));   // { mean, std } over seeds
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { type Digits, loadDigits } from '../io/digits.js';
import type { Module } from '../nn/module.js';
import { Adam, SGD } from '../nn/optim.js';
import { avgPool2d } from '../ops/pool.js';
import { randperm } from '../tensor/create.js';
import { crossEntropy } from '../tensor/loss.js';
import { manualSeed } from '../tensor/random.js';
import { noGrad, scope, Tensor } from '../tensor/tensor.js';

export interface DigitsRun {
  seed: number;
  /** Training loss after each optimizer step (the batch's mean cross-entropy before the update). */
  losses: number[];
  /** Fraction of the held-out digits classified right after training. */
  accuracy: number;
  /** Wall-clock seconds of the training steps (evaluation excluded). */
  seconds: number;
  /** The trained model, left in evaluation mode. */
  model: Module;
}

export interface TrainOnDigitsOptions {
  /** One fresh model per seed; default [0, 1, 2]. */
  seeds?: number[];
  /** Optimizer steps per seed; default 100. */
  steps?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 2e-3. */
  lr?: number;
  /** Default 'adam'; 'sgd' uses momentum 0.9. */
  optimizer?: 'adam' | 'sgd';
  /** Digits loaded per class (80 % train, 20 % test); default 300, small so tutorials stay fast. */
  perClass?: number;
  /** Image side: 28, or 14 for 2×2 average-pooled digits, 4× cheaper; default 28. */
  size?: 28 | 14;
  /** Called before each optimizer step (0-based), e.g. to anneal a temperature over the run. */
  onStep?: (step: number, model: Module) => void;
}

export interface DigitsDataOptions {
  /** Digits loaded per class (80 % train, 20 % test); default 300. */
  perClass?: number;
  /** Image side, 28 or 14 (2×2 average-pooled); default 28. */
  size?: 28 | 14;
}

// Loading and pooling the digits takes longer than a short run; tutorials call the harness several times.
const cache = new Map<string, Digits>();

/**
 * The digits trainOnDigits trains and evaluates on: [N, 1, size, size] images in [0, 1] and [N] labels, the
 * split and order of `loadDigits({ perClass, seed: 0 })`. The tensors are shared between calls: do not modify them.
 */
export function digitsData(opts: DigitsDataOptions = {}): Digits {
  const perClass = opts.perClass ?? 300;
  const size = opts.size ?? 28;
  if (!Number.isInteger(perClass) || perClass < 5)
    throw new ArgumentError(`digitsData: perClass must be an integer >= 5, got ${perClass}`);
  if (size !== 28 && size !== 14) throw new ArgumentError(`digitsData: size must be 28 or 14, got ${size}`);
  const key = `${perClass}/${size}`;
  let digits = cache.get(key);
  if (digits === undefined) {
    const full = loadDigits({ perClass, seed: 0 });
    const pool = (images: Tensor) => (size === 28 ? images : noGrad(() => avgPool2d(images, 2)));
    digits = {
      trainImages: pool(full.trainImages),
      trainLabels: full.trainLabels,
      testImages: pool(full.testImages),
      testLabels: full.testLabels,
    };
    cache.set(key, digits);
  }
  return digits;
}

function checkOptions(opts: TrainOnDigitsOptions): Required<TrainOnDigitsOptions> {
  const known = ['seeds', 'steps', 'batchSize', 'lr', 'optimizer', 'perClass', 'size', 'onStep'];
  for (const name of Object.keys(opts)) {
    if (!known.includes(name))
      throw new ArgumentError(
        `trainOnDigits: unknown option '${name}' (expected one of ${known.join(', ')})`,
      );
  }
  const o = {
    seeds: opts.seeds ?? [0, 1, 2],
    steps: opts.steps ?? 100,
    batchSize: opts.batchSize ?? 32,
    lr: opts.lr ?? 2e-3,
    optimizer: opts.optimizer ?? 'adam',
    perClass: opts.perClass ?? 300,
    size: opts.size ?? 28,
    onStep: opts.onStep ?? (() => {}),
  };
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`trainOnDigits: ${name} must be a positive integer, got ${String(v)}`);
  };
  if (!Array.isArray(o.seeds) || o.seeds.length === 0 || !o.seeds.every((s) => Number.isInteger(s) && s >= 0))
    throw new ArgumentError(
      `trainOnDigits: seeds must be a non-empty array of non-negative integers, got ${JSON.stringify(o.seeds)}`,
    );
  positiveInt('steps', o.steps);
  positiveInt('batchSize', o.batchSize);
  if (!(o.lr > 0) || !Number.isFinite(o.lr))
    throw new ArgumentError(`trainOnDigits: lr must be a positive number, got ${String(o.lr)}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd')
    throw new ArgumentError(`trainOnDigits: optimizer must be 'adam' or 'sgd', got '${String(o.optimizer)}'`);
  if (!Number.isInteger(o.perClass) || o.perClass < 5)
    throw new ArgumentError(`trainOnDigits: perClass must be an integer >= 5, got ${String(o.perClass)}`);
  if (o.size !== 28 && o.size !== 14)
    throw new ArgumentError(`trainOnDigits: size must be 28 or 14, got ${String(o.size)}`);
  if (typeof o.onStep !== 'function')
    throw new ArgumentError(
      `trainOnDigits: onStep must be a function (step, model) => void, got ${typeof o.onStep}`,
    );
  return o;
}

/** Copies the rows `index` of an [N, …] tensor into a new [index.length, …] tensor. */
function rows(t: Tensor, index: number[]): Tensor {
  const row = t.size / t.shape[0]!;
  const out = new Float32Array(index.length * row);
  const src = t.data;
  index.forEach((r, i) => {
    out.set(src.subarray(r * row, (r + 1) * row), i * row);
  });
  return new Tensor(out, [index.length, ...t.shape.slice(1)]);
}

/** Batch order for one seed: successive permutations of the training set, cut into batches. */
function batchOrder(n: number, steps: number, batchSize: number): number[][] {
  const batches: number[][] = [];
  let perm: number[] = [];
  let at = n;
  for (let s = 0; s < steps; s++) {
    const batch: number[] = [];
    while (batch.length < batchSize) {
      if (at === n) {
        perm = randperm(n);
        at = 0;
      }
      const take = Math.min(batchSize - batch.length, n - at);
      batch.push(...perm.slice(at, at + take));
      at += take;
    }
    batches.push(batch);
  }
  return batches;
}

/** Fraction of the test digits the model classifies right, evaluated in eval mode and in chunks. */
export function digitsAccuracy(model: Module, digits: Digits): number {
  const n = digits.testImages.shape[0]!;
  const chunk = 256;
  let correct = 0;
  model.eval();
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    correct += scope(() =>
      noGrad(() => {
        const predicted = model.forward(digits.testImages.narrow(0, start, m)).argmax(1).data;
        const labels = digits.testLabels.data;
        let c = 0;
        for (let i = 0; i < m; i++) if (predicted[i] === labels[start + i]) c++;
        return c;
      }),
    );
  }
  return correct / n;
}

/**
 * Trains one fresh model per seed on the bundled digits with a fixed budget. For each seed it calls
 * `manualSeed(seed)`, builds the model, calls `manualSeed(seed)` again and draws the batch order, so every model
 * trained with that seed sees the same batches whatever its architecture drew while building. Each step runs in
 * `scope()`. `build(seed)` must return a model mapping [N, 1, size, size] to [N, 10] logits.
 */
export function trainOnDigits(build: (seed: number) => Module, opts: TrainOnDigitsOptions = {}): DigitsRun[] {
  if (typeof build !== 'function')
    throw new ArgumentError(`trainOnDigits: build must be a function (seed) => Module, got ${typeof build}`);
  const o = checkOptions(opts);
  const digits = digitsData({ perClass: o.perClass, size: o.size });
  const n = digits.trainImages.shape[0]!;
  return o.seeds.map((seed) => {
    manualSeed(seed);
    const model = build(seed);
    if (model === null || typeof model !== 'object' || typeof model.forward !== 'function')
      throw new ArgumentError(`trainOnDigits: build(${seed}) must return a Module, got ${String(model)}`);
    manualSeed(seed);
    const batches = batchOrder(n, o.steps, o.batchSize);
    const params = model.parameters();
    const optimizer =
      o.optimizer === 'adam' ? new Adam(params, { lr: o.lr }) : new SGD(params, { lr: o.lr, momentum: 0.9 });
    model.train();
    const losses: number[] = [];
    const started = performance.now();
    for (const [step, batch] of batches.entries()) {
      o.onStep(step, model);
      const x = rows(digits.trainImages, batch);
      const y = rows(digits.trainLabels, batch);
      losses.push(
        scope(() => {
          optimizer.zeroGrad();
          const logits = model.forward(x);
          if (logits.shape.length !== 2 || logits.shape[0] !== batch.length || logits.shape[1] !== 10)
            throw new ShapeError(
              `trainOnDigits: the model must map [${batch.length}, 1, ${o.size}, ${o.size}] to [${batch.length}, 10] logits, got [${logits.shape.join(', ')}]`,
            );
          const loss = crossEntropy(logits, y);
          loss.backward();
          optimizer.step();
          return loss.item();
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const accuracy = digitsAccuracy(model, digits);
    return { seed, losses, accuracy, seconds, model };
  });
}

/** Mean and sample standard deviation (n - 1 in the divisor, as torch.std; 0 for a single value). */
export function meanStd(xs: number[]): { mean: number; std: number } {
  if (!Array.isArray(xs) || xs.length === 0 || !xs.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new ArgumentError(
      `meanStd: xs must be a non-empty array of finite numbers, got ${JSON.stringify(xs)}`,
    );
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}
