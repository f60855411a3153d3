/**
 * Start-up of the browser test's world: a JupyterLab 4 frontend (built in test/e2e/app) served by Debian's
 * jupyter_server with the prebuilt convlab extension installed by `convlab install --prefix`, and Debian's Chromium
 * driven by playwright-core. Everything lives in one temporary folder and is removed by `stop()`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
export const LABEXTENSION = join(ROOT, 'extension/labextension');
export const STANDALONE = join(ROOT, 'extension/standalone/convlab-render.js');
const APP = join(ROOT, 'test/e2e/app');
const CLI = join(ROOT, 'dist/kernel/cli.js');
const PYTHON = '/usr/bin/python3';
const CHROMIUM = '/usr/bin/chromium';

export interface Lab {
  url: string;
  token: string;
  notebooks: string;
  browser: BrowserContext;
  serverLog(): string;
  stop(): Promise<void>;
}

/** What must exist before the test can run; `npm ci` builds the first, `npm run provision` the rest. */
export function missingPrerequisites(): string[] {
  const need: [string, string][] = [
    [join(LABEXTENSION, 'package.json'), 'the built extension (npm ci)'],
    [join(APP, 'build/bundle.js'), 'the JupyterLab frontend (npm run provision)'],
    [CHROMIUM, 'Chromium (apt-get install chromium)'],
    [PYTHON, 'Python 3 with jupyter_server, jupyterlab_server and ipykernel (apt packages)'],
  ];
  return need.filter(([path]) => !existsSync(path)).map(([path, what]) => `${what}: ${path} is missing`);
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

async function waitForServer(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter server exited with ${server.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter server did not answer ${url} within 60 s:\n${log()}`);
}

export async function startLab(): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-e2e-'));
  const dirs = Object.fromEntries(
    ['notebooks', 'state', 'runtime', 'data', 'chromium'].map((d) => {
      mkdirSync(join(dir, d));
      return [d, join(dir, d)];
    }),
  );
  // Installed by `convlab install`, as the README's first command does, into a prefix of its own: JupyterLab
  // then finds <prefix>/share/jupyter/labextensions/<package name>/package.json.
  const prefix = join(dir, 'prefix');
  execFileSync(process.execPath, [CLI, 'install', '--prefix', prefix], { stdio: 'pipe' });
  dirs.labextensions = join(prefix, 'share', 'jupyter', 'labextensions');
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  let output = '';
  const server = spawn(
    PYTHON,
    [
      join(APP, 'serve.py'),
      `--ServerApp.port=${port}`,
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.token=${token}`,
      `--ServerApp.root_dir=${dirs.notebooks}`,
      '--ServerApp.open_browser=False',
      '--ServerApp.allow_root=True',
    ],
    {
      env: {
        ...process.env,
        CONVLAB_E2E_LABEXTENSIONS: dirs.labextensions,
        CONVLAB_E2E_STATE: dirs.state,
        JUPYTER_RUNTIME_DIR: dirs.runtime,
        JUPYTER_DATA_DIR: dirs.data,
        JUPYTER_CONFIG_DIR: join(dir, 'config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (b) => (output += b));
  server.stderr?.on('data', (b) => (output += b));
  const url = `http://127.0.0.1:${port}`;
  const stopServer = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  };
  try {
    await waitForServer(`${url}/api/status?token=${token}`, server, () => output);
    // A fresh profile per run (user-data-dir), so no state leaks between runs.
    const browser = await chromium.launchPersistentContext(dirs.chromium, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    return {
      url,
      token,
      notebooks: dirs.notebooks,
      browser,
      serverLog: () => output,
      async stop() {
        await browser.close().catch(() => {});
        await stopServer();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A notebook whose cells display the given bundles from JSON files beside it, one cell per file. */
export function writeNotebook(path: string, files: string[]): void {
  const code = (src: string) => ({
    cell_type: 'code',
    metadata: {},
    source: src,
    outputs: [],
    execution_count: null,
  });
  const nb = {
    nbformat: 4,
    nbformat_minor: 4,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      code(
        [
          'import json',
          'from IPython.display import display',
          'def show(path):',
          '    with open(path) as f:',
          '        display(json.load(f), raw=True)',
        ].join('\n'),
      ),
      ...files.map((f) => code(`show(${JSON.stringify(f)})`)),
    ],
  };
  writeFileSync(path, JSON.stringify(nb));
}
