/**
 * The one interface the runner drives a kernel through, whether the kernel is a local process (local.ts, over
 * ZeroMQ) or lives on a Jupyter server (remote.ts, over its REST and WebSocket API). Both build their requests
 * with `executeContent` and turn the kernel's iopub messages into nbformat outputs with `OutputCollector`, so a
 * cell gives the same outputs either way.
 */

export type Output = Record<string, unknown> & { output_type: string };

export interface CellRun {
  status: 'ok' | 'error' | 'aborted' | 'timeout' | 'died';
  executionCount: number | null;
  outputs: Output[];
  error?: { ename: string; evalue: string };
  /** The reply's user_expressions: name -> { status, data, … }. */
  userExpressions?: Record<string, unknown>;
}

export interface KernelConnection {
  /** The kernel_info reply's content (language_info, implementation_version, …). */
  readonly info: Record<string, unknown>;
  /** Runs one cell; resolves (never rejects) with its outputs, also when the kernel dies or the time runs out. */
  execute(code: string, timeoutMs: number): Promise<CellRun>;
  /** Evaluates user expressions after a silent empty cell: Jupyter's way to ask a kernel for values. */
  evaluate(expressions: Record<string, string>, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Asks the kernel to shut down, and makes sure it is gone. */
  shutdown(): Promise<void>;
  /** Ends the kernel now, for a runner that must exit. */
  kill(): Promise<void>;
}

/** Where kernels come from: this machine or a Jupyter server. */
export interface KernelSource {
  /** For progress lines and provenance: "local" or the server's URL. */
  readonly where: string;
  /** A fresh convlab kernel whose working directory is `cwd` when the source can choose it, ready to run code. */
  start(cwd: string): Promise<KernelConnection>;
  /** Ends every kernel this source started, now: for a runner stopped by a signal. */
  abort(): Promise<void>;
  /** Releases what the source holds (polls, sockets) once every kernel is shut down. */
  close(): Promise<void>;
}

/** The content of an execute_request, the same on every channel. */
export function executeContent(
  code: string,
  o: { silent?: boolean; userExpressions?: Record<string, string>; stopOnError?: boolean } = {},
): Record<string, unknown> {
  const silent = o.silent === true;
  return {
    code,
    silent,
    store_history: !silent,
    user_expressions: o.userExpressions ?? {},
    allow_stdin: false,
    stop_on_error: o.stopOnError ?? true,
  };
}

/**
 * A cell's iopub messages as nbformat outputs: consecutive stream text of one name merged, clear_output (and
 * its wait form) honoured, and update_display_data applied to the outputs shown under that display id, also
 * those of earlier cells (the map is the kernel's, shared by its cells).
 */
export class OutputCollector {
  readonly outputs: Output[] = [];
  private clearPending = false;

  constructor(private readonly displays: Map<string, Output[]>) {}

  add(o: Output): void {
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    const last = this.outputs[this.outputs.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) {
      last.text = String(last.text) + String(o.text);
    } else {
      this.outputs.push(o);
    }
  }

  /** One iopub message that answers this cell's request; returns true when it says the kernel is idle. */
  message(msgType: string, c: Record<string, unknown>): boolean {
    switch (msgType) {
      case 'stream':
        this.add({ output_type: 'stream', name: c.name, text: c.text });
        break;
      case 'execute_result':
        this.add({
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
        if (msgType === 'update_display_data') {
          for (const o of this.displays.get(id ?? '') ?? [])
            Object.assign(o, { data: c.data, metadata: out.metadata });
          break;
        }
        this.add(out);
        if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), out]);
        break;
      }
      case 'error':
        this.add({ output_type: 'error', ename: c.ename, evalue: c.evalue, traceback: c.traceback });
        break;
      case 'clear_output':
        if (c.wait) this.clearPending = true;
        else this.outputs.length = 0;
        break;
      case 'status':
        return c.execution_state === 'idle';
    }
    return false;
  }

  /** The cell's end when its kernel is gone: an error output that says why, with the kernel's last words. */
  died(ename: string, evalue: string, lastWords: string[] = []): CellRun {
    this.add({ output_type: 'error', ename, evalue, traceback: [evalue, ...lastWords] });
    return { status: 'died', executionCount: null, outputs: this.outputs, error: { ename, evalue } };
  }

  timedOut(timeoutMs: number): CellRun {
    return {
      status: 'timeout',
      executionCount: null,
      outputs: this.outputs,
      error: { ename: 'Timeout', evalue: `cell ran longer than ${timeoutMs / 1000} s and was interrupted` },
    };
  }

  /** The cell's end from its execute_reply. */
  replied(content: Record<string, unknown>): CellRun {
    return {
      status: content.status as CellRun['status'],
      executionCount: (content.execution_count as number | null) ?? null,
      outputs: this.outputs,
      error:
        content.status === 'error'
          ? { ename: String(content.ename), evalue: String(content.evalue) }
          : undefined,
      userExpressions: (content.user_expressions as Record<string, unknown> | undefined) ?? undefined,
    };
  }
}

/** A timer that does not keep the process alive: the races in the clients must not delay the runner's exit. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
