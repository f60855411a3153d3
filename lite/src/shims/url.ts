/**
 * node:url for the browser build. The library finds its data by walking up from its own module file; in the
 * browser that module lives at the root of a virtual package, /convlab, whose data/ folder is the data URL.
 */
import { PACKAGE_ROOT } from './fs.js';

export function fileURLToPath(_url: string | URL): string {
  return `${PACKAGE_ROOT}/convlab.js`;
}

export function pathToFileURL(path: string): URL {
  return new URL(`file://${path}`);
}

export default { fileURLToPath, pathToFileURL };
