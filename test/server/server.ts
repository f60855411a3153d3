/**
 * A Jupyter server for the tests: Debian's jupyter_server on 127.0.0.1 with a token, its Jupyter paths in a
 * temporary folder (so the developer's own kernelspecs stay out), and the kernelspecs it may offer chosen.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../kernel/build';

export interface JupyterServer {
  url: string;
  token: string;
  log: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A port nothing listens on (for the unreachable-server case). */
export const unusedPort = freePort;

/**
 * Starts a server whose only kernelspecs are `kernels` (`convlab` is installed into its temporary prefix with
 * `convlab install --prefix`), and resolves once its API answers the token.
 */
export async function startServer(kernels: string[]): Promise<JupyterServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'convlab-server-'));
  const prefix = path.join(dir, 'prefix');
  if (kernels.includes('convlab')) {
    const r = spawnSync(process.execPath, [CLI, 'install', '--prefix', prefix], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`convlab install --prefix failed: ${r.stdout}${r.stderr}`);
  }
  const root = path.join(dir, 'root');
  mkdirSync(root);
  const token = `t${Math.random().toString(36).slice(2)}`;
  const port = await freePort();
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'),
    JUPYTER_DATA_DIR: path.join(dir, 'data'),
    JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
  };
  const child: ChildProcess = spawn(
    '/usr/bin/python3',
    [
      '-m',
      'jupyter_server',
      '--no-browser',
      '--allow-root',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      `--KernelSpecManager.allowed_kernelspecs=${JSON.stringify(kernels)}`,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (t: string) => {
    log += t;
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) return { url, token, log: () => log, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`jupyter_server did not answer on ${url}:\n${log}`);
}
