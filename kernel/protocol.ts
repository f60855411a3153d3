/** Messages between the execution engine (main thread) and the io thread that owns the sockets. */
import type { MimeBundle } from './format.js';

export type EngineRequestType =
  | 'execute_request'
  | 'complete_request'
  | 'inspect_request'
  | 'is_complete_request'
  | 'history_request';

/** io thread -> engine. */
export type ToEngine =
  | {
      kind: 'request';
      id: number;
      msgType: EngineRequestType;
      content: Record<string, unknown>;
      allowStdin: boolean;
    }
  | { kind: 'shutdown' };

/** engine -> io thread. */
export type FromEngine =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; content: Record<string, unknown> }
  | { kind: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { kind: 'iopub'; msgType: string; content: Record<string, unknown> }
  | { kind: 'input'; prompt: string; password: boolean }
  /** The process is about to exit: close the sockets, then set `done[0]` to 1 and notify. */
  | { kind: 'exit'; done: SharedArrayBuffer };

export interface IoThreadData {
  connection: import('./wire.js').ConnectionInfo;
  session: string;
  kernelInfo: Record<string, unknown>;
  /** Shared with the engine for a synchronous `prompt()`: [state, byteLength] as Int32 then UTF-8 bytes. */
  inputBuffer: SharedArrayBuffer;
}

export const INPUT_WAITING = 0;
export const INPUT_READY = 1;
export const INPUT_INTERRUPTED = 2;
export const INPUT_HEADER_BYTES = 8;

export type DisplayContent = {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: Record<string, unknown>;
};
