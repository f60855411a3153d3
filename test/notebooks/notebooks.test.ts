/**
 * Every notebook in notebooks/ runs from a clean kernel twice — with `convlab verify` (the runner's own
 * re-execution and comparison) and with Jupyter's own `jupyter nbconvert --execute` on the installed kernelspec —
 * without error, and both runs reproduce the outputs stored in the repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstDifference } from '../../runner/compare.js';
import { normalizeNotebook } from '../../runner/normalize.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');
const names = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
const work = mkdtempSync(path.join(tmpdir(), 'convlab-notebooks-'));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function expectSameOutputs(executedFile: string, committedFile: string) {
  const executed = normalizeNotebook(read(executedFile));
  const committed = normalizeNotebook(read(committedFile));
  expect(executed.map((c) => c.id)).toEqual(committed.map((c) => c.id));
  executed.forEach((cell, i) => {
    for (const o of cell.outputs) {
      if (o.output_type === 'error') throw new Error(`cell ${cell.id} failed: ${o.ename}: ${o.evalue}`);
    }
    expect(firstDifference(cell.outputs, committed[i]!.outputs, `cell ${cell.id}`)).toBeNull();
  });
}

describe('notebooks', () => {
  it('are stored executed: every code cell has run, in order', () => {
    for (const name of names) {
      const cells = (
        read(path.join(NOTEBOOKS, name)).cells as { cell_type: string; execution_count: number | null }[]
      ).filter((c) => c.cell_type === 'code');
      expect(
        cells.map((c) => c.execution_count),
        name,
      ).toEqual(cells.map((_, i) => i + 1));
    }
  });
  it('link to notebooks that exist, and every tutorial ends with its paper and its neighbours', () => {
    for (const name of names) {
      const cells = read(path.join(NOTEBOOKS, name)).cells as {
        cell_type: string;
        source: string | string[];
      }[];
      const markdown = cells.filter((c) => c.cell_type === 'markdown').map((c) => [c.source].flat().join(''));
      for (const [, target] of markdown.join('\n').matchAll(/\]\(([^)\s]+\.ipynb)\)/g))
        expect(names, `${name} links to ${target}`).toContain(target);
      if (/^\d\d-/.test(name) && name !== '00-tour.ipynb') {
        const last = markdown.at(-1) ?? '';
        expect(last, name).toMatch(/^## Read further\n[\s\S]*- Paper: \[[^\]]+\]\(https?:\/\/[^)]+\)/);
        expect(last, name).toMatch(/Previous: \[[^\]]+\]\([^)]+\.ipynb\) · Next: /);
      }
    }
  });
  it("the tour's map gives each of the twenty tutorials exactly one section of the CVHub article", () => {
    const cells = read(path.join(NOTEBOOKS, '00-tour.ipynb')).cells as {
      cell_type: string;
      source: string | string[];
    }[];
    const lines = cells
      .filter((c) => c.cell_type === 'markdown')
      .flatMap((c) => [c.source].flat().join('').split('\n'));
    const header = lines.indexOf('| series | § | CVHub heading | tutorial | convolution |');
    expect(header, 'the tour has no CVHub section map').toBeGreaterThanOrEqual(0);
    const rows = [];
    for (let i = header + 2; lines[i]?.startsWith('|'); i++) {
      const [series, section, heading, tutorial] = lines[i]!.split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      rows.push({
        series,
        section: Number(section),
        heading,
        target: /\]\(([^)]+)\.ipynb\)/.exec(tutorial ?? '')?.[1],
      });
    }
    const tutorials = names
      .filter((n) => /^\d\d-/.test(n) && n !== '00-tour.ipynb')
      .map((n) => n.replace(/\.ipynb$/, ''));
    expect(tutorials).toHaveLength(20);
    // Every tutorial once, nothing else: a missing, repeated or misspelt link fails here.
    expect(rows.map((r) => r.target).sort()).toEqual(tutorials);
    // Two series of ten sections each, numbered in order, every heading in Chinese.
    for (const series of ['经典卷积系列 (classic)', '卷积变体系列 (variants)']) {
      expect(rows.filter((r) => r.series === series).map((r) => r.section)).toEqual(
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
    }
    for (const r of rows) expect(r.heading, r.target).toMatch(/[\u4e00-\u9fff]/);
  });
  it('are stored without warnings: nothing a run printed on stderr (the comparison below ignores backend notices)', () => {
    for (const name of names) {
      const cells = read(path.join(NOTEBOOKS, name)).cells as {
        id: string;
        outputs?: { output_type: string; name?: string; text?: string | string[] }[];
      }[];
      const warnings = cells.flatMap((c) =>
        (c.outputs ?? [])
          .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
          .map((o) => `${name} cell ${c.id}: ${[o.text ?? ''].flat().join('')}`),
      );
      expect(warnings).toEqual([]);
    }
  });
});

describe('convlab verify', () => {
  let log = '';
  beforeAll(() => {
    // Every notebook re-executed from a clean kernel and compared with what it stores, as a user checks a shared
    // notebook. A run that never ends fails here with what it printed, instead of hanging the suite.
    const r = spawnSync(process.execPath, [CLI, 'verify', NOTEBOOKS, '--timeout', '600'], {
      encoding: 'utf8',
      timeout: 1_700_000,
      killSignal: 'SIGTERM',
    });
    log = `${r.stdout}\n${r.stderr}`;
  }, 1_800_000);

  for (const name of names) {
    it(`${name} reproduces its stored outputs`, () => {
      const lines = log.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`${path.join(NOTEBOOKS, name)}: `));
      expect(at, log).toBeGreaterThanOrEqual(0);
      // What drifted follows the verdict, indented.
      let end = at + 1;
      while (end < lines.length && lines[end]!.startsWith('  ')) end++;
      expect(lines.slice(at, end).join('\n')).toBe(`${path.join(NOTEBOOKS, name)}: ok`);
    });
  }
});

describe('jupyter nbconvert --execute on the installed kernel', () => {
  const prefix = path.join(work, 'prefix');
  const out = path.join(work, 'nbconvert');
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
  beforeAll(() => {
    execFileSync(process.execPath, [CLI, 'install', '--prefix', prefix], { encoding: 'utf8' });
  }, 120_000);

  for (const name of names) {
    it(`${name} runs and reproduces its stored outputs`, () => {
      const r = spawnSync(
        'jupyter',
        [
          'nbconvert',
          '--to',
          'notebook',
          '--execute',
          '--ExecutePreprocessor.kernel_name=convlab',
          '--ExecutePreprocessor.timeout=600',
          '--output-dir',
          out,
          path.join(NOTEBOOKS, name),
        ],
        { encoding: 'utf8', env },
      );
      expect(r.status, r.stderr).toBe(0);
      expectSameOutputs(path.join(out, name), path.join(NOTEBOOKS, name));
    }, 900_000);
  }
});
