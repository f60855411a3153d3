// Builds the three outputs of this package:
//   lib/index.js                    the renderer as one ES module (the display contract is bundled in, JupyterLab
//                                   and Lumino stay external), input of build-labextension;
//   labextension/                   the prebuilt (federated) JupyterLab extension, by @jupyterlab/builder;
//   standalone/convlab-render.js    the same renderers for static pages, global convlabRender(element, payload).
// The core package JupyterLab's builder needs (@jupyterlab/application-top) is not published; core-meta ships the
// same staging package.json as core.package.json, so it is copied to a folder as package.json and used as core path.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const css = readFileSync(join(here, 'style/base.css'), 'utf8');

rmSync(join(here, 'lib'), { recursive: true, force: true });
await esbuild.build({
  entryPoints: [join(here, 'src/index.ts')],
  outfile: join(here, 'lib/index.js'),
  bundle: true,
  format: 'esm',
  target: 'es2020',
  external: ['@jupyterlab/*', '@lumino/*'],
  logLevel: 'warning',
});

await esbuild.build({
  entryPoints: [join(here, 'src/standalone.ts')],
  outfile: join(here, 'standalone/convlab-render.js'),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  banner: { js: '/* convlab renderer, standalone: convlabRender(element, payload). MIT licence. */' },
  // The standalone page has no JupyterLab stylesheet: the bundle carries its own, added once on first load.
  footer: {
    js: `(function(){if(typeof document==='undefined'||document.getElementById('convlab-style'))return;var s=document.createElement('style');s.id='convlab-style';s.textContent=${JSON.stringify(css)};document.head.appendChild(s);})();`,
  },
  logLevel: 'warning',
});

const core = join(here, 'build/core');
mkdirSync(core, { recursive: true });
copyFileSync(require.resolve('@jupyterlab/core-meta/core.package.json'), join(core, 'package.json'));
rmSync(join(here, 'labextension'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('@jupyterlab/builder/lib/build-labextension.js'), '--core-path', core, here],
  {
    stdio: 'inherit',
    cwd: here,
  },
);
