/**
 * node:fs for the browser build: a read-only virtual file system holding the package's data folder
 * (/convlab/data → the data URL given to `start()`). Anything else is a file on a disk the browser does not have,
 * and reading or writing it says so in one line.
 */
import { fetchDataSync } from './data.js';

export const PACKAGE_ROOT = '/convlab';
const DATA = `${PACKAGE_ROOT}/data`;
// The package root holds a package.json, as in Node, so code that looks for the root finds /convlab.
const DIRS = new Set([
  PACKAGE_ROOT,
  `${PACKAGE_ROOT}/package.json`,
  DATA,
  `${DATA}/images`,
  `${DATA}/digits`,
]);

function noDisk(fn: string, path: unknown): Error {
  return new Error(
    `${fn}: '${String(path)}' is a file on disk, and convlab in a browser has none (it reads its bundled data; ` +
      'pass bytes fetched by URL instead)',
  );
}

export function existsSync(path: string): boolean {
  return DIRS.has(path) || (path.startsWith(`${DATA}/`) && !path.endsWith('/'));
}

export function readFileSync(path: unknown): Uint8Array {
  if (typeof path === 'string' && path.startsWith(`${DATA}/`))
    return fetchDataSync(path.slice(DATA.length + 1));
  throw noDisk('readFileSync', path);
}

export function writeFileSync(path: unknown): void {
  throw noDisk('writeFileSync', path);
}

export default { existsSync, readFileSync, writeFileSync };
