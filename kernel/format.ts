/**
 * `format(value) -> MimeBundle`, the one place that decides how a value is shown. A value supplies its own bundle
 * through `[Symbol.for('Jupyter.display')]()` (the convention Deno's kernel and convlab's tensors share); anything
 * else is shown as `util.inspect` text. Pure: no sockets, no kernel state, so it is tested directly.
 */
import { inspect } from 'node:util';

export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

export type MimeBundle = Record<string, unknown>;

export function plainText(value: unknown): string {
  return typeof value === 'string' ? inspect(value) : inspect(value, { depth: 4, maxArrayLength: 100 });
}

function hasDisplay(value: unknown): value is { [JUPYTER_DISPLAY]: () => unknown } {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] === 'function'
  );
}

/** Binary payloads (an `image/png` given as bytes) travel as base64, as the notebook format stores them. */
function encodeEntry(data: unknown): unknown {
  if (data instanceof Uint8Array)
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  return data;
}

export function format(value: unknown): MimeBundle {
  if (hasDisplay(value)) {
    let supplied: unknown;
    try {
      supplied = value[JUPYTER_DISPLAY]();
    } catch (err) {
      return { 'text/plain': `${plainText(value)}\n[Symbol.for('Jupyter.display')] threw: ${String(err)}` };
    }
    if (typeof supplied === 'object' && supplied !== null && !Array.isArray(supplied)) {
      const bundle: MimeBundle = {};
      for (const [mime, data] of Object.entries(supplied)) {
        if (data !== undefined) bundle[mime] = encodeEntry(data);
      }
      // Every output keeps a text form, so it still reads where no renderer for the rich types exists.
      if (!('text/plain' in bundle)) bundle['text/plain'] = plainText(value);
      return bundle;
    }
  }
  return { 'text/plain': plainText(value) };
}
