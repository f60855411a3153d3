/**
 * A minimal Jupyter client over ZeroMQ: starts a convlab kernel process with a fresh connection file and runs
 * cells on it, collecting their outputs in nbformat shape. The runner's local kernels (`localKernels`), and the
 * start-up benchmark's.
 *
 * It watches its kernel the way a kernel manager does: the process (exit, signal) and the heartbeat channel.
 * A kernel that dies or stops answering ends the cell it was running as `died` within seconds, never a hang.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as zmq from 'zeromq';
import { SendQueue } from '../kernel/queue.js';
import { type ConnectionInfo, decode, encode, endpoint, type Message, newHeader } from '../kernel/wire.js';
import {
  type CellRun,
  executeContent,
  type KernelConnection,
  type KernelSource,
  type Output,
  OutputCollector,
  sleep,
} from './connection.js';

export { type CellRun, type Output, sleep };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface LaunchOptions {
  /** The kernel's working directory: the notebook's folder. */
  cwd: string;
  /** Command to start a kernel; `{connection_file}` is replaced. Defaults to this package's kernel. */
  argv?: string[];
  /** Where the kernel's own log goes; `capture` keeps its tail for the message when the kernel dies. */
  stderr?: 'inherit' | 'ignore' | 'capture';
  /** Extra environment for the kernel process. */
  env?: Record<string, string>;
  /** Missed heartbeats for this long mean the kernel is unresponsive (default 10 s). */
  heartbeatTimeoutMs?: number;
}

/** Why a kernel is gone: its exit or signal, or a heartbeat that stopped; `log` is the tail of its stderr. */
export class KernelDiedError extends Error {
  constructor(
    readonly reason: string,
    readonly log: string,
  ) {
    const oom = /heap out of memory|Reached heap limit/.test(log) ? ' (JavaScript heap out of memory)' : '';
    super(`kernel ${reason}${oom}`);
    this.name = 'DeadKernelError';
  }
}

const HEARTBEAT_INTERVAL_MS = 1000;
const STDERR_TAIL_CHARS = 4096;

/** Every client with a live kernel, so a signal to the runner can shut them all down. */
const live = new Set<KernelClient>();

export class KernelClient {
  // linger 0: what is still queued when the client closes (heartbeat pings to a dead kernel) is dropped, so the
  // runner's own exit never waits on it.
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly shellQueue = new SendQueue(this.shell, () => {});
  private readonly controlQueue = new SendQueue(this.control, () => {});
  private readonly session = randomUUID();
  private readonly waiters = new Map<string, (m: Message) => void>();
  private readonly iopubListeners = new Map<string, (m: Message) => void>();
  private readonly heartbeat = new zmq.Dealer({ linger: 0 });
  private process: ChildProcess | null = null;
  private dir = '';
  private file = '';
  private conn!: ConnectionInfo;
  private options!: LaunchOptions;
  private closed = false;
  private stderrTail = '';
  private deathError: KernelDiedError | null = null;
  private onDeath: ((e: KernelDiedError) => void)[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Settles when the kernel is known to be gone; never resolves while it is alive. */
  private death!: Promise<KernelDiedError>;

  /** Every client whose kernel is still running. */
  static live(): KernelClient[] {
    return [...live];
  }

  /** The kernel's process id (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The connection info (ports, key) the kernel was started with. */
  get connection(): ConnectionInfo {
    return this.conn;
  }

  static async launch(o: LaunchOptions): Promise<KernelClient> {
    const c = new KernelClient();
    await c.start(o);
    return c;
  }

  private async start(o: LaunchOptions): Promise<void> {
    this.options = o;
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    this.conn = {
      transport: 'tcp',
      ip: '127.0.0.1',
      key: randomBytes(16).toString('hex'),
      signature_scheme: 'hmac-sha256',
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
    };
    this.dir = mkdtempSync(path.join(tmpdir(), 'convlab-run-'));
    this.file = path.join(this.dir, 'kernel.json');
    writeFileSync(this.file, JSON.stringify(this.conn));
    this.spawnKernel();
    this.shell.connect(endpoint(this.conn, this.conn.shell_port));
    this.control.connect(endpoint(this.conn, this.conn.control_port));
    this.iopub.connect(endpoint(this.conn, this.conn.iopub_port));
    this.heartbeat.connect(endpoint(this.conn, this.conn.hb_port));
    this.iopub.subscribe();
    void this.listen(this.shell, (m) => this.waiters.get(String(m.parent_header.msg_id))?.(m));
    void this.listen(this.control, (m) => this.waiters.get(String(m.parent_header.msg_id))?.(m));
    void this.listen(this.iopub, (m) => this.iopubListeners.get(String(m.parent_header.msg_id))?.(m));
    void this.listenHeartbeat();
  }

  private spawnKernel(): void {
    const o = this.options;
    const cli = new URL('../kernel/cli.js', import.meta.url).pathname;
    const argv = (o.argv ?? [process.execPath, cli, 'kernel', '--connection-file', '{connection_file}']).map(
      (a) => a.replace('{connection_file}', this.file),
    );
    const mode = o.stderr ?? 'capture';
    const proc = spawn(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env: o.env ? { ...process.env, ...o.env } : process.env,
      stdio: ['ignore', 'ignore', mode === 'capture' ? 'pipe' : mode],
    });
    this.process = proc;
    this.stderrTail = '';
    this.deathError = null;
    this.death = new Promise((resolve) => {
      this.onDeath = [resolve];
    });
    live.add(this);
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    // Events of a process replaced by a restart say nothing about the current one.
    proc.once('error', (err) => {
      if (this.process === proc) this.died(`could not be started: ${err.message}`);
    });
    proc.once('exit', (code, signal) => {
      if (this.process === proc) this.died(signal ? `was killed by ${signal}` : `exited with code ${code}`);
    });
    this.lastBeat = 0;
    this.heartbeatTimer = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeatTimer.unref();
  }

