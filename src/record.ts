/**
 * `record(name, value)`: a notebook's result, stored with the run that made it (as scrapbook's `glue` does for
 * papermill). The value travels as a display output of its own MIME type, so it lands in the executed notebook
 * whichever kernel client ran it; `convlab run` gathers every run's records into its metadata and a sweep's
 * results.csv / results.json. A line of `text/plain` keeps the value readable where no tool knows the type.
 */
import { ArgumentError, describe } from './errors.js';

export const RECORD_MIME = 'application/vnd.convlab.record+json';

/** A scalar, or a small table: rows (arrays or objects) of scalars. */
export type RecordValue =
  | number
  | string
  | boolean
  | null
  | RecordValue[]
  | { [column: string]: RecordValue };

/** JSON text of a table beyond this is not a "small" table: results files stay readable. */
const MAX_JSON_CHARS = 100_000;

function checkValue(name: string, v: unknown, at: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    // JSON (results.json, notebook metadata) has no NaN or Infinity.
    if (!Number.isFinite(v))
      throw new ArgumentError(
        `record: value of ${JSON.stringify(name)}${at} must be a finite number, got ${v}`,
      );
    return;
  }
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) checkValue(name, x, `${at}[${i}]`);
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkValue(name, x, `${at}.${k}`);
    return;
  }
  throw new ArgumentError(
    `record: value of ${JSON.stringify(name)}${at} must be a number, string, boolean, null or a table of them, got ${describe(v)}`,
  );
}

/**
 * Records a scalar or a small table under `name` in this run's outputs. In a kernel it shows as one line; in a
 * plain script it prints that line.
 */
export function record(name: string, value: RecordValue): void {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(name))
    throw new ArgumentError(
      `record: name must be an identifier-like string (letters, digits, _ . -), got ${describe(name)}`,
    );
  checkValue(name, value, '');
  const json = JSON.stringify(value);
  if (json.length > MAX_JSON_CHARS)
    throw new ArgumentError(
      `record: value of ${JSON.stringify(name)} must be a small table (at most ${MAX_JSON_CHARS} characters of JSON), got ${json.length}`,
    );
  const bundle = { [RECORD_MIME]: { name, value }, 'text/plain': `${name} = ${json}` };
  const display = (globalThis as { display?: (v: unknown) => void }).display;
  if (typeof display === 'function') display({ [Symbol.for('Jupyter.display')]: () => bundle });
  else console.log(bundle['text/plain']);
}
