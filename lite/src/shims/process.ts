/**
 * What the browser build gives the library for `globalThis.process` (esbuild's define, in lite/build.mjs: the page's
 * own globals are untouched): no `versions.node`, so every Node-only path stays off, and `getBuiltinModule` with
 * the same shims the bundle's `node:` imports resolve to, for the modules that reach Node's through the process.
 */
import * as crypto from './crypto.js';
import * as fs from './fs.js';
import * as module from './module.js';
import * as path from './path.js';
import * as url from './url.js';

const builtins: Record<string, unknown> = { crypto, fs, module, path, url };

export const browserProcess = {
  env: {} as Record<string, string | undefined>,
  /** A page has no working folder; the root of the virtual file system stands for it. */
  cwd: () => '/',
  getBuiltinModule(name: string): unknown {
    return builtins[name.replace(/^node:/, '')];
  },
};
