/**
 * What `convlab lite` writes, without a browser: the notebooks under files/, one contents listing per folder in
 * the shape JupyterLite's contents service reads, the page, and clear errors for bad arguments.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSite } from '../../lite/site.js';

const work = mkdtempSync(join(tmpdir(), 'convlab-lite-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const notebook = (title: string) =>
  JSON.stringify({
    cells: [{ cell_type: 'markdown', source: title, metadata: {} }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });

describe('writeSite', () => {
  it('lays out notebooks, listings per folder and the lab page', () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'part/deeper'), { recursive: true });
    writeFileSync(join(src, 'a.ipynb'), notebook('a'));
    writeFileSync(join(src, 'part/b.ipynb'), notebook('b'));
    writeFileSync(join(src, 'part/deeper/c.ipynb'), notebook('c'));
    writeFileSync(join(src, 'notes.txt'), 'not a notebook');
    const single = join(work, 'd.ipynb');
    writeFileSync(single, notebook('d'));
    const out = join(work, 'site');

    expect(writeSite([src, single], out)).toEqual([
      'a.ipynb',
      'part/b.ipynb',
      'part/deeper/c.ipynb',
      'd.ipynb',
    ]);
    expect(readFileSync(join(out, 'files/part/deeper/c.ipynb'), 'utf8')).toBe(notebook('c'));
    const listing = (dir: string) =>
      JSON.parse(readFileSync(join(out, 'api/contents', dir, 'all.json'), 'utf8')) as {
        path: string;
        type: string;
        content: { name: string; path: string; type: string; size: number | null }[];
      };
    const top = listing('');
    expect(top.type).toBe('directory');
    expect(top.content.map((m) => [m.path, m.type])).toEqual([
      ['a.ipynb', 'notebook'],
      ['part', 'directory'],
      ['d.ipynb', 'notebook'],
    ]);
    expect(top.content[0]!.size).toBe(notebook('a').length);
    expect(listing('part').content.map((m) => [m.path, m.type])).toEqual([
      ['part/b.ipynb', 'notebook'],
      ['part/deeper', 'directory'],
    ]);
    expect(listing('part/deeper').content.map((m) => m.name)).toEqual(['c.ipynb']);
    expect(existsSync(join(out, 'files/notes.txt'))).toBe(false);

    const page = readFileSync(join(out, 'lab/index.html'), 'utf8');
    const config = JSON.parse(
      /<script id="jupyter-config-data" type="application\/json">(.*)<\/script>/.exec(page)![1]!,
    );
    expect(config).toMatchObject({
      baseUrl: '../',
      contentsAllJsonFile: 'all.json',
      defaultKernelName: 'convlab',
    });
    for (const f of [
      'build/bundle.js',
      'build/schemas/all.json',
      'convlab/kernel-worker.js',
      'convlab/kernel-types.json',
      'convlab/convlab.wasm',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'convlab/data/digits/9.json'))).toBe(true);
  });

  it('names what is wrong with its inputs', () => {
    expect(() => writeSite([join(work, 'missing')], join(work, 'x'))).toThrow(
      `convlab lite: ${join(work, 'missing')} does not exist`,
    );
    writeFileSync(join(work, 'plain.txt'), '');
    expect(() => writeSite([join(work, 'plain.txt')], join(work, 'x'))).toThrow(
      `convlab lite: expected a notebook (.ipynb) or a folder, got ${join(work, 'plain.txt')}`,
    );
    mkdirSync(join(work, 'twice'));
    writeFileSync(join(work, 'twice/a.ipynb'), notebook('a2'));
    expect(() => writeSite([join(work, 'src'), join(work, 'twice')], join(work, 'x'))).toThrow(
      'convlab lite: two notebooks would both be a.ipynb in the site',
    );
  });
});
