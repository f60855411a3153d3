/** Builds the kernel (tsc over src/, kernel/ and runner/) when dist/ is missing or older than a source file. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}

export function ensureBuilt(): void {
  const stale = () =>
    !existsSync(CLI) ||
    statSync(CLI).mtimeMs <
      Math.max(
        newest(path.join(ROOT, 'kernel')),
        newest(path.join(ROOT, 'runner')),
        newest(path.join(ROOT, 'src')),
      );
  if (!stale()) return;
  // One build at a time: several test files may ask at once.
  // The project's own compiler by path: node_modules/.bin/tsc may be tslab's older TypeScript.
  execFileSync(
    'flock',
    ['/tmp/convlab-kernel-build.lock', process.execPath, 'node_modules/typescript/bin/tsc', '-p', '.'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}
