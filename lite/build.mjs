// Builds convlab for browsers into lite/dist/ (`node lite/build.mjs`; `--no-app` skips the JupyterLab build):
//   convlab.js                      the library as one ES module (lite/src/browser.ts), node: imports replaced by
//                                   the shims in lite/src/shims (a read-only file system holding data/);
//   kernel-worker.js                the browser kernel's Web Worker: the library, TypeScript's compiler and the
//                                   cell runner (lite/src/kernel/worker.ts);
//   kernel-types.json               what the kernel type-checks cells against (lite/types.mjs);
//   convlab.wasm, convlab-relaxed.wasm   the WASM backend's modules, fetched by start();
//   data/images/*.png, data/digits/<d>.json   the sample photographs and the mnist package's digits;
//   logo-32x32.png, logo-64x64.png  the kernel's logos;
//   app/                            the JupyterLite application (lite/app, webpack), the build/ folder of a site.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { kernelTypes } from './types.mjs';

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
      if (!['fs', 'path', 'url', 'module', 'crypto'].includes(name))
        return { errors: [{ text: `${args.path} has no browser shim (imported by ${args.importer})` }] };
      return { path: join(here, 'src/shims', `${name}.ts`) };
    });
  },
};

// TypeScript's compiler reaches for Node's modules only when it runs on Node; in the worker those requires are
// never taken, so they stay unresolved instead of failing the bundle.
const NODE_ONLY = ['fs', 'path', 'os', 'crypto', 'perf_hooks', 'inspector', 'buffer', 'source-map-support'];

/** Builds the library, the worker and their files into `dir` (lite/dist by default). */
export async function buildBrowser(dir = out) {
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: {
      convlab: join(here, 'src/browser.ts'),
      'kernel-worker': join(here, 'src/kernel/worker.ts'),
    },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    plugins: [shims],
    external: NODE_ONLY,
    // Layer summaries name a module by its class (constructor.name): minified names would change them.
    keepNames: true,
    define: { 'globalThis.process': 'browserProcess' },
    inject: [join(here, 'src/shims/process.ts')],
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'kernel-types.json'), JSON.stringify(kernelTypes()));
  for (const f of ['convlab.wasm', 'convlab-relaxed.wasm'])
    cpSync(join(root, 'native/wasm', f), join(dir, f));
  cpSync(join(root, 'data/images'), join(dir, 'data/images'), { recursive: true });
  mkdirSync(join(dir, 'data/digits'), { recursive: true });
  const mnist = dirname(require.resolve('mnist'));
  for (let d = 0; d < 10; d++)
    cpSync(join(mnist, 'digits', `${d}.json`), join(dir, 'data/digits', `${d}.json`));
  for (const f of ['logo-32x32.png', 'logo-64x64.png']) cpSync(join(root, 'kernel', f), join(dir, f));
}

/** The kernel plugin as an ES module for the application's webpack build, its packages left to that build. */
async function buildPlugin() {
  await esbuild.build({
    entryPoints: [join(here, 'src/app/plugin.ts')],
    outfile: join(here, 'build/plugin.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    external: ['@jupyterlab/*', '@jupyterlite/*', '@lumino/*'],
    logLevel: 'warning',
  });
}

export async function buildApp() {
  await buildPlugin();
  const cli = createRequire(join(here, 'package.json')).resolve('webpack-cli/bin/cli.js');
  execFileSync(process.execPath, [cli, '--config', 'app/webpack.config.cjs'], {
    cwd: here,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  settingsIndex(join(out, 'app/schemas'));
}

/**
 * schemas/all.json, the one file JupyterLite's settings service reads: every plugin's schema with empty user
 * settings, as a server would list them.
 */
export function settingsIndex(dir) {
  const all = [];
  for (const scope of readdirSync(dir))
    for (const pkg of readdirSync(join(dir, scope))) {
      const folder = join(dir, scope, pkg);
      const { version } = JSON.parse(readFileSync(join(folder, 'package.json.orig'), 'utf8'));
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.json'))
        .sort()) {
        const schema = JSON.parse(readFileSync(join(folder, file), 'utf8'));
        all.push({ id: `${scope}/${pkg}:${file.slice(0, -5)}`, raw: '{}', schema, settings: {}, version });
      }
    }
  writeFileSync(join(dir, 'all.json'), JSON.stringify(all));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBrowser();
  if (!process.argv.includes('--no-app')) await buildApp();
}
