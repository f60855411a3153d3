/**
 * The execution engine, on the main thread: runs cells through the REPL, captures their output and values, and
 * answers the requests the io thread forwards. Cells run here (not in a worker) so state lives in one realm and
 * a busy loop is stopped by SIGINT through `vm`'s breakOnSigint, leaving the kernel and its variables intact.
 */
import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { MessagePort, Worker } from 'node:worker_threads';
import { record } from '../src/record.js';
import { format, type MimeBundle } from './format.js';
import { History } from './history.js';
import {
  type FromEngine,
  INPUT_HEADER_BYTES,
  INPUT_INTERRUPTED,
  INPUT_READY,
  INPUT_WAITING,
  type ToEngine,
} from './protocol.js';
import type { Outcome, Repl } from './repl.js';
import type { DisplayData } from './tslab.js';

type Post = (m: FromEngine) => void;

/** A writable that turns every write into a stream message for the current cell. */
class StreamWriter extends EventEmitter {
  constructor(
    private readonly post: Post,
    private readonly name: 'stdout' | 'stderr',
  ) {
    super();
  }
  write(chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.post({ kind: 'stream', name: this.name, text });
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') done();
    return true;
  }
}

interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Jupyter counts cursor positions in code points; JavaScript strings index UTF-16 units. */
function toUtf16(code: string, cursor: number): number {
  return [...code].slice(0, cursor).join('').length;
}
function toCodePoints(code: string, index: number): number {
  return [...code.slice(0, index)].length;
}

function errorOf(value: unknown, interrupted: boolean): CellError {
  if (interrupted) {
    return {
      ename: 'KeyboardInterrupt',
      evalue: 'execution interrupted',
      traceback: ['KeyboardInterrupt: execution interrupted'],
    };
  }
  if (value instanceof Error) {
    // Frames inside the kernel and node internals say nothing about the user's cell.
    const frames = (value.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l) && !/node:|sigintHandlersWrap|\/kernel\/|tslab\/dist/.test(l));
    const head = `${value.name}: ${value.message}`;
    return { ename: value.name, evalue: value.message, traceback: [head, ...frames] };
  }
  const text = inspect(value);
  return { ename: 'Error', evalue: text, traceback: [`Uncaught ${text}`] };
}

/** A failed cell as ename/evalue/traceback: the value it threw, or where it does not type-check. */
function cellError(outcome: Exclude<Outcome, { kind: 'ok' }>, code: string): CellError {
  if (outcome.kind === 'thrown') return errorOf(outcome.error, outcome.interrupted);
  const source = code.split('\n');
  const messages: string[] = [];
  const traceback: string[] = [];
  for (const d of outcome.diagnostics) {
    const message = `${d.file ? `${d.file} ` : ''}${d.line}:${d.column} - ${d.message}`;
    messages.push(message);
    traceback.push(message);
    // Diagnostics in the cell itself show the line and a caret under the column.
    if (!d.file && source[d.line - 1] !== undefined)
      traceback.push(`    ${source[d.line - 1]}`, `    ${' '.repeat(d.column - 1)}^`);
  }
  return { ename: 'TypeScriptError', evalue: messages.join('\n'), traceback };
}

export class Engine {
  private count = 0;
  private readonly history = new History();
  private queue: Promise<void> = Promise.resolve();
  private allowStdin = true;
  private readonly inputState: Int32Array;
  private readonly inputBytes: Uint8Array;

  constructor(
    private readonly repl: Repl,
    private readonly post: Post,
    inputBuffer: SharedArrayBuffer,
  ) {
    this.inputState = new Int32Array(inputBuffer, 0, 2);
    this.inputBytes = new Uint8Array(inputBuffer, INPUT_HEADER_BYTES);
  }

  installGlobals(): void {
    const stdout = new StreamWriter(this.post, 'stdout');
    const stderr = new StreamWriter(this.post, 'stderr');
    const g = globalThis as Record<string, unknown>;
    g.console = new Console({ stdout: stdout as never, stderr: stderr as never });
    // Libraries that write to process.stdout directly also land in the cell's output.
    process.stdout.write = stdout.write.bind(stdout) as typeof process.stdout.write;
    process.stderr.write = stderr.write.bind(stderr) as typeof process.stderr.write;
    g.display = (value: unknown, options: { displayId?: string; update?: boolean } = {}) => {
      this.display(format(value), options.displayId, options.update === true);
    };
    g.record = record;
    g.clearOutput = (wait = false) =>
      this.post({ kind: 'iopub', msgType: 'clear_output', content: { wait: wait === true } });
    g.prompt = (message = '', defaultValue?: string) => this.prompt(String(message), defaultValue);
  }

  /** Outputs of `tslab.display.*` (the tslab API some notebooks use). */
  displayData(d: DisplayData, update: boolean): void {
    this.display(d.data as MimeBundle, d.transient?.display_id, update, d.metadata);
  }

