#!/usr/bin/env node
// Builds the native addon (native/build/Release/convlab.node) with node-gyp and g++, and copies it to
// native/prebuilds/<platform>-<arch>/convlab.node, which the published package carries so that an install needs no
// compiler and runs no install script. It never fails: without a compiler convlab runs on its WASM backend.
//   node native/build.mjs                  build (incrementally when the build folder is configured)
//   node native/build.mjs --if-no-prebuilt build only when no addon here loads (what `convlab install` runs)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
export const BUILT = join(here, 'build/Release/convlab.node');
export const PREBUILT = join(here, 'prebuilds', `${process.platform}-${process.arch}`, 'convlab.node');

/** npm's own node-gyp (npm passes it to scripts; otherwise it sits inside npm's folder). */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((c) => c && existsSync(c));
}

/** The first addon file here that this Node loads, or null. */
export function loadableAddon() {
  const require = createRequire(import.meta.url);
  for (const file of [BUILT, PREBUILT]) {
    if (!existsSync(file)) continue;
    try {
      require(file);
      return file;
    } catch {
      // built for another platform or a newer C library: try the next one
    }
  }
  return null;
}

function build() {
  const gyp = nodeGyp();
  if (!gyp) return 'node-gyp was not found';
  // `build` reuses the configured folder (make rebuilds what changed); `rebuild` configures afresh, needed when
  // binding.gyp changed (a source added) or nothing was configured yet.
  const makefile = join(here, 'build/Makefile');
  const configured = existsSync(makefile) && statSync(makefile).mtimeMs > statSync(join(here, 'binding.gyp')).mtimeMs;
  const args = [gyp, configured ? 'build' : 'rebuild', '--silent', '--jobs=max'];
  // Use the headers installed with Node when present, so the build needs no download.
  if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) {
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => /error/i.test(l));
    return lines[0]?.trim() || `node-gyp exited with ${r.status}`;
  }
  // Copied beside and renamed over: a process that has the old file loaded keeps its own copy (a new inode).
  mkdirSync(dirname(PREBUILT), { recursive: true });
  copyFileSync(BUILT, `${PREBUILT}.tmp`);
  renameSync(`${PREBUILT}.tmp`, PREBUILT);
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = process.argv.includes('--if-no-prebuilt') ? loadableAddon() : null;
  if (found) {
    console.log(`native addon: ${found}`);
  } else {
    let failure;
    try {
      failure = build();
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    if (failure) console.log(`convlab: the native addon was not built (${failure}); convlab will use its WASM backend`);
    else console.log(`native addon: built from source, ${BUILT}`);
  }
}
