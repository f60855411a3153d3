/**
 * The messages between the browser kernel (kernel.ts, on the page) and its Web Worker (worker.ts). The page turns
 * them into Jupyter messages; the worker never sees Jupyter's envelope.
 */
import type { BackendInfo } from '../../../src/index.js';
import type { DisplayOptions, ExecuteResult, MimeBundle } from './session.js';

export type ToWorker =
  | { type: 'start'; base: string; interrupt: Int32Array | null }
  | { type: 'execute'; id: number; code: string }
  | { type: 'complete' | 'inspect'; id: number; code: string; cursor: number };

export type FromWorker =
  | { type: 'started'; info: BackendInfo }
  | { type: 'failed'; message: string }
  | { type: 'stream'; id: number; name: 'stdout' | 'stderr'; text: string }
  | { type: 'display'; id: number; bundle: MimeBundle; opts: DisplayOptions }
  | { type: 'done'; id: number; result: ExecuteResult }
  | { type: 'completed'; id: number; matches: string[]; cursorStart: number }
  | { type: 'inspected'; id: number; data: MimeBundle | null };
