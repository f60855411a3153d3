/** `convlab install | uninstall | doctor` and argument errors, against a temporary prefix. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from './build';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });

beforeAll(() => ensureBuilt(), 300_000);

describe('convlab install / uninstall / doctor', () => {
  it('writes the kernelspec, logos and extension under the prefix, and doctor finds them', () => {
    const prefix = mkdtempSync(path.join(tmpdir(), 'convlab-install-'));
    const data = path.join(prefix, 'share', 'jupyter');
    const r = cli(['install', '--prefix', prefix]);
    expect(r.status, r.stderr).toBe(0);
    const spec = path.join(data, 'kernels', 'convlab');
    const json = JSON.parse(readFileSync(path.join(spec, 'kernel.json'), 'utf8'));
    expect(json).toMatchObject({
      display_name: 'convlab (TypeScript)',
      language: 'typescript',
      interrupt_mode: 'message',
    });
    expect(json.argv).toEqual([process.execPath, CLI, 'kernel', '--connection-file', '{connection_file}']);
    // The installed logos are the committed ones, drawn by the same code.
    for (const size of ['32x32', '64x64']) {
      expect(readFileSync(path.join(spec, `logo-${size}.png`))).toEqual(
        readFileSync(path.join(ROOT, 'kernel', `logo-${size}.png`)),
      );
    }
    const ext = path.join(data, 'labextensions', 'convlab-jupyterlab', 'package.json');
    expect(existsSync(ext)).toBe(existsSync(path.join(ROOT, 'extension', 'labextension', 'package.json')));

    const d = cli(['doctor'], { JUPYTER_PATH: data });
    expect(d.status, d.stdout).toBe(0);
    expect(d.stdout).toContain(`kernelspec ${path.join(spec, 'kernel.json')} -> ${CLI}`);

    expect(cli(['uninstall', '--prefix', prefix]).status).toBe(0);
    expect(existsSync(spec)).toBe(false);
    expect(existsSync(path.dirname(ext))).toBe(false);
  });

  it('refuses two install targets at once', () => {
    const r = cli(['install', '--user', '--prefix', '/tmp/x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('give at most one of --user, --sys-prefix, --prefix');
  });

  it('names an unknown command and a missing connection file', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    const k = cli(['kernel']);
    expect(k.status).toBe(1);
    expect(k.stderr).toContain('convlab kernel: --connection-file is required');
  });
});

describe('convlab --help', () => {
  it.each([['run'], ['verify'], ['install'], ['lite']])(
    '`convlab %s --help` prints the usage and succeeds',
    (cmd) => {
      const r = cli([cmd, '--help']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage:\n {2}convlab kernel/);
      expect(r.stdout).toContain('convlab run NOTEBOOK|DIR…');
    },
  );
});
