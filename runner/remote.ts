/**
 * Kernels on a Jupyter server — Jupyter Server, a JupyterHub single-user server, Enterprise Gateway — reached
 * through its REST and WebSocket API with `@jupyterlab/services`, the client JupyterLab itself uses. The server
 * is asked once, before any run, whether it answers, accepts the token and has the convlab kernelspec, so each of
 * those failures is one message instead of a failed run per notebook.
 *
 * A kernel that dies mid-cell is restarted by the server (its status goes `restarting`); a WebSocket that drops
 * loses messages. Either ends the running cell as died, naming why, and the run goes on to the next notebook.
 */
import { type Kernel, type KernelMessage, KernelManager, ServerConnection } from '@jupyterlab/services';
import {
  type CellRun,
  executeContent,
  type KernelConnection,
  type KernelSource,
  type Output,
  OutputCollector,
  sleep,
} from './connection.js';

export const KERNEL_NAME = 'convlab';
const START_TIMEOUT_MS = 120_000;

/**
 * Asks the server for its kernelspecs, the one request that tells an unreachable server, a refused token and a
 * missing kernelspec apart. Plain fetch: ServerConnection's errors drop the network cause (ECONNREFUSED, …).
 */
async function checkServer(base: string, token: string, url: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${base}api/kernelspecs`, {
      headers: token ? { Authorization: `token ${token}` } : {},
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `convlab: cannot reach the Jupyter server at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  if (response.status === 401 || response.status === 403)
    throw new Error(
      `convlab: the Jupyter server at ${url} refused the token (HTTP ${response.status}): pass --token or set JUPYTER_TOKEN`,
    );
  if (!response.ok)
    throw new Error(
      `convlab: the Jupyter server at ${url} answered HTTP ${response.status} ${response.statusText} for its kernelspecs`,
    );
  const specs = (await response.json()) as { kernelspecs?: Record<string, unknown> };
  const names = Object.keys(specs.kernelspecs ?? {});
  if (!names.includes(KERNEL_NAME))
    throw new Error(
      `convlab: the Jupyter server at ${url} has no ${KERNEL_NAME} kernel (it has: ${names.join(', ') || 'none'}); ` +
        `install it there with \`convlab install\``,
    );
}

/** Why a kernel's cell cannot finish: the first of a status that means it is gone or a connection that broke. */
function watchLoss(kernel: Kernel.IKernelConnection): { lost: Promise<string>; stop: () => void } {
  let report!: (why: string) => void;
  const lost = new Promise<string>((r) => {
    report = r;
  });
  const onStatus = (_: unknown, status: Kernel.Status) => {
    if (status === 'dead') report('kernel died');
    else if (status === 'autorestarting' || status === 'restarting')
      report('kernel died and was restarted by the server');
  };
  const onConnection = (_: unknown, status: Kernel.ConnectionStatus) => {
    if (status !== 'connected') report('the WebSocket to the kernel dropped');
  };
  kernel.statusChanged.connect(onStatus);
  kernel.connectionStatusChanged.connect(onConnection);
  return {
    lost,
    stop: () => {
      kernel.statusChanged.disconnect(onStatus);
      kernel.connectionStatusChanged.disconnect(onConnection);
    },
  };
}

/**
 * Shuts a server's kernel down and closes the connection. A kernel the server is restarting cannot be shut down
 * yet (jupyter_server answers 500 until the restart is done), and closing the connection while it reconnects
 * leaves a rejected promise inside @jupyterlab/services: so first wait for the reconnection, then retry once.
 */
async function shutDown(kernel: Kernel.IKernelConnection): Promise<void> {
  if (kernel.isDisposed) return;
  const settled = () => kernel.connectionStatus !== 'connecting';
  for (let waited = 0; !settled() && waited < 15_000; waited += 100) await sleep(100);
  for (const attempt of [0, 1]) {
    if (attempt > 0) await sleep(1000);
    const ok = await Promise.race([
      kernel.shutdown().then(
        () => true,
        () => false,
      ),
      sleep(10_000).then(() => false),
    ]);
    if (ok) break;
  }
  kernel.dispose();
}

class RemoteKernel implements KernelConnection {
  private readonly displays = new Map<string, Output[]>();
  /** Set once the kernel is known gone: later cells fail at once instead of running on a restarted kernel. */
  private gone: string | null = null;

  constructor(
    private readonly kernel: Kernel.IKernelConnection,
    readonly info: Record<string, unknown>,
  ) {}

  execute(code: string, timeoutMs: number): Promise<CellRun> {
    return this.run(executeContent(code), timeoutMs);
  }

