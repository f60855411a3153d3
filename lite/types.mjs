// The declarations the browser kernel type-checks cells against, as one in-memory file system
// (path → text, written to lite/dist/kernel-types.json and fetched by the worker when it starts):
//   /lib/lib.*.d.ts                   TypeScript's ES2022 and Web Worker libraries (the globals a cell has there),
//                                     with every library they reference;
//   /node_modules/convlab/…           convlab's own declarations (dist/src/**/*.d.ts, from `npm run build`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

/** The libraries a cell sees: ES2022 as tslab gives the Node kernel, and a worker's globals instead of Node's. */
export const LIBS = ['es2022', 'webworker', 'webworker.iterable', 'webworker.asynciterable'];

export function kernelTypes() {
  const files = {};
  // The compiler the worker bundles is the one whose libraries it must read.
  const lib = dirname(createRequire(join(here, 'src/kernel/compile.ts')).resolve('typescript'));
  const pending = [...LIBS];
  while (pending.length > 0) {
    const name = `lib.${pending.pop()}.d.ts`;
    if (`/lib/${name}` in files) continue;
    const text = readFileSync(join(lib, name), 'utf8');
    files[`/lib/${name}`] = text;
    for (const m of text.matchAll(/^\/\/\/\s*<reference lib="([^"]+)"/gm)) pending.push(m[1].toLowerCase());
  }
  const decls = join(root, 'dist/src');
  if (!existsSync(join(decls, 'index.d.ts')))
    throw new Error(`lite/types.mjs: ${decls}/index.d.ts is missing: build convlab first (npm run build)`);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.d.ts'))
        files[`/node_modules/convlab/dist/src/${relative(decls, full)}`] = readFileSync(full, 'utf8');
    }
  };
  walk(decls);
  files['/node_modules/convlab/package.json'] = JSON.stringify({
    name: 'convlab',
    types: './dist/src/index.d.ts',
  });
  return files;
}
