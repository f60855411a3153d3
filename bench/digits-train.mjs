#!/usr/bin/env node
/**
 * The training cell of notebooks/experiment-train-digits.ipynb as a script (same net, data, seed and budget, each
 * step in a scope), to time one build of convlab against another side by side:
 *
 *   node bench/digits-train.mjs [ROOT …]     ROOT: a convlab checkout with dist/ built (default: this one)
 *
 * Prints the training time (wall and CPU), the last loss and the test accuracy of each.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const roots =
  process.argv.length > 2 ? process.argv.slice(2) : [dirname(dirname(fileURLToPath(import.meta.url)))];
for (const root of roots) {
  const L = await import(pathToFileURL(resolve(root, 'dist/src/index.js')).href);
  const {
    Adam,
    Conv2d,
    crossEntropy,
    Flatten,
    Linear,
    loadDigits,
    manualSeed,
    MaxPool2d,
    noGrad,
    ReLU,
    Sequential,
  } = L;
  // A build from before scope existed runs its steps as they are.
  const scope = L.scope ?? ((fn) => fn());
  manualSeed(0);
  const digits = loadDigits({ seed: 0 });
  const epochs = 3;
  const batchSize = 64;
  const net = new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 7 * 7, 10),
  );
  const optimizer = new Adam(net.parameters(), { lr: 2e-3 });
  const steps = Math.floor(digits.trainImages.shape[0] / batchSize);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let last = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    net.train();
    for (let s = 0; s < steps; s++) {
      const x = digits.trainImages.narrow(0, s * batchSize, batchSize);
      const y = digits.trainLabels.narrow(0, s * batchSize, batchSize);
      last = scope(() => {
        const loss = crossEntropy(net.forward(x), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss.item();
      });
    }
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  net.eval();
  const predictions = noGrad(() => net.forward(digits.testImages)).argmax(1);
  let correct = 0;
  for (let i = 0; i < predictions.size; i++) if (predictions.data[i] === digits.testLabels.data[i]) correct++;
  const accuracy = (100 * correct) / predictions.size;
  console.log(
    `${root}: training ${wall.toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU, ` +
      `last loss ${last.toFixed(4)}, test accuracy ${accuracy.toFixed(2)} %`,
  );
}