  async evaluate(expressions: Record<string, string>, timeoutMs: number): Promise<Record<string, unknown>> {
    const r = await this.run(executeContent('', { silent: true, userExpressions: expressions }), timeoutMs);
    return r.userExpressions ?? {};
  }

  /**
   * The engine starts after kernel_info is answered: a silent empty cell before the first one waits for it, so
   * that cell's time limit does not count the start-up (as for a local kernel).
   */
  private engine: Promise<CellRun> | null = null;

  private async run(content: Record<string, unknown>, timeoutMs: number): Promise<CellRun> {
    if (this.engine === null) {
      this.engine = this.send(executeContent('', { silent: true, stopOnError: false }), START_TIMEOUT_MS);
      if ((await this.engine).status === 'timeout')
        this.gone = `kernel did not start running code within ${START_TIMEOUT_MS / 1000} s`;
    }
    await this.engine;
    return this.send(content, timeoutMs);
  }

  private async send(content: Record<string, unknown>, timeoutMs: number): Promise<CellRun> {
    const collector = new OutputCollector(this.displays);
    if (this.gone) return collector.died('DeadKernelError', this.gone);
    const watch = watchLoss(this.kernel);
    const future = this.kernel.requestExecute(
      content as unknown as KernelMessage.IExecuteRequestMsg['content'],
    );
    future.onIOPub = (msg) => {
      collector.message(msg.header.msg_type, msg.content as Record<string, unknown>);
    };
    const timedOut = Symbol('timeout');
    const timer = Number.isFinite(timeoutMs)
      ? sleep(timeoutMs).then(() => timedOut)
      : new Promise<never>(() => {});
    // `done` settles after both the reply and the idle status, so the outputs are complete; it rejects when
    // the connection clears its requests (a restart), which the loss watch names.
    const done = future.done.then(
      (reply) => reply,
      () => watch.lost.then((why) => why),
    );
    try {
      const r = await Promise.race([done, timer, watch.lost]);
      if (typeof r === 'string') {
        this.gone = r;
        return collector.died('DeadKernelError', r);
      }
      if (r === timedOut) {
        await Promise.race([this.kernel.interrupt().catch(() => {}), sleep(5000)]);
        await Promise.race([future.done.catch(() => {}), sleep(5000), watch.lost]);
        return collector.timedOut(timeoutMs);
      }
      return collector.replied(
        (r as KernelMessage.IExecuteReplyMsg).content as unknown as Record<string, unknown>,
      );
    } finally {
      watch.stop();
      future.dispose();
    }
  }

  async shutdown(): Promise<void> {
    await shutDown(this.kernel);
  }

  kill(): Promise<void> {
    return this.shutdown();
  }
}

/**
 * Kernels on the Jupyter server at `url`, authenticated with `token`. They start in the server's root folder
 * (the server's files are not the runner's), so a notebook that reads files relative to itself needs them there.
 */
export async function serverKernels(url: string, token: string): Promise<KernelSource> {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new Error(
      `convlab: --server must be an http(s) URL of a Jupyter server, got ${JSON.stringify(url)}`,
    );
  }
  await checkServer(base.href, token, url);
  const settings = ServerConnection.makeSettings({ baseUrl: base.href, token, appendToken: true });
  // @jupyterlab/services reports every WebSocket start, kernel status and reconnection, and a server's
  // tracebacks, on the console, which Node prints among the progress lines; quiet while its kernels run (the
  // runner reports what they mean).
  const quiet = { debug: console.debug, warn: console.warn, error: console.error };
  console.debug = console.warn = console.error = () => {};
  const manager = new KernelManager({ serverSettings: settings, standby: 'never' });
  await manager.ready;
  const open = new Set<Kernel.IKernelConnection>();
  return {
    where: url,
    async start(): Promise<KernelConnection> {
      const kernel = await manager.startNew({ name: KERNEL_NAME });
      open.add(kernel);
      kernel.disposed.connect(() => open.delete(kernel));
      try {
        const info = await Promise.race([kernel.info, sleep(START_TIMEOUT_MS).then(() => null)]);
        if (info === null)
          throw new Error(`kernel did not answer kernel_info within ${START_TIMEOUT_MS / 1000} s`);
        return new RemoteKernel(kernel, info as unknown as Record<string, unknown>);
      } catch (err) {
        await shutDown(kernel);
        throw err;
      }
    },
    async abort(): Promise<void> {
      await Promise.race([Promise.all([...open].map((k) => k.shutdown().catch(() => {}))), sleep(5000)]);
    },
    async close(): Promise<void> {
      manager.dispose();
      Object.assign(console, quiet);
    },
  };
}
