/**
 * Gives Tensor and the analysis results their `Symbol.for('Jupyter.display')` method. The method is installed
 * from here, on the prototypes, because dependencies point one way (tensor ← … ← analysis ← display): those
 * modules cannot import the display layer. Importing the package entry (src/index.ts) runs this once.
 */
import { Coverage } from '../analysis/coverage.js';
import { EffectiveReceptiveField } from '../analysis/erf.js';
import { ReceptiveField } from '../analysis/receptive-field.js';
import { Tensor } from '../tensor/tensor.js';
import type { MimeBundle } from './contract.js';
import { coverageBundle } from './coverage-view.js';
import { receptiveFieldBundle } from './field-views.js';
import { erfBundle, JUPYTER_DISPLAY } from './show.js';
import { toMimeBundle } from './views.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    [JUPYTER_DISPLAY](): MimeBundle;
  }
}
declare module '../analysis/receptive-field.js' {
  interface ReceptiveField {
    [JUPYTER_DISPLAY](): MimeBundle;
  }
}
declare module '../analysis/coverage.js' {
  interface Coverage {
    [JUPYTER_DISPLAY](): MimeBundle;
  }
}
declare module '../analysis/erf.js' {
  interface EffectiveReceptiveField {
    [JUPYTER_DISPLAY](): MimeBundle;
  }
}

function install<T>(proto: T, render: (value: T) => MimeBundle): void {
  // Non-enumerable, like a class method, so it stays out of for…in loops and object spreads.
  Object.defineProperty(proto, JUPYTER_DISPLAY, {
    value(this: T) {
      return render(this);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

install(Tensor.prototype, toMimeBundle);
install(ReceptiveField.prototype, (rf) => receptiveFieldBundle(rf));
install(EffectiveReceptiveField.prototype, (erf) => erfBundle(erf));
install(Coverage.prototype, (c) => coverageBundle(c));
