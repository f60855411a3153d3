/**
 * The browser kernel's Web Worker: convlab (the browser build) and a Session that runs the cells. Cells run here
 * rather than on the page so a long computation never freezes JupyterLab, and so the WASM backend may block on
 * its worker threads (a page's main thread may not wait).
 *
 * An interrupt arrives through a shared Int32Array that the page sets and every loop iteration of a cell reads
 * (`__tick`): postMessage could not reach a worker busy in a loop. Without cross-origin isolation there is no
 * shared memory, and the page ends the worker instead (kernel.ts).
 */
import * as convlab from '../browser.js';
import { Checker, type TypeFiles } from './check.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { Session } from './session.js';

let current = 0;
let interrupt: Int32Array | null = null;
const post = (msg: FromWorker) => postMessage(msg);

class KeyboardInterrupt extends Error {
  override name = 'KeyboardInterrupt';
}

/** Resolves the type checker once `start` has named where kernel-types.json is (lite/types.mjs writes it). */
let startChecker!: (base: string) => void;
const checker = new Promise<string>((resolve) => {
  startChecker = resolve;
}).then(async (base) => {
  const response = await fetch(new URL('kernel-types.json', new URL(base, import.meta.url)));
  if (!response.ok) throw new Error(`kernel-types.json: ${response.status} ${response.statusText}`);
  return new Checker((await response.json()) as TypeFiles);
});

const session = new Session(
  {
    stream: (name, text) => post({ type: 'stream', id: current, name, text }),
    display: (bundle, opts) => post({ type: 'display', id: current, bundle, opts }),
    importModule: async (specifier) => {
      if (specifier === 'convlab') return convlab;
      if (/^(https?:)?\/\//.test(specifier)) return import(/* @vite-ignore */ specifier);
      throw new Error(
        `import: '${specifier}' is not available in the browser kernel (it has 'convlab' and modules by URL)`,
      );
    },
    tick: () => {
      if (interrupt !== null && Atomics.exchange(interrupt, 0, 0) !== 0)
        throw new KeyboardInterrupt('interrupted by the user');
    },
  },
  checker,
);

// Library code prints through the global console (checkAnswer's verdicts, warnings): as in the Node kernel, that
// is the running cell's output.
const cellConsole = session.scope.console as Record<string, unknown>;
for (const method of ['log', 'info', 'debug', 'warn', 'error', 'table'])
  (console as unknown as Record<string, unknown>)[method] = cellConsole[method];

// Cells run one after another, in the order they arrive.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'start') {
    interrupt = msg.interrupt;
    startChecker(msg.base);
    queue = convlab
      .start({ base: msg.base })
      .then(
        (info) => post({ type: 'started', info }),
        (e) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
      )
      // The checker is built while the notebook opens, before the first cell; a failure is the first cell's to
      // report (session.ts).
      .then(() => checker.then((c) => c.warm()))
      .catch(() => {});
  } else if (msg.type === 'execute') {
    queue = queue.then(async () => {
      current = msg.id;
      if (interrupt !== null) Atomics.store(interrupt, 0, 0);
      post({ type: 'done', id: msg.id, result: await session.execute(msg.code) });
    });
  } else if (msg.type === 'complete') {
    post({ type: 'completed', id: msg.id, ...session.complete(msg.code, msg.cursor) });
  } else if (msg.type === 'inspect') {
    post({ type: 'inspected', id: msg.id, data: session.inspect(msg.code, msg.cursor) });
  }
};
