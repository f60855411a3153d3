/** Starts a kernel from a Jupyter connection file: the io thread first (so it answers at once), then the REPL. */
import { readFileSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { connectEngine, Engine } from './engine.js';
import { INPUT_HEADER_BYTES, type FromEngine, type IoThreadData } from './protocol.js';
import { createRepl, PACKAGE_ROOT, WARM_CELL } from './repl.js';
import { typescriptVersion } from './tslab.js';
import { type ConnectionInfo, PROTOCOL_VERSION } from './wire.js';

export function kernelInfo(): Record<string, unknown> {
  const own = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string };
  const tsVersion = typescriptVersion();
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'convlab',
    implementation_version: own.version,
    language_info: {
      name: 'typescript',
      version: tsVersion,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      codemirror_mode: { name: 'javascript', typescript: true },
      pygments_lexer: 'typescript',
    },
    banner: `convlab ${own.version} kernel: TypeScript ${tsVersion} on Node ${process.versions.node}`,
    help_links: [{ text: 'convlab', url: 'https://github.com/convlab/convlab' }],
  };
}

export async function startKernel(connectionFile: string): Promise<void> {
  const connection = JSON.parse(readFileSync(connectionFile, 'utf8')) as ConnectionInfo;
  if (connection.signature_scheme && connection.signature_scheme !== 'hmac-sha256') {
    throw new Error(
      `convlab kernel: signature_scheme must be hmac-sha256, got ${connection.signature_scheme}`,
    );
  }
  const inputBuffer = new SharedArrayBuffer(INPUT_HEADER_BYTES + (1 << 20));
  const data: IoThreadData = { connection, session: randomUUID(), kernelInfo: kernelInfo(), inputBuffer };
  const io = new Worker(new URL('./io-thread.js', import.meta.url), { workerData: data });
  const exit = process.exit.bind(process);
  let ioRunning = true;
  io.on('exit', (code) => {
    ioRunning = false;
    exit(code === 0 ? 0 : 1);
  });
  io.on('error', (err) => {
    ioRunning = false;
    writeSync(2, `[convlab kernel] io thread failed: ${err.stack ?? err}\n`);
    exit(1);
  });
  // Every exit (a cell's process.exit(3) included) lets the io thread close its sockets first, so the process
  // ends with the code it was given instead of an abort in zeromq's teardown.
  process.exit = ((code?: number | string | null) => {
    if (ioRunning) {
      const done = new SharedArrayBuffer(4);
      io.postMessage({ kind: 'exit', done } satisfies FromEngine);
      Atomics.wait(new Int32Array(done), 0, 0, 2000);
    }
    return exit(code ?? process.exitCode);
  }) as typeof process.exit;
  const post = (m: FromEngine) => io.postMessage(m);

  let engine: Engine | undefined;
  let interrupt = () => {};
  // Installed before the slow REPL start so an early interrupt does not end the process.
  process.on('SIGINT', () => interrupt());
  const repl = await createRepl((d, update) => engine?.displayData(d, update));
  engine = new Engine(repl, post, inputBuffer);
  engine.installGlobals();
  interrupt = () => repl.interrupt();
  // A stray rejection or exception from user code must not take the kernel down with it.
  process.on('unhandledRejection', (reason) => console.error('Unhandled promise rejection:', reason));
  process.on('uncaughtException', (err) => console.error('Uncaught exception:', err));
  connectEngine(engine, io);
  post({ kind: 'ready' });
  // The type checker is built once the requests sent with the start have been taken: a first cell already
  // waiting runs at once, transpiled on its own (first-cell.ts), and the checker is built after it.
  setTimeout(() => {
    try {
      repl.warm(WARM_CELL);
    } catch (err) {
      writeSync(2, `[convlab kernel] warm-up failed: ${(err as Error).stack ?? err}\n`);
    }
  }, WARM_DELAY_MS);
}

/** How long after start the kernel waits for a first cell before it builds the type checker. */
const WARM_DELAY_MS = 50;
