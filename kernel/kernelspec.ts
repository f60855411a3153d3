/**
 * `convlab install | uninstall`: writes the kernelspec and copies the prebuilt JupyterLab extension into a Jupyter
 * data directory, with no Python package involved, and builds the native addon from source where the package holds
 * no prebuilt one for this platform.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawLogo } from './logo.js';
import { PACKAGE_ROOT } from './repl.js';

export const KERNEL_NAME = 'convlab';
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.js');
export const LABEXTENSION = path.join(PACKAGE_ROOT, 'extension', 'labextension');
/** Builds the renderer in a checkout of the repository (the published package carries it built). */
export const BUILD_EXTENSION = 'npm run build:extension';

export interface Target {
  dataDir: string;
  how: string;
}

export function jupyter(args: string[]): string | null {
  const r = spawnSync('jupyter', args, { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The per-user data directory: what `jupyter --data-dir` says, else Jupyter's own default on Linux. */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const fromJupyter = jupyter(['--data-dir']);
  if (fromJupyter) return fromJupyter;
  const xdg = process.env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(xdg, 'jupyter');
}

function sysPrefix(): string {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  throw new Error('convlab install: --sys-prefix needs a python3 to ask for sys.prefix; none ran');
}

export function resolveTarget(o: { user?: boolean; sysPrefix?: boolean; prefix?: string }): Target {
  const chosen = [o.user, o.sysPrefix, o.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new Error('convlab install: give at most one of --user, --sys-prefix, --prefix');
  if (o.prefix !== undefined)
    return { dataDir: path.join(path.resolve(o.prefix), 'share', 'jupyter'), how: 'prefix' };
  if (o.sysPrefix) return { dataDir: path.join(sysPrefix(), 'share', 'jupyter'), how: 'sys-prefix' };
  return { dataDir: userDataDir(), how: 'user' };
}

export function kernelJson(): Record<string, unknown> {
  return {
    // The absolute node binary and script, so the kernel starts the same way from any PATH or folder.
    argv: [process.execPath, CLI, 'kernel', '--connection-file', '{connection_file}'],
    display_name: 'convlab (TypeScript)',
    language: 'typescript',
    // Message mode: the kernel's io thread answers interrupt_request even while a cell blocks, and it works
    // where the client cannot signal the process (remote gateways, Windows). SIGINT is honoured as well.
    interrupt_mode: 'message',
    metadata: { debugger: false },
  };
}

/** JupyterLab serves an installed extension at lab/extensions/<package name>/, so its folder carries that name. */
export const EXTENSION_NAME = 'convlab-jupyterlab';

export function install(t: Target): number {
  const dir = path.join(t.dataDir, 'kernels', KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'kernel.json'), `${JSON.stringify(kernelJson(), null, 2)}\n`);
  writeFileSync(path.join(dir, 'logo-32x32.png'), drawLogo(32));
  writeFileSync(path.join(dir, 'logo-64x64.png'), drawLogo(64));
  console.log(`kernelspec ${KERNEL_NAME} -> ${dir}`);
  if (existsSync(LABEXTENSION)) {
    const dest = path.join(t.dataDir, 'labextensions', EXTENSION_NAME);
    rmSync(dest, { recursive: true, force: true });
    cpSync(LABEXTENSION, dest, { recursive: true });
    console.log(`labextension -> ${dest}`);
  } else {
    console.log(
      `labextension: not built (${LABEXTENSION} missing); outputs fall back to image/png and text until \`${BUILD_EXTENSION}\` and a new \`convlab install\``,
    );
  }
  // Where no prebuilt addon fits this platform, build one from source now (a compiler is needed); without one
  // convlab runs on its WASM backend. The package's own install runs no script, so this is the place for it.
  const build = spawnSync(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'native', 'build.mjs'), '--if-no-prebuilt'],
    {
      encoding: 'utf8',
    },
  );
  process.stdout.write(build.stdout ?? '');
  return 0;
}

export function uninstall(t: Target): number {
  let removed = 0;
  for (const dir of [
    path.join(t.dataDir, 'kernels', KERNEL_NAME),
    path.join(t.dataDir, 'labextensions', EXTENSION_NAME),
  ]) {
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      console.log(`removed ${dir}`);
      removed++;
    }
  }
  if (removed === 0) console.log(`nothing of convlab installed under ${t.dataDir}`);
  return 0;
}
