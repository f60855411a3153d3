/**
 * `convlab lite NOTEBOOK|DIR… --out DIR`: a static JupyterLite site in which the notebooks run in the browser.
 *
 *   DIR/lab/index.html      JupyterLab (a notebook opens at lab/index.html?path=<name>.ipynb)
 *   DIR/build/              the application (lite/dist/app), its settings schemas and themes
 *   DIR/convlab/            the browser kernel's worker, convlab's WASM modules and data (lite/dist)
 *   DIR/files/, DIR/api/contents/all.json   the notebooks and the listing JupyterLite's contents service reads
 *
 * Any static file server serves it. Served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp` the page is cross-origin isolated and the kernel runs on the WASM
 * backend with threads and can be interrupted in place; without them (GitHub Pages cannot set headers) it runs on
 * the TypeScript backend, and an interrupt restarts the kernel.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** lite/dist of this installation, found by walking up from this module (lite/ in source, dist/lite/ built). */
function liteDist(): string {
  let dir = resolve(fileURLToPath(import.meta.url), '..');
  for (let i = 0; i < 4; i++, dir = resolve(dir, '..')) {
    const candidate = join(dir, 'lite/dist');
    if (existsSync(join(candidate, 'app/bundle.js'))) return candidate;
  }
  throw new Error(
    'convlab lite: the browser build (lite/dist/app) is missing from this installation (npm ci builds it)',
  );
}

/** Every .ipynb named or found under a folder named, with its path inside the site. */
function collect(inputs: string[]): { file: string; path: string }[] {
  const found: { file: string; path: string }[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`convlab lite: ${input} does not exist`);
    if (statSync(input).isDirectory()) {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir).sort()) {
          const full = join(dir, name);
          if (name.startsWith('.')) continue;
          if (statSync(full).isDirectory()) walk(full);
          else if (name.endsWith('.ipynb')) found.push({ file: full, path: relative(input, full) });
        }
      };
      walk(input);
    } else if (input.endsWith('.ipynb')) found.push({ file: input, path: basename(input) });
    else throw new Error(`convlab lite: expected a notebook (.ipynb) or a folder, got ${input}`);
  }
  const seen = new Set<string>();
  for (const { path } of found) {
    if (seen.has(path)) throw new Error(`convlab lite: two notebooks would both be ${path} in the site`);
    seen.add(path);
  }
  if (found.length === 0) throw new Error(`convlab lite: no notebook found in ${inputs.join(', ')}`);
  return found;
}

interface Model {
  name: string;
  path: string;
  type: 'notebook' | 'directory';
  created: string;
  last_modified: string;
  format: 'json' | null;
  mimetype: string | null;
  size: number | null;
  writable: boolean;
  content: null;
}

const PAGE_CONFIG = {
  appName: 'convlab lite',
  baseUrl: '../',
  appUrl: './',
  fullStaticUrl: '../build',
  settingsUrl: '../build/schemas',
  themesUrl: '../build/themes',
  fullLabextensionsUrl: '../extensions',
  federated_extensions: [],
  contentsAllJsonFile: 'all.json',
  defaultKernelName: 'convlab',
  exposeAppInBrowser: 'true',
};

const LAB_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>convlab lite</title>
    <link rel="icon" href="../convlab/logo-32x32.png" />
    <script id="jupyter-config-data" type="application/json">${JSON.stringify(PAGE_CONFIG)}</script>
    <script src="../build/bundle.js" charset="utf-8"></script>
  </head>
  <body></body>
</html>
`;

/** Writes the site; returns the notebooks' paths inside it. */
export function writeSite(inputs: string[], out: string): string[] {
  const notebooks = collect(inputs);
  const dist = liteDist();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(dist, 'app'), join(out, 'build'), { recursive: true });
  cpSync(dist, join(out, 'convlab'), {
    recursive: true,
    filter: (src) =>
      !src.startsWith(join(dist, 'app')) && !src.endsWith('.map') && !src.endsWith('convlab.js'),
  });
  // Answers to what the application asks for at start and a server would serve: no settings of prebuilt
  // extensions, English only.
  writeFileSync(join(out, 'build/schemas/all_federated.json'), '[]');
  mkdirSync(join(out, 'api/translations'), { recursive: true });
  const english = { displayName: 'English', nativeName: 'English' };
  writeFileSync(
    join(out, 'api/translations/all.json'),
    JSON.stringify({ data: { en: english }, message: '' }),
  );
  writeFileSync(join(out, 'api/translations/en.json'), JSON.stringify({ data: {}, message: '' }));
  mkdirSync(join(out, 'lab'));
  writeFileSync(join(out, 'lab/index.html'), LAB_PAGE);
  writeFileSync(
    join(out, 'index.html'),
    '<!doctype html>\n<meta http-equiv="refresh" content="0; url=lab/index.html">\n',
  );

  // One listing per folder, as JupyterLite's contents service reads them (api/contents/<dir>/all.json).
  const listings = new Map<string, Model[]>([['', []]]);
  const epoch = new Date(0).toISOString();
  const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
  for (const { file, path } of notebooks) {
    const target = join(out, 'files', path);
    mkdirSync(resolve(target, '..'), { recursive: true });
    const text = readFileSync(file);
    writeFileSync(target, text);
    const modified = statSync(file).mtime.toISOString();
    for (let dir = folderOf(path), child = path; ; child = dir, dir = folderOf(dir)) {
      const list = listings.get(dir) ?? [];
      listings.set(dir, list);
      if (list.some((m) => m.path === child)) break;
      const isNotebook = child === path;
      list.push({
        name: basename(child),
        path: child,
        type: isNotebook ? 'notebook' : 'directory',
        created: epoch,
        last_modified: isNotebook ? modified : epoch,
        format: null,
        mimetype: null,
        size: isNotebook ? text.length : null,
        writable: true,
        content: null,
      });
      if (dir === '') break;
    }
  }
  for (const [dir, content] of listings) {
    const folder = join(out, 'api/contents', dir);
    mkdirSync(folder, { recursive: true });
    const model = {
      name: basename(dir),
      path: dir,
      type: 'directory',
      created: epoch,
      last_modified: epoch,
      format: 'json',
      mimetype: null,
      size: null,
      writable: true,
      content,
    };
    writeFileSync(join(folder, 'all.json'), JSON.stringify(model));
  }
  return notebooks.map((n) => n.path);
}

/** The `lite` subcommand: `convlab lite NOTEBOOK|DIR… --out DIR`. */
export async function liteCommand(args: string[]): Promise<number> {
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' } },
  });
  if (values.out === undefined || positionals.length === 0)
    throw new Error('convlab lite: usage: convlab lite NOTEBOOK|DIR… --out DIR');
  const paths = writeSite(positionals, values.out);
  console.log(
    `convlab lite: ${paths.length} notebook(s) in ${values.out}; serve it with any static file server and open ` +
      `lab/index.html?path=${paths[0]} (COOP/COEP headers give the WASM backend threads)`,
  );
  return 0;
}
