/**
 * Threads for the WASM backend: worker instances of the same module over one shared WebAssembly.Memory. The
 * calling thread offers each job to the workers that are up and runs tasks itself, claiming them in runs from a
 * shared counter, so every call stays synchronous for its caller. Each worker has one state word, 4·job + phase
 * (offered, running, finished): a worker takes an offer by moving it to running, and the caller, once every task
 * is claimed, withdraws the offers nobody took and waits only for the workers that are running. A worker that is
 * asleep or has lost its CPU to another process therefore never holds a job up (when the caller waited for every
 * worker, two threads could run slower than one).
 */

/** Layout of the control block (Int32 words). */
const FN = 0;
const CTX = 1;
const TASKS = 2;
const NEXT = 3;
const READY = 4;
const SLOTS = 16; // per worker w: state at SLOTS + 2w, up (1 once it serves) at SLOTS + 2w + 1
const OFFERED = 1;
const RUNNING = 2;
const FINISHED = 3;
const STACK_BYTES = 256 * 1024;
/** Polls before sleeping: jobs often follow within microseconds, and a futex wake-up costs tens of them. */
const SPINS = 20000;
/** Tasks per claim: about an eighth of a thread's share, so jobs of thousands of tiny tasks do not spend their time
 * passing the counter between cores. */
const RUNS_PER_THREAD = 8;

/** Runs in each worker, in Node (worker_threads) or a browser (Worker): instantiate, then serve jobs forever. */
const workerSource = `
function serve({ module, memory, control, id, threads, stackTop }) {
  const ctl = new Int32Array(control);
  const instance = new WebAssembly.Instance(module, {
    env: { memory, parallel_for: () => { throw new Error('convlab wasm: nested parallel loop'); } },
  });
  instance.exports.__stack_pointer.value = stackTop;
  const run = instance.exports.cl_run_task;
  const st = ${SLOTS} + 2 * id;
  let seen = Atomics.load(ctl, st);
  Atomics.store(ctl, st + 1, 1);
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  for (;;) {
    for (let i = 0; i < ${SPINS} && Atomics.load(ctl, st) === seen; i++);
    Atomics.wait(ctl, st, seen);
    seen = Atomics.load(ctl, st);
    if ((seen & 3) !== ${OFFERED}) continue;
    // Withdrawn meanwhile: the caller ran every task.
    const job = seen - ${OFFERED};
    if (Atomics.compareExchange(ctl, st, seen, job + ${RUNNING}) !== seen) continue;
    const fn = ctl[${FN}], ctx = ctl[${CTX}], tasks = ctl[${TASKS}];
    const runLength = Math.max(1, Math.floor(tasks / (${RUNS_PER_THREAD} * threads)));
    for (let i; (i = Atomics.add(ctl, ${NEXT}, runLength)) < tasks; )
      for (let t = i, end = Math.min(i + runLength, tasks); t < end; t++) run(fn, ctx, t, id);
    seen = job + ${FINISHED};
    Atomics.store(ctl, st, seen);
    Atomics.notify(ctl, st);
  }
}
// In Node the source may be run as a module (a process started with --input-type=module passes that on), where
// there is no require: the built-in module comes from process.getBuiltinModule.
const workerThreads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
if (workerThreads) serve(workerThreads.workerData);
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
        threads: this.threads,
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

  /** Job number times 4: the base of the state words' values for the current job (wraps, compared for equality). */
  private job = 0;

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
    this.job = (this.job + 4) | 0;
    const offer = (this.job + OFFERED) | 0;
    const offered: number[] = [];
    for (let w = 1; w < this.threads; w++) {
      const st = SLOTS + 2 * w;
      if (Atomics.load(ctl, st + 1) !== 1) continue;
      Atomics.store(ctl, st, offer);
      Atomics.notify(ctl, st);
      offered.push(st);
    }
    const runLength = Math.max(1, Math.floor(tasks / (RUNS_PER_THREAD * this.threads)));
    for (let i = Atomics.add(ctl, NEXT, runLength); i < tasks; i = Atomics.add(ctl, NEXT, runLength))
      for (let t = i, end = Math.min(i + runLength, tasks); t < end; t++) ex.cl_run_task(fn, ctx, t, 0);
    const finished = (this.job + FINISHED) | 0;
    for (const st of offered) {
      // An offer still standing is withdrawn; a worker that took it is running the job's last tasks.
      let now = Atomics.compareExchange(ctl, st, offer, finished);
      if (now === offer) continue;
      for (let i = 0; i < SPINS && now !== finished; i++) now = Atomics.load(ctl, st);
      while (now !== finished) {
        Atomics.wait(ctl, st, now);
        now = Atomics.load(ctl, st);
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

/**
 * CPUs a CFS quota lets this process use, rounded up; Infinity without a quota or off Linux. The quota may sit on
 * the process's cgroup or any above it: cgroup v2's cpu.max, or v1's cpu.cfs_quota_us over cpu.cfs_period_us in
 * the hierarchy with the cpu controller, the paths named by /proc/self/cgroup. Node's availableParallelism()
 * follows the affinity mask but not the quota, and threads beyond it only time-slice against each other. The
 * addon's pool reads the same files (native/addon/pool.c).
 */
export function cpuQuota(): number {
  const proc = globalThis.process;
  if (proc?.versions?.node === undefined || proc.platform !== 'linux') return Infinity;
  const fs = proc.getBuiltinModule('fs');
  const read = (file: string): string | null => {
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const cap = (quota: number, period: number): number =>
    quota > 0 && period > 0 ? Math.ceil(quota / period) : Infinity;
  const lines = (read('/proc/self/cgroup') ?? '').split('\n').map((l) => l.split(':'));
  const v2 = lines.find((l) => l[0] === '0' && l[1] === '')?.[2];
  const v1 = lines.find((l) => (l[1] ?? '').split(',').includes('cpu'))?.[2];
  let limit = Infinity;
  /** The cgroup at path and every one above it, to the root. */
  const upwards = (path: string): string[] => {
    const parts = path.split('/').filter((p) => p !== '');
    return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('');
  };
  for (const dir of v2 === undefined ? [] : upwards(v2)) {
    const [quota, period] = (read(`/sys/fs/cgroup${dir}/cpu.max`) ?? '').split(/\s+/);
    if (quota !== undefined && quota !== '' && quota !== 'max')
      limit = Math.min(limit, cap(Number(quota), Number(period)));
  }
  for (const dir of v1 === undefined ? [] : upwards(v1)) {
    const quota = Number(read(`/sys/fs/cgroup/cpu${dir}/cpu.cfs_quota_us`));
    limit = Math.min(limit, cap(quota, Number(read(`/sys/fs/cgroup/cpu${dir}/cpu.cfs_period_us`))));
  }
  return limit;
}
