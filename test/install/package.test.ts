/**
 * The package as published: `npm pack`, the tarball installed into an empty folder from a registry, then what a
 * user does — `npx convlab install --user` and `npx convlab run` — with HOME and the Jupyter data directory in a
 * temporary folder, so the developer's own installation is never touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'convlab-package-'));
const home = path.join(work, 'home');
const data = path.join(work, 'jupyter-data');
const project = path.join(work, 'project');
const installed = path.join(project, 'node_modules', 'convlab');
// The developer's npm cache is shared (read-mostly), so the dependencies come from it rather than the network.
const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
const env = {
  ...process.env,
  HOME: home,
  JUPYTER_DATA_DIR: data,
  JUPYTER_CONFIG_DIR: path.join(home, '.jupyter'),
  JUPYTER_RUNTIME_DIR: path.join(work, 'runtime'),
  npm_config_cache: cache,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/**
 * A registry that serves the packed tarball as convlab and passes every other request to the real registry, so the
 * tarball installs as a published version does (npm treats a file or folder install differently: it would list
 * the repository's `prepare` script among the scripts to approve, which a registry install never runs).
 */
async function startRegistry(tarball: string): Promise<{ url: string; close(): void }> {
  const upstream = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).stdout.trim();
  const bytes = readFileSync(tarball);
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const file = `/convlab/-/${path.basename(tarball)}`;
  const server = createServer(async (req, res) => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/convlab') {
      const version = {
        ...manifest,
        _id: `convlab@${manifest.version}`,
        dist: {
          tarball: url + file,
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          shasum: createHash('sha1').update(bytes).digest('hex'),
        },
      };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          name: 'convlab',
          'dist-tags': { latest: manifest.version },
          versions: { [manifest.version]: version },
        }),
      );
    } else if (req.url === file) {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(bytes);
    } else {
      const r = await fetch(new URL(req.url ?? '/', upstream.endsWith('/') ? upstream : `${upstream}/`), {
        headers: { accept: req.headers.accept ?? 'application/json' },
      });
      res.statusCode = r.status;
      res.setHeader('content-type', r.headers.get('content-type') ?? 'application/json');
      res.end(Buffer.from(await r.arrayBuffer()));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/** Runs a command without blocking this process (the registry above answers from it meanwhile). */
function runAsync(cmd: string, args: string[], cwd: string): Promise<{ status: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('close', (status) => ok({ status, out }));
  });
}

let installLog = '';

beforeAll(async () => {
  mkdirSync(home, { recursive: true });
  mkdirSync(project, { recursive: true });
  // Packs the tree npm ci built (dist, the addon's prebuilt copy, the extension). Its prepare script would rebuild
  // all of it and replace the addon under the other suites running beside this one.
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  expect(pack.status, pack.out).toBe(0);
  const tarball = path.join(work, JSON.parse(pack.out.slice(pack.out.indexOf('[')))[0].filename);
  writeFileSync(path.join(project, 'package.json'), '{ "name": "a-user-project", "private": true }\n');
  const registry = await startRegistry(tarball);
  try {
    const install = await runAsync(
      'npm',
      [
        'install',
        '--prefer-offline',
        `--registry=${registry.url}`,
        `convlab@${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`,
      ],
      project,
    );
    installLog = install.out;
    expect(install.status, install.out).toBe(0);
  } finally {
    registry.close();
  }
}, 300_000);

// The installed project is some hundred MB of small files: removing it can take a while on a busy disk.
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

