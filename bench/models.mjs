/**
 * The whole-model cases M1–M5: which network, its input, inference or one training step, and how often each is
 * timed. run-models.mjs writes this list to models.json in the run's data directory, so the PyTorch script
 * (torch_models.py) and the convlab worker (model_worker.mjs) read the same shapes and settings.
 *
 * `--quick` shrinks every case (smaller images and batches, fewer runs) so the whole harness, PyTorch export and
 * output checks included, runs in seconds; its figures say nothing about speed.
 */

const SGD = { name: 'SGD', lr: 0.01, momentum: 0.9 };
const ADAM = { name: 'Adam', lr: 1e-3 };

const fullModels = [
  {
    id: 'M1',
    label: 'ResNet-50 inference, batch 1, 224×224',
    net: 'resnet50',
    mode: 'infer',
    x: [1, 3, 224, 224],
    numClasses: 1000,
    warmup: 2,
    samples: 7,
  },
  {
    id: 'M2',
    label: 'ResNet-50 train step, batch 8, 112×112, SGD',
    net: 'resnet50',
    mode: 'train',
    x: [8, 3, 112, 112],
    numClasses: 1000,
    optimizer: SGD,
    warmup: 1,
    samples: 3,
  },
  {
    id: 'M3',
    label: 'small CNN train step, batch 64, 28×28, Adam',
    net: 'smallcnn',
    mode: 'train',
    x: [64, 1, 28, 28],
    numClasses: 10,
    optimizer: ADAM,
    warmup: 3,
    samples: 15,
  },
  {
    id: 'M4',
    label: 'MobileNetV1 inference, batch 1, 224×224',
    net: 'mobilenetv1',
    mode: 'infer',
    x: [1, 3, 224, 224],
    numClasses: 1000,
    warmup: 3,
    samples: 15,
  },
  {
    id: 'M5',
    label: 'ShuffleNet v1 (g=3) inference, batch 1, 224×224',
    net: 'shufflenetv1',
    mode: 'infer',
    x: [1, 3, 224, 224],
    numClasses: 1000,
    warmup: 3,
    samples: 15,
  },
];

/** Shrunk inputs for --quick: every network still runs end to end (sizes divisible by 32). */
const quickShapes = {
  M1: [1, 3, 64, 64],
  M2: [2, 3, 64, 64],
  M3: [8, 1, 28, 28],
  M4: [1, 3, 64, 64],
  M5: [1, 3, 64, 64],
};

/** The model cases to run, by id (all when ids is null); quick shrinks them. */
export function selectModels({ quick = false, ids = null } = {}) {
  const known = fullModels.map((m) => m.id);
  for (const id of ids ?? []) {
    if (!known.includes(id))
      throw new Error(`bench: unknown model case '${id}', expected some of ${known.join(', ')}`);
  }
  return fullModels
    .filter((m) => ids === null || ids.includes(m.id))
    .map((m) =>
      quick
        ? {
            ...m,
            label: `${m.label.split(',')[0]} (quick: ${quickShapes[m.id].join('×')})`,
            x: quickShapes[m.id],
            warmup: 1,
            samples: 2,
            quick: true,
          }
        : { ...m },
    );
}
