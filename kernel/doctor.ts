/**
 * `convlab doctor`: what of convlab is installed where and what runs — the kernelspec, the labextension and the
 * JupyterLab that would load it, the backend in use and why, the threads — each with the command that fixes what
 * is missing. Exits 1 when something convlab itself needs is broken; a missing JupyterLab is only noted, since
 * notebooks also run and render (as PNG and text) in any other Jupyter client.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { EXTENSION_NAME, jupyter, KERNEL_NAME, LABEXTENSION, userDataDir } from './kernelspec.js';
import { PACKAGE_ROOT } from './repl.js';

const INSTALL = 'npx convlab install --user';

type Status = 'ok' | 'FAIL' | 'note';

class Report {
  problems = 0;
  line(status: Status, text: string, fix?: string): void {
    if (status === 'FAIL') this.problems++;
    console.log(`${status.padEnd(4)} ${text}`);
    if (fix && status !== 'ok') console.log(`     fix: ${fix}`);
  }
  detail(text: string): void {
    console.log(`     ${text}`);
  }
}

/** Jupyter's data path: `jupyter --paths` when Jupyter is here, else JUPYTER_PATH, the user dir and the prefixes. */
function dataPath(): { dirs: string[]; from: string } {
  const fromJupyter = jupyter(['--paths', '--json']);
  if (fromJupyter) {
    try {
      return { dirs: (JSON.parse(fromJupyter) as { data: string[] }).data, from: 'jupyter --paths' };
    } catch {
      // an old jupyter_core without --json: fall through to the documented order
    }
  }
  const fromEnv = (process.env.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean);
  const dirs = [...new Set([...fromEnv, userDataDir(), '/usr/local/share/jupyter', '/usr/share/jupyter'])];
  return { dirs, from: 'no jupyter command; the default order' };
}

function packageJson(): { version: string; engines: { node: string } } {
  return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
}

function checkRuntime(r: Report): void {
  const pkg = packageJson();
  const major = Number(process.versions.node.split('.')[0]);
  r.line(
    [20, 22].includes(major) || major >= 24 ? 'ok' : 'FAIL',
    `node ${process.version} (${process.execPath}); convlab ${pkg.version} supports node ${pkg.engines.node}`,
    'install Node.js 20, 22 or 24',
  );
  const built = existsSync(path.join(PACKAGE_ROOT, 'dist', 'src', 'index.js'));
  r.line(built ? 'ok' : 'FAIL', `convlab at ${PACKAGE_ROOT}${built ? '' : ' is not built'}`, 'npm run build');
  for (const mod of ['zeromq', 'tslab']) {
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(mod)})`], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
    });
    const why = run.stderr.split('\n').find((l) => /Error/.test(l)) ?? '';
    r.line(
      run.status === 0 ? 'ok' : 'FAIL',
      `${mod} ${run.status === 0 ? 'loads' : `fails to load: ${why}`}`,
      'npm ci',
    );
  }
}

function checkKernelspec(r: Report, dirs: string[]): void {
  const found = dirs
    .map((d) => path.join(d, 'kernels', KERNEL_NAME, 'kernel.json'))
    .filter((f) => existsSync(f));
  for (const spec of found) {
    const argv = (JSON.parse(readFileSync(spec, 'utf8')) as { argv: string[] }).argv;
    const ok = existsSync(argv[0]) && existsSync(argv[1]);
    r.line(
      ok ? 'ok' : 'FAIL',
      `kernelspec ${spec} -> ${argv[1]}`,
      `${INSTALL} (it points at a removed node or convlab)`,
    );
  }
  if (found.length === 0)
    r.line('FAIL', `kernelspec ${KERNEL_NAME}: not found in ${dirs.join(', ')}`, INSTALL);
}

function checkLabextension(r: Report, dirs: string[]): void {
  const built = existsSync(path.join(LABEXTENSION, 'package.json'));
  const installed = dirs
    .map((d) => path.join(d, 'labextensions', EXTENSION_NAME))
    .filter((d) => existsSync(path.join(d, 'package.json')));
  if (!built)
    r.line('FAIL', `labextension: not built in this package (${LABEXTENSION})`, 'npm run build:extension');
  for (const dir of installed) {
    const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string })
      .version;
    r.line('ok', `labextension ${EXTENSION_NAME} ${version} installed at ${dir}`);
  }
  if (installed.length === 0)
    r.line('FAIL', `labextension ${EXTENSION_NAME}: not installed in ${dirs.join(', ')}`, INSTALL);

  // The JupyterLab that would load it: `jupyter lab` reads prebuilt extensions from <data dir>/labextensions.
  const version = jupyter(['lab', '--version']);
  const major = version === null ? 0 : Number(version.split('.')[0]);
  if (version === null)
    r.line(
      'note',
      'JupyterLab: `jupyter lab` not found; outputs show as PNG and text in other clients',
      "python3 -m pip install 'jupyterlab>=4'",
    );
  else
    r.line(
      major >= 4 ? 'ok' : 'FAIL',
      `JupyterLab ${version}${major >= 4 ? ' loads the renderer' : ': the renderer needs JupyterLab 4'}`,
      "python3 -m pip install 'jupyterlab>=4'",
    );
}

async function checkBackend(r: Report): Promise<void> {
  const dist = path.join(PACKAGE_ROOT, 'dist', 'src', 'backend');
  const lib = await import(path.join(dist, 'index.js'));
  const wasm = await import(path.join(dist, 'wasm.js'));
  const { loadableAddon } = await import(path.join(PACKAGE_ROOT, 'native', 'build.mjs'));
  let info: {
    name: string;
    reason: string;
    unavailable: { name: string; reason: string }[];
    threads: number;
    threadsReason: string;
    kernels: string | null;
    kernelsReason: string | null;
  };
  try {
    info = lib.backendInfo();
  } catch (e) {
    r.line('FAIL', `backend: ${(e as Error).message}`, 'unset CONVLAB_BACKEND');
    return;
  }
  r.line('ok', `backend ${info.name}: ${info.reason}`);
  if (info.kernels)
    r.detail(`native kernels ${info.kernels}: ${info.kernelsReason}; addon ${loadableAddon()}`);
  if (info.name === 'wasm' || !info.unavailable.some((u) => u.name === 'wasm'))
    r.detail(`wasm module: ${wasm.loadWasmBackend().reason ?? wasm.wasmVariant()}`);
  for (const u of info.unavailable) {
    const fix =
      u.name === 'native'
        ? `${INSTALL} (builds the addon from source; needs g++, make and python3)`
        : undefined;
    r.line('note', `${u.name}: unavailable (${u.reason})`, fix);
  }
  r.line('ok', `threads: ${info.threads} (${info.threadsReason}; ${availableParallelism()} CPUs here)`);
}

export async function doctor(): Promise<number> {
  const r = new Report();
  checkRuntime(r);
  const { dirs, from } = dataPath();
  r.detail(`jupyter data path (${from}): ${dirs.join(', ')}`);
  checkKernelspec(r, dirs);
  checkLabextension(r, dirs);
  try {
    await checkBackend(r);
  } catch (e) {
    r.line('FAIL', `backend: the library failed to load: ${(e as Error).message}`, 'npm run build');
  }
  console.log(r.problems === 0 ? 'convlab is ready' : `${r.problems} problem(s); run the fix lines above`);
  return r.problems === 0 ? 0 : 1;
}
