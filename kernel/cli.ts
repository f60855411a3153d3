#!/usr/bin/env node
/** `convlab kernel | install | uninstall | doctor | run | verify | lite`: the command line of the convlab package. */
import { parseArgs } from 'node:util';

const USAGE = `usage:
  convlab kernel --connection-file FILE
  convlab install [--user | --sys-prefix | --prefix DIR]
  convlab uninstall [--user | --sys-prefix | --prefix DIR]
  convlab doctor
  convlab run NOTEBOOK|DIR… [-p name=value…] [--sweep name=v1,v2,……] [--jobs N] [--out DIR] [--timeout S]
              [--inplace] [--server URL [--token T]] [--site URL]
  convlab verify NOTEBOOK|DIR… [--jobs N] [--timeout S] [--server URL [--token T]]
  convlab lite NOTEBOOK|DIR… --out DIR      a static site where the notebooks run in the browser

  --server runs the kernels on a Jupyter server (Jupyter Server, JupyterHub, Enterprise Gateway) that has the
  convlab kernelspec; the token comes from --token or JUPYTER_TOKEN. --site URL gives each HTML page a "Run live"
  link to the notebook on the convlab lite site at URL (URL/lab/index.html?path=<name>.ipynb).`;

/** --server and --token (or JUPYTER_TOKEN) as the runner takes them. */
function server(values: { server?: string; token?: string }): { url: string; token: string } | undefined {
  if (values.server === undefined) {
    if (values.token !== undefined) throw new Error('convlab: --token is only used with --server URL');
    return undefined;
  }
  return { url: values.server, token: values.token ?? process.env.JUPYTER_TOKEN ?? '' };
}

/** A whole number option, or undefined when absent; the runner checks its range. */
function count(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (command !== undefined && (options.includes('--help') || options.includes('-h'))) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'kernel': {
      const { values } = parseArgs({
        args: rest,
        options: { 'connection-file': { type: 'string', short: 'f' } },
      });
      const file = values['connection-file'];
      if (!file) throw new Error('convlab kernel: --connection-file is required');
      const { startKernel } = await import('./kernel.js');
      await startKernel(file);
      return -1;
    }
    case 'install':
    case 'uninstall':
    case 'doctor': {
      const { values } = parseArgs({
        args: rest,
        options: { user: { type: 'boolean' }, 'sys-prefix': { type: 'boolean' }, prefix: { type: 'string' } },
      });
      if (command === 'doctor') return (await import('./doctor.js')).doctor();
      const spec = await import('./kernelspec.js');
      const target = spec.resolveTarget({
        user: values.user,
        sysPrefix: values['sys-prefix'],
        prefix: values.prefix,
      });
      return command === 'install' ? spec.install(target) : spec.uninstall(target);
    }
    case 'run': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          parameter: { type: 'string', short: 'p', multiple: true },
          out: { type: 'string', short: 'o' },
          timeout: { type: 'string' },
          inplace: { type: 'boolean' },
          sweep: { type: 'string', multiple: true },
          jobs: { type: 'string', short: 'j' },
          server: { type: 'string' },
          token: { type: 'string' },
          site: { type: 'string' },
        },
      });
      const { runNotebooks } = await import('../runner/run.js');
      return runNotebooks(positionals, {
        parameters: values.parameter ?? [],
        sweeps: values.sweep ?? [],
        jobs: count(values.jobs),
        out: values.out,
        timeoutSeconds: count(values.timeout),
        inplace: values.inplace === true,
        server: server(values),
        site: values.site,
      });
    }
    case 'verify': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          timeout: { type: 'string' },
          jobs: { type: 'string', short: 'j' },
          server: { type: 'string' },
          token: { type: 'string' },
        },
      });
      const { verifyNotebooks } = await import('../runner/verify.js');
      return verifyNotebooks(positionals, {
        timeoutSeconds: count(values.timeout),
        jobs: count(values.jobs),
        server: server(values),
      });
    }
    case 'lite':
      return (await import('../lite/site.js')).liteCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`convlab: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // The kernel keeps running on its sockets; every other command ends with its status. A handle that outlives
    // the work (a ZeroMQ context still closing, a client socket) must not keep the process alive: exit shortly
    // after, if the event loop has not emptied by itself (the timer does not keep it alive).
    if (code >= 0) {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 2000).unref();
    }
  },
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    // Exit outright: a kernel whose engine failed to start must not linger with its io thread still answering.
    process.exit(1);
  },
);
