/** `npm test` on a machine missing a system tool stops before any suite, with one message and the command to run. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const bin = mkdtempSync(path.join(tmpdir(), 'convlab-path-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return path.join(dir, command);
    } catch {
      // not here
    }
  }
  return null;
}

it('names a tool hidden from PATH and the command that installs it, and runs no suite', () => {
  // A PATH holding node and the other tools, but not `jupyter`.
  symlinkSync(process.execPath, path.join(bin, 'node'));
  const kept = ['chromium', 'jupyter-nbconvert'].filter((t) => {
    const found = which(t);
    if (found) symlinkSync(found, path.join(bin, t));
    return found !== null;
  });
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'test/run.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: bin },
    timeout: 60_000,
  });
  const lines = r.stdout.trim().split('\n');
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('npm test cannot run: missing');
  expect(r.stdout).toContain('jupyter (Debian package jupyter-core)');
  expect(r.stdout).toContain('install with: npm run provision');
  for (const tool of kept) expect(r.stdout).not.toContain(`${tool} (Debian package`);
  expect(lines.at(-1)).toBe('0 passed, 1 failed, 0 skipped');
  // One message, no suite started (vitest would print its banner and file results).
  expect(r.stdout + r.stderr).not.toMatch(/Test Files|RUN {2}v/);
  expect(Date.now() - started).toBeLessThan(30_000);
});
