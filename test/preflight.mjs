// What `npm test` needs besides node_modules, checked before any suite starts: the built parts (npm ci builds them)
// and the system tools the kernel, notebook and browser suites drive (Debian packages, installed by
// `npm run provision`). A missing one would otherwise surface as dozens of unrelated failures.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const PROVISION = 'npm run provision';
const PYTHON = '/usr/bin/python3';

/** Python modules the suites import with Debian's python3, and the Debian package of each. */
const PYTHON_MODULES = {
  jupyter_client: 'python3-jupyter-client',
  nbclient: 'python3-nbclient',
  nbconvert: 'jupyter-nbconvert',
  jupyter_kernel_test: 'python3-jupyter-kernel-test',
  zmq: 'python3-zmq',
  jupyter_server: 'python3-jupyter-server',
  jupyterlab_server: 'python3-jupyterlab-server',
  ipykernel: 'python3-ipykernel',
};

/** Commands the suites start by name, found on PATH as they would be. */
const COMMANDS = { jupyter: 'jupyter-core', 'jupyter-nbconvert': 'jupyter-nbconvert', chromium: 'chromium' };

function onPath(command, path) {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Missing things, each `{ what, fix }`; `root` is the repository, `env` the environment the suites will get. */
export function missingPrerequisites(root, env = process.env) {
  const missing = [];
  const built = [
    ['dist/kernel/cli.js', 'the compiled library and kernel'],
    ['extension/labextension/package.json', 'the JupyterLab extension'],
    ['extension/standalone/convlab-render.js', 'the standalone renderer'],
  ];
  for (const [file, what] of built) {
    if (!existsSync(join(root, file))) missing.push({ what: `${what} (${file})`, fix: 'npm ci' });
  }
  const tools = [];
  for (const [command, pkg] of Object.entries(COMMANDS)) {
    if (!onPath(command, env.PATH)) tools.push(`${command} (Debian package ${pkg})`);
  }
  if (!existsSync(PYTHON)) tools.push(`${PYTHON} (Debian package python3)`);
  else {
    const probe = `import importlib.util as u\nfor m in ${JSON.stringify(Object.keys(PYTHON_MODULES))}:\n    u.find_spec(m) or print(m)`;
    const r = spawnSync(PYTHON, ['-c', probe], { encoding: 'utf8', env });
    for (const m of r.stdout.split('\n').filter(Boolean)) {
      tools.push(`python module ${m} (Debian package ${PYTHON_MODULES[m]})`);
    }
  }
  const bundle = join(root, 'test/e2e/app/build/bundle.js');
  const lock = join(root, 'test/e2e/app/package-lock.json');
  if (!existsSync(bundle)) tools.push('the e2e JupyterLab frontend (test/e2e/app/build)');
  else if (statSync(lock).mtimeMs > statSync(bundle).mtimeMs)
    tools.push('an e2e JupyterLab frontend newer than test/e2e/app/package-lock.json');
  if (tools.length > 0)
    missing.push({ what: tools.join(', '), fix: `${PROVISION}   (as root on Debian 12)` });
  return missing;
}

/** The one message `npm test` prints instead of running suites that cannot pass. */
export function describeMissing(missing) {
  return [
    'npm test cannot run: missing',
    ...missing.map((m) => `  - ${m.what}\n    install with: ${m.fix}`),
  ].join('\n');
}
