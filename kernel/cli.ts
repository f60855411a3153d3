#!/usr/bin/env node
/** `convlab kernel | install | uninstall | doctor | run`: the command line of the convlab package. */
import { parseArgs } from 'node:util';

const USAGE = `usage:
  convlab kernel --connection-file FILE
  convlab install [--user | --sys-prefix | --prefix DIR]
  convlab uninstall [--user | --sys-prefix | --prefix DIR]
  convlab doctor
  convlab run NOTEBOOK|DIR… [-p name=value…] [--out DIR] [--timeout S] [--inplace]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
        },
      });
      const { runNotebooks } = await import('./runner.js');
      return runNotebooks(positionals, {
        parameters: values.parameter ?? [],
        out: values.out,
        timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout),
        inplace: values.inplace === true,
      });
    }
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
