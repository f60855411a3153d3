/**
 * A minimal Jupyter client over ZeroMQ: starts a convlab kernel process with a fresh connection file and runs
 * cells on it, collecting their outputs in nbformat shape. Used by `convlab run` and by the start-up benchmark.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as zmq from 'zeromq';
import { SendQueue } from './queue.js';
import { type ConnectionInfo, decode, encode, endpoint, type Message, newHeader } from './wire.js';

export type Output = Record<string, unknown> & { output_type: string };

export interface CellRun {
  status: 'ok' | 'error' | 'aborted' | 'timeout';
  executionCount: number | null;
  outputs: Output[];
  error?: { ename: string; evalue: string };
}

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
  stderr?: 'inherit' | 'ignore';
}

export class KernelClient {
  private readonly shell = new zmq.Dealer();
  private readonly control = new zmq.Dealer();
  private readonly iopub = new zmq.Subscriber();
  private readonly shellQueue = new SendQueue(this.shell, () => {});
  private readonly controlQueue = new SendQueue(this.control, () => {});
  private readonly session = randomUUID();
  private readonly waiters = new Map<string, (m: Message) => void>();
  private readonly iopubListeners = new Map<string, (m: Message) => void>();
  private process: ChildProcess | null = null;
  private dir = '';
  private conn!: ConnectionInfo;
  private closed = false;

  static async launch(o: LaunchOptions): Promise<KernelClient> {
    const c = new KernelClient();
    await c.start(o);
    return c;
  }

  private async start(o: LaunchOptions): Promise<void> {
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
    const file = path.join(this.dir, 'kernel.json');
    writeFileSync(file, JSON.stringify(this.conn));
    const cli = new URL('./cli.js', import.meta.url).pathname;
    const argv = (o.argv ?? [process.execPath, cli, 'kernel', '--connection-file', '{connection_file}']).map(
      (a) => a.replace('{connection_file}', file),
    );
    this.process = spawn(argv[0], argv.slice(1), {
      cwd: o.cwd,
      stdio: ['ignore', 'ignore', o.stderr ?? 'ignore'],
    });
    this.shell.connect(endpoint(this.conn, this.conn.shell_port));
    this.control.connect(endpoint(this.conn, this.conn.control_port));
    this.iopub.connect(endpoint(this.conn, this.conn.iopub_port));
    this.iopub.subscribe();
    void this.listen(this.shell, (m) => this.waiters.get(String(m.parent_header.msg_id))?.(m));
    void this.listen(this.control, (m) => this.waiters.get(String(m.parent_header.msg_id))?.(m));
    void this.listen(this.iopub, (m) => this.iopubListeners.get(String(m.parent_header.msg_id))?.(m));
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
      const p = this.process;
      if (p && (p.exitCode !== null || p.signalCode !== null)) {
        throw new Error(`kernel exited (${p.exitCode ?? p.signalCode}) before answering kernel_info`);
      }
      let seen = false;
      const { msgId, reply } = this.request('shell', 'kernel_info_request', {}, () => {
        seen = true;
      });
      const r = await Promise.race([reply, sleep(250).then(() => null)]);
      if (r && !seen) await sleep(50);
      this.iopubListeners.delete(msgId);
      if (r && seen) return r.content;
    }
    throw new Error(`kernel did not answer kernel_info within ${timeoutMs / 1000} s`);
  }

  async execute(code: string, timeoutMs = Number.POSITIVE_INFINITY, stopOnError = true): Promise<CellRun> {
    const outputs: Output[] = [];
    let clearPending = false;
    let idle!: () => void;
    const idlePromise = new Promise<void>((r) => {
      idle = r;
    });
    const add = (o: Output) => {
      if (clearPending) {
        outputs.length = 0;
        clearPending = false;
      }
      const last = outputs[outputs.length - 1];
      if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) {
        last.text = String(last.text) + String(o.text);
      } else {
        outputs.push(o);
      }
    };
    const { msgId, reply } = this.request(
      'shell',
      'execute_request',
      {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: stopOnError,
      },
      (m) => {
        const c = m.content;
        switch (m.header.msg_type) {
          case 'stream':
            add({ output_type: 'stream', name: c.name, text: c.text });
            break;
          case 'execute_result':
            add({
              output_type: 'execute_result',
              execution_count: c.execution_count,
              data: c.data,
              metadata: c.metadata ?? {},
            });
            break;
          case 'display_data':
          case 'update_display_data': {
            const id = (c.transient as { display_id?: string } | undefined)?.display_id;
            const out: Output = { output_type: 'display_data', data: c.data, metadata: c.metadata ?? {} };
            if (m.header.msg_type === 'update_display_data') {
              for (const o of this.displays.get(id ?? '') ?? [])
                Object.assign(o, { data: c.data, metadata: out.metadata });
              break;
            }
            add(out);
            if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), out]);
            break;
          }
          case 'error':
            add({ output_type: 'error', ename: c.ename, evalue: c.evalue, traceback: c.traceback });
            break;
          case 'clear_output':
            if (c.wait) clearPending = true;
            else outputs.length = 0;
            break;
          case 'status':
            if (c.execution_state === 'idle') idle();
            break;
        }
      },
    );
    const timedOut = Symbol('timeout');
    const timer = Number.isFinite(timeoutMs)
      ? sleep(timeoutMs).then(() => timedOut)
      : new Promise<never>(() => {});
    const r = await Promise.race([reply, timer]);
    if (r === timedOut) {
      await this.request('control', 'interrupt_request', {}).reply;
      await Promise.race([reply, sleep(5000)]);
      await Promise.race([idlePromise, sleep(1000)]);
      this.iopubListeners.delete(msgId);
      return {
        status: 'timeout',
        executionCount: null,
        outputs,
        error: { ename: 'Timeout', evalue: `cell ran longer than ${timeoutMs / 1000} s and was interrupted` },
      };
    }
    const content = (r as Message).content;
    // Outputs are complete once the kernel reports idle for this request.
    await Promise.race([idlePromise, sleep(10_000)]);
    this.iopubListeners.delete(msgId);
    return {
      status: content.status as CellRun['status'],
      executionCount: (content.execution_count as number | null) ?? null,
      outputs,
      error:
        content.status === 'error'
          ? { ename: String(content.ename), evalue: String(content.evalue) }
          : undefined,
    };
  }

  private readonly displays = new Map<string, Output[]>();

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const proc = this.process;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      await Promise.race([
        this.request('control', 'shutdown_request', { restart: false }).reply,
        sleep(2000),
      ]);
      await Promise.race([exited, sleep(3000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A timer that does not keep the process alive: the races below must not delay the runner's exit. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
