/** `convlab run` and `jupyter nbconvert --execute` on the installed kernel, on small notebooks made here. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from './build';

type Cell = {
  id?: string;
  cell_type: string;
  source: string;
  metadata: { tags?: string[] };
  execution_count?: number | null;
  outputs?: Record<string, unknown>[];
};
const code = (source: string, extra: Partial<Cell> = {}): Cell => ({
  cell_type: 'code',
  source,
  metadata: {},
  outputs: [],
  execution_count: null,
  ...extra,
});

const RICH = `display({ [Symbol.for('Jupyter.display')]() { return {
  'application/vnd.convlab.v1+json': { version: 1, kind: 'tensor', shape: [1], dtype: 'float32', data: 'AACAPw==', stats: { min: 1, max: 1, mean: 1, std: 0 } },
  'image/png': 'iVBORw0KGgo=', 'text/plain': 'tensor [1]' }; } })`;

const good = {
  nbformat: 4,
  nbformat_minor: 2,
  metadata: {},
  cells: [
    { cell_type: 'markdown', source: '# Shapes\nA *small* run.', metadata: {} },
    code('const n = 2;', { metadata: { tags: ['parameters'] } }),
    code("import { randn } from 'convlab';\nconsole.log('n is', n);\nrandn([n, 4]).shape"),
    code(RICH),
  ],
};
const bad = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    code('1 + 1', { id: 'first' }),
    code("throw new Error('broken on purpose')", { id: 'breaks' }),
    code('3', { id: 'never' }),
  ],
};

let dir: string;
let prefix: string;
const run = (args: string[]) =>
  spawnSync(process.execPath, [CLI, 'run', ...args], { encoding: 'utf8', timeout: 240_000 });
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'convlab-runner-'));
  mkdirSync(path.join(dir, 'nbs'));
  writeFileSync(path.join(dir, 'nbs', 'a-good.ipynb'), JSON.stringify(good));
  writeFileSync(path.join(dir, 'nbs', 'b-bad.ipynb'), JSON.stringify(bad));
  prefix = path.join(dir, 'prefix');
  execFileSync(process.execPath, [CLI, 'install', '--prefix', prefix]);
}, 120_000);

describe('convlab run', () => {
  it('runs a folder in name order, writes .ipynb, HTML and a gallery, and names the failed cell', () => {
    const r = run([path.join(dir, 'nbs'), '-p', 'n=3', '--out', path.join(dir, 'out')]);
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\[1\/2\] .*a-good\.ipynb: ok/);
    expect(lines[1]).toMatch(
      /^\[2\/2\] .*b-bad\.ipynb: FAILED at cell \d+ \(id breaks\): Error: broken on purpose/,
    );
    expect(lines[2]).toBe('2 notebooks: 1 ok, 1 failed');

    const nb = read(path.join(dir, 'out', 'a-good.ipynb'));
    expect([nb.nbformat, nb.nbformat_minor]).toEqual([4, 5]);
    expect(nb.metadata.kernelspec.name).toBe('convlab');
    const cells = nb.cells as Cell[];
    expect(cells.every((c) => typeof c.id === 'string' && c.id.length > 0)).toBe(true);
    // The injected cell follows the one tagged `parameters` and overrides its value.
    expect(cells[2].metadata.tags).toEqual(['injected-parameters']);
    expect(cells[2].source).toContain('const n = 3;');
    expect(cells.filter((c) => c.cell_type === 'code').map((c) => c.execution_count)).toEqual([1, 2, 3, 4]);
    expect(cells[3].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'n is 3\n' },
      { output_type: 'execute_result', execution_count: 3, data: { 'text/plain': '[ 3, 4 ]' }, metadata: {} },
    ]);
    expect(Object.keys(((cells[4].outputs ?? [])[0] as { data: object }).data).sort()).toEqual([
      'application/vnd.convlab.v1+json',
      'image/png',
      'text/plain',
    ]);

    const failed = read(path.join(dir, 'out', 'b-bad.ipynb')).cells as Cell[];
    const breaks = failed.find((c) => c.id === 'breaks');
    expect(breaks?.outputs?.[0]).toMatchObject({
      output_type: 'error',
      ename: 'Error',
      evalue: 'broken on purpose',
    });
    expect(failed.find((c) => c.id === 'never')?.execution_count).toBeNull();

    const html = readFileSync(path.join(dir, 'out', 'a-good.html'), 'utf8');
    expect(html).toContain('<h1>Shapes</h1>');
    expect(html).toContain('data:image/png;base64,iVBORw0KGgo=');
    if (existsSync(path.join(ROOT, 'extension', 'standalone', 'convlab-render.js'))) {
      expect(html).toContain('convlabRender(el');
      expect(html).toContain('"kind":"tensor"');
    }
    const index = readFileSync(path.join(dir, 'out', 'index.html'), 'utf8');
    expect(index).toContain('href="a-good.html"');
    expect(index).toContain('failed: cell');
    // Inputs are never rewritten without --inplace.
    expect(read(path.join(dir, 'nbs', 'a-good.ipynb'))).toEqual(good);
  });

  it('writes next to the input without --out, and over it only with --inplace', () => {
    const single = path.join(dir, 'single');
    mkdirSync(single);
    const input = path.join(single, 'nb.ipynb');
    writeFileSync(input, JSON.stringify(good));
    const r = run([input]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(read(input)).toEqual(good);
    expect(read(path.join(single, 'nb.executed.ipynb')).cells[2].outputs[1].data['text/plain']).toBe(
      '[ 2, 4 ]',
    );
    expect(existsSync(path.join(single, 'nb.html'))).toBe(true);

    expect(run([input, '--inplace']).status).toBe(0);
    expect(read(input).cells[2].execution_count).toBe(2);
  });

  it('interrupts a cell that runs past --timeout and names it', () => {
    const input = path.join(dir, 'slow.ipynb');
    writeFileSync(
      input,
      JSON.stringify({ ...bad, cells: [code('1'), code('while (true) {}', { id: 'spins' }), code('2')] }),
    );
    const r = run([input, '--timeout', '3', '--out', path.join(dir, 'slow-out')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /FAILED at cell \d+ \(id spins\): Timeout: cell ran longer than 3 s and was interrupted/,
    );
    const cells = read(path.join(dir, 'slow-out', 'slow.ipynb')).cells as Cell[];
    expect(cells.find((c) => c.id === 'spins')?.outputs?.at(-1)).toMatchObject({
      output_type: 'error',
      ename: 'Timeout',
    });
  });

  it('rejects a malformed parameter with a message naming it', () => {
    const r = run([
      path.join(dir, 'nbs', 'a-good.ipynb'),
      '-p',
      'no-equals-sign',
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('-p expects name=value, got "no-equals-sign"');
  });
});

describe('jupyter nbconvert --execute on the installed kernel', () => {
  it('executes the notebook with the same outputs as convlab run', () => {
    const out = path.join(dir, 'nbconvert');
    const r = spawnSync(
      'jupyter',
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        path.join(dir, 'nbs', 'a-good.ipynb'),
        '--output-dir',
        out,
        '--ExecutePreprocessor.kernel_name=convlab',
      ],
      {
        env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') },
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const join = (v: unknown) => (Array.isArray(v) ? v.join('') : v);
    const normal = (cells: Cell[]) =>
      cells
        .filter((c) => c.cell_type === 'code')
        .map((c) =>
          (c.outputs ?? []).map((o) => ({
            type: o.output_type,
            text: join(o.text),
            data: o.data
              ? Object.fromEntries(
                  Object.entries(o.data).map(([k, v]) => [
                    k,
                    typeof v === 'object' && !Array.isArray(v) ? v : join(v),
                  ]),
                )
              : undefined,
          })),
        );
    const viaNbconvert = normal(read(path.join(out, 'a-good.ipynb')).cells);
    const viaRun = run([path.join(dir, 'nbs', 'a-good.ipynb'), '--out', path.join(dir, 'same')]);
    expect(viaRun.status).toBe(0);
    expect(viaNbconvert).toEqual(normal(read(path.join(dir, 'same', 'a-good.ipynb')).cells));
    expect(viaNbconvert[1][0].text).toBe('n is 2\n');
    // Two kernel runs (nbconvert's and convlab run's): each may take tens of seconds on a loaded machine.
  }, 480_000);
});
