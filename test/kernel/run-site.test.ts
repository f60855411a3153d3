/** `convlab run --site URL`: each HTML page links to the notebook's live version on a convlab lite site. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from './build';

const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [{ id: 'a', cell_type: 'code', source: '1 + 1', metadata: {}, outputs: [], execution_count: null }],
};

let dir: string;
const run = (args: string[]) =>
  spawnSync(process.execPath, [CLI, 'run', ...args], { encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'convlab-run-site-'));
  writeFileSync(path.join(dir, 'two.ipynb'), JSON.stringify(notebook));
}, 120_000);

describe('convlab run --site', () => {
  it('writes pages with a "Run live" link to SITE/lab/index.html?path=<name>.ipynb, and none without it', () => {
    const r = run([
      path.join(dir, 'two.ipynb'),
      '--out',
      path.join(dir, 'with'),
      '--site',
      'https://example.org/nbs',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const html = readFileSync(path.join(dir, 'with', 'two.html'), 'utf8');
    expect(html).toContain('<a href="https://example.org/nbs/lab/index.html?path=two.ipynb">Run live</a>');

    expect(run([path.join(dir, 'two.ipynb'), '--out', path.join(dir, 'without')]).status).toBe(0);
    expect(readFileSync(path.join(dir, 'without', 'two.html'), 'utf8')).not.toContain('Run live');
  }, 120_000);

  it('rejects a site that is not a URL, naming the option and the value', () => {
    const r = run([
      path.join(dir, 'two.ipynb'),
      '--out',
      path.join(dir, 'bad'),
      '--site',
      'javascript:alert(1)',
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      'convlab run: --site must be the URL of a convlab lite site (http(s)://… or a relative path), got "javascript:alert(1)"',
    );
  });
});
