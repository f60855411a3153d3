/**
 * The io thread owns every socket. It runs in a worker so that heartbeat, `kernel_info`, `interrupt` and
 * `shutdown` are answered, and output streams out, while the main thread is busy running a cell (or building the
 * TypeScript converter at start-up).
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as zmq from 'zeromq';
import { type Channel, createDispatcher, replyType } from './dispatch.js';
import {
  type EngineRequestType,
  type FromEngine,
  INPUT_HEADER_BYTES,
  INPUT_INTERRUPTED,
  INPUT_READY,
  type IoThreadData,
  type ToEngine,
} from './protocol.js';
import { SendQueue } from './queue.js';
import { StreamCoalescer } from './stream.js';
import { decode, encode, endpoint, type Message, newHeader, WireError } from './wire.js';

const data = workerData as IoThreadData;
const { connection: conn, session } = data;
const key = conn.key;
const port = parentPort;
if (!port) throw new Error('io-thread: must run as a worker thread');

/**
 * Straight to file descriptor 2 (the kernel's log, which Jupyter keeps): a worker's process.stderr is relayed
 * through the main thread's, which carries cell output, so the kernel's own notes would land in a notebook.
 */
function log(text: string): void {
  writeSync(2, `[convlab kernel] ${text}\n`);
}

const shell = new zmq.Router();
const control = new zmq.Router();
const stdin = new zmq.Router();
const iopub = new zmq.Publisher({ sendHighWaterMark: 0 });
const hb = new zmq.Reply();
const queues = {
  shell: new SendQueue(shell, (e) => log(`shell send failed: ${e}`)),
  control: new SendQueue(control, (e) => log(`control send failed: ${e}`)),
  stdin: new SendQueue(stdin, (e) => log(`stdin send failed: ${e}`)),
  iopub: new SendQueue(iopub, (e) => log(`iopub send failed: ${e}`)),
};

/** The request whose outputs the engine is producing now; iopub messages from the engine are its children. */
let currentParent: Message | null = null;
let currentShellRequest: Message | null = null;

function sendIopub(msgType: string, content: Record<string, unknown>, parent: Message | null): void {
  const topic = Buffer.from(`kernel.${session}.${msgType}`);
  queues.iopub.send(
    encode(
      {
        idents: [topic],
        header: newHeader(msgType, session),
        parent_header: parent?.header ?? {},
        metadata: {},
        content,
      },
      key,
    ),
  );
}

const streams = new StreamCoalescer((name, text) => {
  flushUpdates();
  sendIopub('stream', { name, text }, currentParent);
});

/**
 * Pending `update_display_data` by display id. An update replaces the whole output, so of a burst of updates to
 * one id (a progress bar updated in a loop) only the last needs to travel: they are held a few milliseconds and
 * flushed before any other message, which keeps the order a frontend sees.
 */
const pendingUpdates = new Map<string, Record<string, unknown>>();
let updateTimer: NodeJS.Timeout | null = null;

function flushUpdates(): void {
  if (updateTimer) clearTimeout(updateTimer);
  updateTimer = null;
  if (pendingUpdates.size === 0) return;
  const updates = [...pendingUpdates.values()];
  pendingUpdates.clear();
  for (const content of updates) sendIopub('update_display_data', content, currentParent);
}

function queueUpdate(content: Record<string, unknown>): void {
  const id = (content.transient as { display_id?: unknown } | undefined)?.display_id;
  if (typeof id !== 'string') {
    publish('update_display_data', content, currentParent);
    return;
  }
  streams.flush();
  pendingUpdates.delete(id);
  pendingUpdates.set(id, content);
  updateTimer ??= setTimeout(flushUpdates, 5);
}

function publish(msgType: string, content: Record<string, unknown>, parent: Message | null): void {
  streams.flush();
  flushUpdates();
  sendIopub(msgType, content, parent);
}

function reply(
  channel: Channel | 'stdin',
  request: Message,
  msgType: string,
  content: Record<string, unknown>,
) {
  queues[channel].send(
    encode(
      {
        idents: request.idents,
        header: newHeader(msgType, session),
        parent_header: request.header,
        metadata: {},
        content,
      },
      key,
    ),
  );
}

// Engine bridge: requests carry ids, replies resolve them.
let nextId = 1;
const pending = new Map<number, (content: Record<string, unknown>) => void>();
let engineReady = false;
const beforeReady: ToEngine[] = [];

function toEngine(m: ToEngine): void {
  if (engineReady) port?.postMessage(m);
  else beforeReady.push(m);
}

function engineRequest(msgType: EngineRequestType, msg: Message): Promise<Record<string, unknown>> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    toEngine({
      kind: 'request',
      id,
      msgType,
      content: msg.content,
      allowStdin: msg.content.allow_stdin !== false,
    });
  });
}

const inputState = new Int32Array(data.inputBuffer, 0, 2);
const inputBytes = new Uint8Array(data.inputBuffer, INPUT_HEADER_BYTES);

function finishInput(state: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8').subarray(0, inputBytes.length);
  inputBytes.set(bytes);
  Atomics.store(inputState, 1, bytes.length);
  Atomics.store(inputState, 0, state);
  Atomics.notify(inputState, 0);
}

