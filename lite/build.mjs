// Builds convlab for browsers into lite/dist/:
//   convlab.js                      the library as one ES module (lite/src/browser.ts), node: imports replaced by
//                                   the shims in lite/src/shims (a read-only file system holding data/);
//   convlab.wasm, convlab-relaxed.wasm   the WASM backend's modules, fetched by start();
//   data/images/*.png, data/digits/<d>.json   the sample photographs and the mnist package's digits.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const out = join(here, 'dist');
const require = createRequire(import.meta.url);

/** node:fs, node:path, node:url and node:module resolve to the browser shims; any other node: import fails. */
const shims = {
  name: 'convlab-node-shims',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      const name = args.path.slice('node:'.length);
      if (!['fs', 'path', 'url', 'module'].includes(name))
        return { errors: [{ text: `${args.path} has no browser shim (imported by ${args.importer})` }] };
      return { path: join(here, 'src/shims', `${name}.ts`) };
    });
  },
};

export async function buildBrowser() {
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { convlab: join(here, 'src/browser.ts') },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    plugins: [shims],
    logLevel: 'warning',
  });
  for (const f of ['convlab.wasm', 'convlab-relaxed.wasm'])
    cpSync(join(root, 'native/wasm', f), join(out, f));
  cpSync(join(root, 'data/images'), join(out, 'data/images'), { recursive: true });
  mkdirSync(join(out, 'data/digits'), { recursive: true });
  const mnist = dirname(require.resolve('mnist'));
  for (let d = 0; d < 10; d++)
    cpSync(join(mnist, 'digits', `${d}.json`), join(out, 'data/digits', `${d}.json`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildBrowser();
