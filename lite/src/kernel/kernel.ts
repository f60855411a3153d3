/**
 * The convlab browser kernel as JupyterLite sees it: a BaseKernel (from @jupyterlite/services, which turns these
 * replies into Jupyter messages for JupyterLab's frontend) whose cells run in a Web Worker (worker.ts).
 */
import type { KernelMessage } from '@jupyterlab/services';
import { BaseKernel, type IKernel } from '@jupyterlite/services';
import type { FromWorker, ToWorker } from './protocol.js';
import type { MimeBundle } from './session.js';

export const LANGUAGE_INFO = {
  name: 'typescript',
  version: '5.9',
  mimetype: 'text/typescript',
  file_extension: '.ts',
  codemirror_mode: { name: 'javascript', typescript: true },
  pygments_lexer: 'typescript',
};

export interface ConvlabKernelOptions extends IKernel.IOptions {
  /** The worker bundle (kernel-worker.js) and the folder of convlab's browser files (wasm, data/). */
  workerUrl: string;
  base: string;
}

type Waiter = (msg: FromWorker) => void;

export class ConvlabKernel extends BaseKernel {
  private worker!: Worker;
  private started!: Promise<void>;
  private backend = '';
  /** Set to 1 to interrupt; shared with the worker when the page is cross-origin isolated. */
  private readonly flag =
    typeof SharedArrayBuffer === 'undefined' ? null : new Int32Array(new SharedArrayBuffer(4));
  private readonly waiters = new Map<number, Waiter>();
  private parents = new Map<number, KernelMessage.IHeader<KernelMessage.MessageType> | undefined>();
  private nextId = 0;

  constructor(private readonly options: ConvlabKernelOptions) {
    super(options);
    this.startWorker();
  }

  override get ready(): Promise<void> {
    return this.started;
  }

  private startWorker(): void {
    this.worker = new Worker(this.options.workerUrl, { type: 'module' });
    this.started = new Promise((resolve, reject) => {
      this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
        const msg = e.data;
        if (msg.type === 'started') {
          this.backend = `${msg.info.name} × ${msg.info.threads}`;
          resolve();
        } else if (msg.type === 'failed') reject(new Error(`convlab kernel failed to start: ${msg.message}`));
        else this.onWorkerMessage(msg);
      };
    });
    this.post({ type: 'start', base: this.options.base, interrupt: this.flag });
  }

  private post(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  private onWorkerMessage(msg: FromWorker): void {
    if (msg.type === 'stream') {
      this.stream({ name: msg.name, text: msg.text }, this.parents.get(msg.id));
    } else if (msg.type === 'display') {
      const parent = this.parents.get(msg.id);
      const data = msg.bundle as KernelMessage.IDisplayDataMsg['content']['data'];
      const displayId = msg.opts.displayId;
      if (displayId === undefined) this.displayData({ data, metadata: {} }, parent);
      else if (msg.opts.update)
        this.updateDisplayData({ data, metadata: {}, transient: { display_id: displayId } }, parent);
      else this.displayData({ data, metadata: {}, transient: { display_id: displayId } }, parent);
    } else if ('id' in msg) {
      this.waiters.get(msg.id)?.(msg);
      this.waiters.delete(msg.id);
    }
  }

  /** Sends a request to the worker and waits for its one answer. */
  private request(make: (id: number) => ToWorker): Promise<FromWorker> {
    const id = ++this.nextId;
    this.parents.set(id, this.parentHeader);
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.post(make(id));
    });
  }

  /**
   * Stops the running cell. With shared memory the worker sees the flag at its next loop iteration and the kernel
   * keeps its state; without it the only way into a busy worker is to end it, so a fresh worker starts and the
   * running cell reports that the kernel was restarted.
   */
  interrupt(): void {
    if (this.flag !== null) {
      Atomics.store(this.flag, 0, 1);
      return;
    }
    this.worker.terminate();
    const error = {
      ename: 'KeyboardInterrupt',
      evalue:
        'the kernel was restarted to stop the cell (this page is not cross-origin isolated, so no shared memory reaches a busy worker); earlier cells must run again',
      traceback: [],
    };
    for (const [id, waiter] of this.waiters) waiter({ type: 'done', id, result: { ok: false, error } });
    this.waiters.clear();
    this.startWorker();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.worker.terminate();
    super.dispose();
  }

  async kernelInfoRequest(): Promise<KernelMessage.IInfoReplyMsg['content']> {
    await this.started.catch(() => {});
    return {
      status: 'ok',
      protocol_version: '5.3',
      implementation: 'convlab-lite',
      implementation_version: '0.1.0',
      language_info: LANGUAGE_INFO,
      banner: `convlab in the browser: TypeScript cells in a Web Worker, backend ${this.backend || 'not started'}`,
      help_links: [],
    };
  }

  async executeRequest(
    content: KernelMessage.IExecuteRequestMsg['content'],
  ): Promise<KernelMessage.IExecuteReplyMsg['content']> {
    const parent = this.parentHeader;
    const done = await this.request((id) => ({ type: 'execute', id, code: content.code }));
    if (done.type !== 'done') throw new Error(`convlab kernel: unexpected answer ${done.type}`);
    const count = this.executionCount;
    if (done.result.ok) {
      if (done.result.value !== null)
        this.publishExecuteResult(
          { execution_count: count, data: done.result.value as MimeBundle as never, metadata: {} },
          parent,
        );
      return { status: 'ok', execution_count: count, user_expressions: {} } as never;
    }
    this.publishExecuteError(done.result.error, parent);
    return { status: 'error', execution_count: count, ...done.result.error } as never;
  }

  async completeRequest(
    content: KernelMessage.ICompleteRequestMsg['content'],
  ): Promise<KernelMessage.ICompleteReplyMsg['content']> {
    const r = await this.request((id) => ({
      type: 'complete',
      id,
      code: content.code,
      cursor: content.cursor_pos,
    }));
    if (r.type !== 'completed') throw new Error(`convlab kernel: unexpected answer ${r.type}`);
    return {
      status: 'ok',
      matches: r.matches,
      cursor_start: r.cursorStart,
      cursor_end: content.cursor_pos,
      metadata: {},
    };
  }

  async inspectRequest(
    content: KernelMessage.IInspectRequestMsg['content'],
  ): Promise<KernelMessage.IInspectReplyMsg['content']> {
    const r = await this.request((id) => ({
      type: 'inspect',
      id,
      code: content.code,
      cursor: content.cursor_pos,
    }));
    if (r.type !== 'inspected') throw new Error(`convlab kernel: unexpected answer ${r.type}`);
    return { status: 'ok', found: r.data !== null, data: (r.data ?? {}) as never, metadata: {} };
  }

  async isCompleteRequest(): Promise<KernelMessage.IIsCompleteReplyMsg['content']> {
    return { status: 'unknown' };
  }

  async commInfoRequest(): Promise<KernelMessage.ICommInfoReplyMsg['content']> {
    return { status: 'ok', comms: {} };
  }

  inputReply(): void {}
  async commOpen(): Promise<void> {}
  async commMsg(): Promise<void> {}
  async commClose(): Promise<void> {}
}
