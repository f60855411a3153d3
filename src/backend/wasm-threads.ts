/**
 * Threads for the WASM backend: worker instances of the same module over one shared WebAssembly.Memory. The
 * calling thread hands out tasks through a shared counter and blocks with Atomics.wait until every worker it woke
 * has finished, so every call stays synchronous for its caller. Workers start on the first parallel call; one that
 * is not up yet simply gets no work (each worker has its own go/finished words, so a late one never joins a job
 * midway).
 */

/** Layout of the control block (Int32 words). */
const FN = 0;
const CTX = 1;
const TASKS = 2;
const NEXT = 3;
const READY = 4;
const SLOTS = 16; // per worker w: go at SLOTS + 3w, finished at SLOTS + 3w + 1, ready at SLOTS + 3w + 2
const STACK_BYTES = 256 * 1024;
/** Polls before sleeping: jobs often follow within microseconds, and a futex wake-up costs tens of them. */
const SPINS = 20000;

/** Runs in each worker, in Node (worker_threads) or a browser (Worker): instantiate, then serve jobs forever. */
const workerSource = `
function serve({ module, memory, control, id, stackTop }) {
  const ctl = new Int32Array(control);
  const instance = new WebAssembly.Instance(module, {
    env: { memory, parallel_for: () => { throw new Error('convlab wasm: nested parallel loop'); } },
  });
  instance.exports.__stack_pointer.value = stackTop;
  const run = instance.exports.cl_run_task;
  const go = ${SLOTS} + 3 * id;
  let seen = Atomics.load(ctl, go);
  Atomics.store(ctl, go + 2, 1);
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  for (;;) {
    for (let i = 0; i < ${SPINS} && Atomics.load(ctl, go) === seen; i++);
    Atomics.wait(ctl, go, seen);
    seen = Atomics.load(ctl, go);
    const fn = ctl[${FN}], ctx = ctl[${CTX}], tasks = ctl[${TASKS}];
    for (let i; (i = Atomics.add(ctl, ${NEXT}, 1)) < tasks; ) run(fn, ctx, i, id);
    Atomics.store(ctl, go + 1, seen);
    Atomics.notify(ctl, go + 1);
  }
}
if (typeof require === 'function') serve(require('node:worker_threads').workerData);
else self.onmessage = (e) => serve(e.data);
`;

export interface WasmExports {
  cl_run_task(fn: number, ctx: number, task: number, thread: number): void;
  cl_alloc(bytes: number): number;
}

/** A pool of threads - 1 workers; `parallelFor` is the module's `env.parallel_for` import. */
export class WasmThreads {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 3 * 256)));
  private started = false;
  exports: WasmExports | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    readonly threads: number,
  ) {}

  private start(ex: WasmExports): void {
    const spawn = spawner();
    for (let id = 1; id < this.threads; id++) {
      const base = ex.cl_alloc(STACK_BYTES);
      const data = {
        module: this.module,
        memory: this.memory,
        control: this.ctl.buffer,
        id,
        stackTop: base + STACK_BYTES,
      };
      spawn(workerSource, data);
    }
    // Give the workers a moment to come up, so the first call already runs on every thread.
    const deadline = Date.now() + 2000;
    let up = Atomics.load(this.ctl, READY);
    while (up < this.threads - 1 && Date.now() < deadline) {
      Atomics.wait(this.ctl, READY, up, 50);
      up = Atomics.load(this.ctl, READY);
    }
  }

  readonly parallelFor = (tasks: number, fn: number, ctx: number): void => {
    const ex = this.exports!;
    if (!this.started && this.threads > 1) {
      this.started = true;
      this.start(ex);
    }
    const ctl = this.ctl;
    ctl[FN] = fn;
    ctl[CTX] = ctx;
    ctl[TASKS] = tasks;
    Atomics.store(ctl, NEXT, 0);
    const woken: number[] = [];
    for (let w = 1; w < this.threads; w++) {
      const go = SLOTS + 3 * w;
      if (Atomics.load(ctl, go + 2) !== 1) continue;
      Atomics.add(ctl, go, 1);
      Atomics.notify(ctl, go);
      woken.push(w);
    }
    for (let i = Atomics.add(ctl, NEXT, 1); i < tasks; i = Atomics.add(ctl, NEXT, 1))
      ex.cl_run_task(fn, ctx, i, 0);
    for (const w of woken) {
      const go = SLOTS + 3 * w;
      const target = Atomics.load(ctl, go);
      let fin = Atomics.load(ctl, go + 1);
      for (let i = 0; i < SPINS && fin !== target; i++) fin = Atomics.load(ctl, go + 1);
      while (fin !== target) {
        Atomics.wait(ctl, go + 1, fin);
        fin = Atomics.load(ctl, go + 1);
      }
    }
  };
}

/** How to start a worker here: worker_threads in Node, a Blob-URL Worker in a browser. */
function spawner(): (source: string, data: object) => void {
  const proc = globalThis.process;
  if (proc?.versions?.node !== undefined) {
    const { Worker } = proc.getBuiltinModule('worker_threads');
    return (source, data) => new Worker(source, { eval: true, workerData: data }).unref();
  }
  return (source, data) => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    new Worker(url).postMessage(data);
  };
}