  /** When the last echo came back; 0 until the first (start-up is bounded by ready()'s own timeout). */
  private lastBeat = 0;
  private beatsSent = 0;
  private beatInFlight = false;

  /** Pings the heartbeat channel; the io thread echoes it even while a cell runs, so silence means trouble. */
  private beat(): void {
    if (this.deathError) return;
    const limit = this.options.heartbeatTimeoutMs ?? 10_000;
    if (this.lastBeat > 0 && Date.now() - this.lastBeat > limit) {
      this.died(`stopped answering its heartbeat for ${(limit / 1000).toFixed(0)} s`);
      // An unresponsive kernel is not left running.
      this.process?.kill('SIGKILL');
      return;
    }
    // One send at a time (zeromq 6 refuses a second one in flight).
    if (this.beatInFlight) return;
    this.beatInFlight = true;
    this.heartbeat
      .send(['', `ping ${this.beatsSent++}`])
      .catch(() => {})
      .finally(() => {
        this.beatInFlight = false;
      });
  }

  private async listenHeartbeat(): Promise<void> {
    try {
      for await (const _ of this.heartbeat) this.lastBeat = Date.now();
    } catch {
      // Socket closed.
    }
  }

  private died(reason: string): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (this.deathError) return;
    const e = new KernelDiedError(reason, this.stderrTail);
    this.deathError = e;
    for (const f of this.onDeath.splice(0)) f(e);
  }

  /** Why the kernel is gone, or null while it runs. */
  get dead(): KernelDiedError | null {
    return this.deathError;
  }

  private async listen(sock: zmq.Dealer | zmq.Subscriber, on: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        try {
          on(decode(frames, this.conn.key));
        } catch {
          // A frame this client cannot read is not an answer to anything it asked.
        }
      }
    } catch {
      // Socket closed.
    }
  }

  request(
    channel: 'shell' | 'control',
    msgType: string,
    content: Record<string, unknown>,
    onIopub?: (m: Message) => void,
  ): { msgId: string; reply: Promise<Message> } {
    const header = newHeader(msgType, this.session, 'convlab-run');
    if (onIopub) this.iopubListeners.set(header.msg_id, onIopub);
    const reply = new Promise<Message>((resolve) => {
      this.waiters.set(header.msg_id, (m) => {
        this.waiters.delete(header.msg_id);
        resolve(m);
      });
    });
    const frames = encode({ idents: [], header, parent_header: {}, metadata: {}, content }, this.conn.key);
    (channel === 'shell' ? this.shellQueue : this.controlQueue).send(frames);
    return { msgId: header.msg_id, reply };
  }

  /**
   * Resolves once the kernel answers kernel_info and its iopub reaches us (a subscriber misses what was published
   * before it joined, so this asks again until a status message for one of its requests arrives).
   */
  async ready(timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.deathError) {
        const tail = this.deathError.log.trim().split('\n').slice(-3).join('\n');
        throw new Error(
          `${this.deathError.message} before answering kernel_info${tail ? `; its last words:\n${tail}` : ''}`,
        );
      }
      let seen = false;
      const { msgId, reply } = this.request('shell', 'kernel_info_request', {}, () => {
        seen = true;
      });
      const r = await Promise.race([reply, sleep(250).then(() => null), this.death.then(() => null)]);
      if (r && !seen) await sleep(50);
      this.iopubListeners.delete(msgId);
      if (r && seen) return r.content;
    }
    throw new Error(`kernel did not answer kernel_info within ${timeoutMs / 1000} s`);
  }

  /**
   * Resolves once the kernel can run code: kernel_info is answered at once by the kernel's io thread, but the
   * TypeScript engine takes a few seconds more to start. A silent empty cell waits for it, so the first real
   * cell's time limit does not count the start-up.
   */
  async started(timeoutMs = 120_000): Promise<void> {
    const { msgId, reply } = this.request(
      'shell',
      'execute_request',
      executeContent('', { silent: true, stopOnError: false }),
    );
    const r = await Promise.race([reply, sleep(timeoutMs).then(() => null), this.death]);
    this.waiters.delete(msgId);
    if (r instanceof KernelDiedError) throw r;
    if (r === null) throw new Error(`kernel did not start running code within ${timeoutMs / 1000} s`);
  }

  async execute(code: string, timeoutMs = Number.POSITIVE_INFINITY, stopOnError = true): Promise<CellRun> {
    return this.run(executeContent(code, { stopOnError }), timeoutMs);
  }

  /** Evaluates user expressions in a silent empty cell (the kernel's values, without outputs or history). */
  async evaluate(expressions: Record<string, string>, timeoutMs: number): Promise<Record<string, unknown>> {
    const r = await this.run(executeContent('', { silent: true, userExpressions: expressions }), timeoutMs);
    return r.userExpressions ?? {};
  }

  private async run(content: Record<string, unknown>, timeoutMs: number): Promise<CellRun> {
    const collector = new OutputCollector(this.displays);
    let idle!: () => void;
    const idlePromise = new Promise<void>((r) => {
      idle = r;
    });
    const { msgId, reply } = this.request('shell', 'execute_request', content, (m) => {
      if (collector.message(m.header.msg_type, m.content)) idle();
    });
    const timedOut = Symbol('timeout');
    const timer = Number.isFinite(timeoutMs)
      ? sleep(timeoutMs).then(() => timedOut)
      : new Promise<never>(() => {});
    const r = await Promise.race([reply, timer, this.death]);
    if (r instanceof KernelDiedError) {
      this.iopubListeners.delete(msgId);
      // The kernel's last words, without the native stack frames a fatal V8 error prints.
      const tail = r.log
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '' && !/^\s*\d+: 0x[0-9a-f]+/.test(l))
        .slice(-5);
      return collector.died(r.name, r.message, tail);
    }
    if (r === timedOut) {
      await Promise.race([this.request('control', 'interrupt_request', {}).reply, sleep(5000), this.death]);
      await Promise.race([reply, sleep(5000), this.death]);
      await Promise.race([idlePromise, sleep(1000)]);
      this.iopubListeners.delete(msgId);
      return collector.timedOut(timeoutMs);
    }
    // Outputs are complete once the kernel reports idle for this request.
    await Promise.race([idlePromise, sleep(10_000), this.death]);
    this.iopubListeners.delete(msgId);
    return collector.replied((r as Message).content);
  }

  private readonly displays = new Map<string, Output[]>();

  /** Asks the kernel to shut down, and ends its process if it has not gone within a few seconds. */
  private async stopKernel(restart: boolean): Promise<void> {
    const proc = this.process;
    if (!proc) return;
    if (!this.deathError) {
      await Promise.race([
        this.request('control', 'shutdown_request', { restart }).reply,
        sleep(2000),
        this.death,
      ]);
      await Promise.race([this.death, sleep(3000)]);
      if (!this.deathError) {
        proc.kill('SIGKILL');
        await Promise.race([this.death, sleep(2000)]);
      }
    }
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    live.delete(this);
  }

  /**
   * Restarts the kernel as a Jupyter kernel manager does: `shutdown_request` with `restart: true`, then a new
   * process on the same connection file, so the same ports and key, with fresh state.
   */
  async restart(): Promise<Record<string, unknown>> {
    if (this.closed) throw new Error('KernelClient.restart: the client is shut down');
    await this.stopKernel(true);
    this.displays.clear();
    this.spawnKernel();
    return this.ready();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopKernel(false);
    this.close();
  }

  /** Ends the kernel at once (SIGKILL) and releases everything: for a runner that must exit now. */
  kill(): void {
    if (!this.deathError) this.process?.kill('SIGKILL');
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    live.delete(this);
    if (!this.closed) {
      this.closed = true;
      this.close();
    }
  }

  private close(): void {
    for (const s of [this.shell, this.control, this.iopub, this.heartbeat]) s.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Kernels started on this machine, each in the notebook's folder. The kernel's stderr is kept (its tail names
 * the cause when it dies). Returned once it answers kernel_info.
 */
export function localKernels(): KernelSource {
  return {
    where: 'local',
    async start(cwd: string): Promise<KernelConnection> {
      const client = await KernelClient.launch({ cwd, stderr: 'capture' });
      try {
        const info = await client.ready();
        // The engine is waited for before the first cell only: a notebook without code never pays its start-up.
        let started: Promise<void> | null = null;
        const engine = () => {
          started ??= client.started();
          return started;
        };
        return {
          info,
          execute: async (code, timeoutMs) => {
            await engine();
            return client.execute(code, timeoutMs);
          },
          evaluate: async (expressions, timeoutMs) => {
            await engine();
            return client.evaluate(expressions, timeoutMs);
          },
          shutdown: () => client.shutdown(),
          kill: async () => client.kill(),
        };
      } catch (err) {
        await client.shutdown();
        throw err;
      }
    },
    abort: async () => {
      for (const k of KernelClient.live()) k.kill();
    },
    close: async () => {},
  };
}