describe('the packed package installed into an empty folder', () => {
  it('holds every part convlab loads, the prebuilt addon for linux-x64 and the bundled zeromq', () => {
    for (const file of [
      'dist/src/index.js',
      'dist/kernel/cli.js',
      'native/wasm/convlab.wasm',
      'native/wasm/convlab-relaxed.wasm',
      'native/build.mjs',
      'extension/labextension/package.json',
      'extension/standalone/convlab-render.js',
      'node_modules/zeromq/package.json',
    ]) {
      expect(existsSync(path.join(installed, file)), file).toBe(true);
    }
    if (process.platform === 'linux' && process.arch === 'x64')
      expect(existsSync(path.join(installed, 'native/prebuilds/linux-x64/convlab.node'))).toBe(true);
    // Nothing of the repository's development side.
    for (const dir of ['src', 'test', 'bench', 'notebooks', 'native/build', 'extension/src'])
      expect(existsSync(path.join(installed, dir)), dir).toBe(false);
  });

  it('installs without an install-script warning and runs no install script', () => {
    expect(installLog).not.toMatch(/install-scripts|allowScripts|EBADENGINE/);
    const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    for (const script of ['preinstall', 'install', 'postinstall'])
      expect(pkg.scripts?.[script]).toBeUndefined();
  });

  it('`convlab install --user` puts the kernelspec and the labextension in the data directory', () => {
    const r = run('npx', ['convlab', 'install', '--user'], project);
    expect(r.status, r.out).toBe(0);
    const spec = JSON.parse(readFileSync(path.join(data, 'kernels/convlab/kernel.json'), 'utf8'));
    expect(spec.argv[1]).toBe(path.join(installed, 'dist/kernel/cli.js'));
    const ext = JSON.parse(
      readFileSync(path.join(data, 'labextensions/convlab-jupyterlab/package.json'), 'utf8'),
    );
    expect(ext.jupyterlab._build.load).toMatch(/^static\/remoteEntry\.[0-9a-f]+\.js$/);
    // The shipped addon loads, so nothing is compiled.
    if (process.platform === 'linux' && process.arch === 'x64')
      expect(r.out).toContain(
        `native addon: ${path.join(installed, 'native/prebuilds/linux-x64/convlab.node')}`,
      );
    const doctor = run('npx', ['convlab', 'doctor'], project);
    expect(doctor.out).toMatch(/^ok {3}kernelspec .*kernel\.json/m);
    expect(doctor.out).toMatch(/^ok {3}labextension convlab-jupyterlab /m);
    expect(doctor.out).toMatch(/^ok {3}backend (native|wasm): /m);
  });

  it('runs a notebook through the kernelspec and writes HTML pages with the interactive renderer', () => {
    const nbDir = path.join(work, 'notebooks');
    mkdirSync(nbDir);
    const cells = [
      "import { manualSeed, randn } from 'convlab';\nmanualSeed(0);",
      'const t = randn([1, 2, 4, 4]);\nt;',
    ];
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'convlab', display_name: 'convlab (TypeScript)', language: 'typescript' },
      },
      cells: cells.map((source, i) => ({
        cell_type: 'code',
        id: `c${i}`,
        metadata: {},
        source,
        outputs: [],
        execution_count: null,
      })),
    };
    writeFileSync(path.join(nbDir, 'tour.ipynb'), JSON.stringify(nb));

    // Jupyter's own client starts the kernel from the installed kernelspec.
    const nbconvert = run(
      'jupyter',
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--output-dir',
        path.join(work, 'nbconvert'),
        'tour.ipynb',
      ],
      nbDir,
    );
    expect(nbconvert.status, nbconvert.out).toBe(0);
    const executed = JSON.parse(readFileSync(path.join(work, 'nbconvert/tour.ipynb'), 'utf8'));
    expect(Object.keys(executed.cells[1].outputs[0].data)).toContain('application/vnd.convlab.v1+json');

    const out = path.join(work, 'pages');
    const r = run('npx', ['convlab', 'run', nbDir, '--out', out], project);
    expect(r.status, r.out).toBe(0);
    expect(readdirSync(out)).toContain('tour.html');
    // Checked with includes: a page holds the whole renderer, too long to print on a failure.
    const html = readFileSync(path.join(out, 'tour.html'), 'utf8');
    const bundle = readFileSync(path.join(installed, 'extension/standalone/convlab-render.js'), 'utf8');
    expect(html.includes(bundle.slice(0, 200)), 'the standalone renderer is embedded').toBe(true);
    expect(html.includes('convlabRender(el'), 'outputs are drawn by the renderer').toBe(true);
    expect(/"version":\d+,"kind":"feature-maps"/.test(html), 'the payload is on the page').toBe(true);
  });
});