let shuttingDown = false;
let socketsClosed = false;
/** Sockets are closed before the process exits: zeromq aborts the process if a worker ends with them open. */
function closeSockets(): void {
  if (socketsClosed) return;
  socketsClosed = true;
  for (const s of [shell, control, stdin, iopub, hb]) s.close();
}

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  closeSockets();
  port?.postMessage({ kind: 'shutdown' } satisfies ToEngine);
  // The engine exits the process; if a cell keeps its thread busy (or the converter is still being built at
  // start-up), end it from here.
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), engineReady ? 1000 : 0);
}

const dispatcher = createDispatcher({
  kernelInfo: data.kernelInfo,
  reply: (channel, request, content) => reply(channel, request, replyType(request.header.msg_type), content),
  publish: (msgType, content, parent) => publish(msgType, content, parent),
  engine: (msgType, request) => engineRequest(msgType, request),
  interrupt: () => {
    finishInput(INPUT_INTERRUPTED, '');
    // The engine runs cells with breakOnSigint and interrupts pending awaits on SIGINT, so a message-mode
    // interrupt and a signal-mode interrupt take the same path.
    process.kill(process.pid, 'SIGINT');
  },
  shutdown: () => {
    Promise.all([queues.control.drain(), queues.shell.drain(), queues.iopub.drain()]).then(shutdown);
  },
  moreQueued: () => shell.readable,
  log,
});

port.on('message', (m: FromEngine) => {
  switch (m.kind) {
    case 'exit': {
      shuttingDown = true;
      streams.flush();
      flushUpdates();
      // What is already queued (the cell's last output) goes out first, within a bound.
      const done = new Int32Array(m.done);
      const finish = () => {
        closeSockets();
        Atomics.store(done, 0, 1);
        Atomics.notify(done, 0);
      };
      Promise.race([
        Promise.all([queues.iopub.drain(), queues.shell.drain()]),
        new Promise((r) => setTimeout(r, 500)),
      ]).then(finish, finish);
      break;
    }
    case 'ready':
      engineReady = true;
      for (const q of beforeReady.splice(0)) port?.postMessage(q);
      break;
    case 'reply':
      streams.flush();
      flushUpdates();
      pending.get(m.id)?.(m.content);
      pending.delete(m.id);
      break;
    case 'stream':
      streams.write(m.name, m.text);
      break;
    case 'iopub':
      if (m.msgType === 'update_display_data') queueUpdate(m.content);
      else publish(m.msgType, m.content, currentParent);
      break;
    case 'input': {
      const request = currentShellRequest;
      if (!request) {
        finishInput(INPUT_INTERRUPTED, '');
        break;
      }
      streams.flush();
      queues.stdin.send(
        encode(
          {
            idents: request.idents,
            header: newHeader('input_request', session),
            parent_header: request.header,
            metadata: {},
            content: { prompt: m.prompt, password: m.password },
          },
          key,
        ),
      );
      break;
    }
  }
});

let dropped = 0;
function receive(frames: Buffer[]): Message | null {
  try {
    return decode(frames, key);
  } catch (err) {
    // Dropped, never answered: a reply would tell an attacker which keys or shapes get through.
    dropped++;
    if (dropped <= 20 || dropped % 1000 === 0) {
      log(`dropped message #${dropped}: ${err instanceof WireError ? err.message : String(err)}`);
    }
    return null;
  }
}

async function serve(channel: Channel, socket: zmq.Router): Promise<void> {
  for await (const frames of socket) {
    const msg = receive(frames);
    if (!msg) continue;
    if (channel === 'shell') {
      currentParent = msg;
      currentShellRequest = msg;
      await dispatcher.handle(channel, msg);
    } else {
      // Control is not serialised behind a running cell: that is the point of the channel.
      void dispatcher.handle(channel, msg);
    }
  }
}

async function serveStdin(): Promise<void> {
  for await (const frames of stdin) {
    const msg = receive(frames);
    if (msg?.header.msg_type === 'input_reply') finishInput(INPUT_READY, String(msg.content.value ?? ''));
  }
}

async function serveHeartbeat(): Promise<void> {
  for await (const frames of hb) await hb.send(frames);
}

async function main(): Promise<void> {
  await Promise.all([
    shell.bind(endpoint(conn, conn.shell_port)),
    control.bind(endpoint(conn, conn.control_port)),
    stdin.bind(endpoint(conn, conn.stdin_port)),
    iopub.bind(endpoint(conn, conn.iopub_port)),
    hb.bind(endpoint(conn, conn.hb_port)),
  ]);
  sendIopub('status', { execution_state: 'starting' }, null);
  const ended = (name: string) => (err: unknown) => {
    if (!shuttingDown) log(`${name} socket stopped: ${err instanceof Error ? err.message : String(err)}`);
  };
  serve('shell', shell).catch(ended('shell'));
  serve('control', control).catch(ended('control'));
  serveStdin().catch(ended('stdin'));
  serveHeartbeat().catch(ended('heartbeat'));
}

main().catch((err) => {
  log(`cannot bind the kernel's sockets: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