  private display(
    data: MimeBundle,
    displayId?: string,
    update = false,
    metadata: Record<string, unknown> = {},
  ) {
    const content: Record<string, unknown> = { data, metadata };
    if (displayId !== undefined) content.transient = { display_id: displayId };
    this.post({
      kind: 'iopub',
      msgType: update && displayId !== undefined ? 'update_display_data' : 'display_data',
      content,
    });
  }

  private prompt(message: string, defaultValue?: string): string | null {
    if (!this.allowStdin) return defaultValue ?? null;
    Atomics.store(this.inputState, 0, INPUT_WAITING);
    this.post({ kind: 'input', prompt: message, password: false });
    // Waits in slices so a SIGINT (which terminates the running script) is seen between them.
    while (Atomics.wait(this.inputState, 0, INPUT_WAITING, 100) === 'timed-out') {}
    const state = Atomics.load(this.inputState, 0);
    if (state === INPUT_INTERRUPTED)
      throw Object.assign(new Error('input interrupted'), { name: 'KeyboardInterrupt' });
    if (state !== INPUT_READY) throw new Error(`prompt: unexpected input state ${state}`);
    const n = Atomics.load(this.inputState, 1);
    return Buffer.from(this.inputBytes.slice(0, n)).toString('utf8');
  }

  receive(m: ToEngine): void {
    if (m.kind === 'shutdown') {
      process.exit(0);
    }
    this.queue = this.queue.then(async () => {
      let content: Record<string, unknown>;
      try {
        content = await this.handle(m.msgType, m.content, m.allowStdin);
      } catch (err) {
        content = { status: 'error', ...errorOf(err, false) };
      }
      this.post({ kind: 'reply', id: m.id, content });
    });
  }

  private async handle(type: string, c: Record<string, unknown>, allowStdin: boolean) {
    const code = String(c.code ?? '');
    switch (type) {
      case 'execute_request':
        return this.execute(code, c, allowStdin);
      case 'complete_request': {
        const cursor = toUtf16(code, Number(c.cursor_pos ?? code.length));
        const info = this.repl.complete(code, cursor);
        return {
          status: 'ok',
          matches: info.candidates,
          cursor_start: toCodePoints(code, info.start),
          cursor_end: toCodePoints(code, info.end),
          metadata: {},
        };
      }
      case 'inspect_request': {
        const cursor = toUtf16(code, Number(c.cursor_pos ?? code.length));
        const info = this.repl.inspect(code, cursor);
        if (!info) return { status: 'ok', found: false, data: {}, metadata: {} };
        return {
          status: 'ok',
          found: true,
          data: { 'text/plain': this.repl.printQuickInfo(info) },
          metadata: {},
        };
      }
      case 'is_complete_request':
        return this.repl.isComplete(code);
      case 'history_request':
        return { status: 'ok', history: this.history.query(c) };
      default:
        return { status: 'error', ename: 'NotImplemented', evalue: type, traceback: [] };
    }
  }

  private async execute(code: string, c: Record<string, unknown>, allowStdin: boolean) {
    const silent = c.silent === true;
    const storeHistory = c.store_history !== false && !silent;
    if (storeHistory) this.count++;
    const count = this.count;
    if (!silent)
      this.post({ kind: 'iopub', msgType: 'execute_input', content: { code, execution_count: count } });
    if (storeHistory) this.history.add(count, code);
    this.allowStdin = allowStdin;
    // Silent requests are a client's machinery (a runner waiting for the start-up): they wait for the checker.
    const outcome = await this.repl.execute(code, { checked: silent });
    if (outcome.kind !== 'ok') {
      const err = cellError(outcome, code);
      this.post({ kind: 'iopub', msgType: 'error', content: { ...err, execution_count: count } });
      return { status: 'error', execution_count: count, ...err };
    }
    const last = outcome.value;
    if (last && !silent) {
      const data = format(last.value);
      if (storeHistory) this.history.setOutput(count, String(data['text/plain']));
      this.post({
        kind: 'iopub',
        msgType: 'execute_result',
        content: { execution_count: count, data, metadata: {} },
      });
    }
    return {
      status: 'ok',
      execution_count: count,
      user_expressions: this.userExpressions(c.user_expressions),
    };
  }

  private userExpressions(exprs: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (typeof exprs !== 'object' || exprs === null) return out;
    const locals = this.repl.locals;
    for (const [name, expr] of Object.entries(exprs)) {
      try {
        // Expressions see the cells' variables by name, as the notebook would.
        const value = new Function('locals', `with (locals) { return (${String(expr)}); }`)(locals);
        out[name] = { status: 'ok', data: format(value), metadata: {} };
      } catch (err) {
        out[name] = { status: 'error', ...errorOf(err, false) };
      }
    }
    return out;
  }
}

export function connectEngine(engine: Engine, port: MessagePort | Worker): void {
  port.on('message', (m: ToEngine) => engine.receive(m));
}
