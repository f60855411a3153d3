/**
 * The whole-model cases (models.mjs) in convlab, written as a user writes them: the networks of src/models, a
 * Sequential for the small CNN, `noGrad` for inference, zeroGrad / forward / crossEntropy / backward / step for
 * training. Shared by model_worker.mjs (timing and outputs) and profile.mjs (where the time goes).
 */

/** The network of a case, freshly initialised (weights are loaded afterwards). */
export function buildModel(cl, c) {
  const k = c.numClasses;
  switch (c.net) {
    case 'resnet50':
      return cl.resnet50({ numClasses: k });
    case 'mobilenetv1':
      return new cl.MobileNetV1({ numClasses: k });
    case 'shufflenetv1':
      return cl.shufflenetV1({ groups: 3, numClasses: k });
    case 'smallcnn':
      return new cl.Sequential(
        new cl.Conv2d(1, 16, 3, { padding: 1 }),
        new cl.BatchNorm2d(16),
        new cl.ReLU(),
        new cl.MaxPool2d(2),
        new cl.Conv2d(16, 32, 3, { padding: 1 }),
        new cl.BatchNorm2d(32),
        new cl.ReLU(),
        new cl.MaxPool2d(2),
        new cl.Flatten(),
        new cl.Linear(32 * 7 * 7, k),
      );
    default:
      throw new Error(`bench: unknown net '${c.net}' in model case ${c.id}`);
  }
}

/**
 * One unit of work of the case: an inference or a whole training step. `last()` returns what the step produced
 * (output, or loss). The library's scope API, when it has one, returns each step's temporaries to the pool, as
 * the README's training idiom does.
 */
export function makeStep(cl, model, c, x, target) {
  const scoped = typeof cl.scope === 'function' ? (fn) => cl.scope(fn) : (fn) => fn();
  let last = null;
  if (c.mode === 'infer') {
    model.eval();
    return {
      step: () => {
        // The previous output is done with: its buffer goes back to the pool, as a user's loop would do.
        last?.dispose?.();
        last = scoped(() => cl.noGrad(() => model.forward(x)));
      },
      last: () => last,
    };
  }
  model.train();
  const o = c.optimizer;
  const opt =
    o.name === 'SGD'
      ? new cl.SGD(model.parameters(), { lr: o.lr, momentum: o.momentum })
      : new cl.Adam(model.parameters(), { lr: o.lr });
  return {
    opt,
    step: () => {
      scoped(() => {
        opt.zeroGrad();
        const loss = cl.crossEntropy(model.forward(x), target);
        loss.backward();
        opt.step();
        last = loss.item();
      });
    },
    last: () => last,
  };
}
