#!/usr/bin/env node
// Builds the native addon (native/build/Release/convlab.node) with node-gyp and g++. Run at install; it never
// fails the install: without a compiler convlab runs on its WASM backend and says so once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));

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

function build() {
  const gyp = nodeGyp();
  if (!gyp) return 'node-gyp was not found';
  const args = [gyp, 'rebuild', '--silent'];
  // Use the headers installed with Node when present, so the build needs no download.
  if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) {
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => /error/i.test(l));
    return lines[0]?.trim() || `node-gyp exited with ${r.status}`;
  }
  return null;
}

let failure;
try {
  failure = build();
} catch (e) {
  failure = e instanceof Error ? e.message : String(e);
}
if (failure) console.log(`convlab: the native addon was not built (${failure}); convlab will use its WASM backend`);
