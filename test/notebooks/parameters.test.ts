/**
 * Every tutorial (00–20) has a parameters cell — tagged `parameters`, each number declared as `let name = value;` —
 * and stays green when `convlab run -p` gives it other values than its defaults. The values are derived from the
 * cell itself, not from a list kept here: a smaller training budget, the next seed, and the alternative the cell's
 * comment suggests (`let kernelSize = 5; // … (try 3 or 7)` runs with 3).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');
const tutorials = readdirSync(NOTEBOOKS)
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
  .sort();
const work = mkdtempSync(path.join(tmpdir(), 'convlab-parameters-'));

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
}

interface Parameter {
  name: string;
  value: unknown;
  comment: string;
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

/** The statements of a parameters cell: `let name = <JSON value>; // comment`, blank lines and comments only. */
function parseParameters(source: string): Parameter[] {
  const params: Parameter[] = [];
  for (const line of source.split('\n')) {
    if (/^\s*(\/\/.*)?$/.test(line)) continue;
    const m = /^\s*let\s+([A-Za-z_$][\w$]*)\s*=\s*([^;]+);\s*(?:\/\/\s*(.*))?$/.exec(line);
    if (m === null)
      throw new Error(
        `a parameters cell holds only \`let name = value;\` lines, got ${JSON.stringify(line)}`,
      );
    params.push({ name: m[1]!, value: JSON.parse(m[2]!.trim()), comment: m[3] ?? '' });
  }
  return params;
}

/**
 * A different, sensible value for a numeric parameter, or null to keep the default: the first number after "try"
 * in its comment; the next seed; at most two seeds; half the steps or epochs (quick, and still a real run).
 */
function otherValue(p: Parameter): number | null {
  if (typeof p.value !== 'number') return null;
  const suggested = /\btry\s+(-?\d+(?:\.\d+)?(?:e-?\d+)?)/i.exec(p.comment);
  if (suggested) return Number(suggested[1]);
  const v = p.value;
  let other: number | null = null;
  if (/seed$/i.test(p.name)) other = v + 1;
  else if (/^(seeds|numSeeds|seedCount)$/i.test(p.name)) other = Math.min(v, 2);
  else if (/(steps|epochs|iterations)$/i.test(p.name) && Number.isInteger(v) && v > 1)
    other = Math.ceil(v / 2);
  return other === v ? null : other;
}

function parametersCell(file: string): string | null {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: Cell[] };
  const cells = nb.cells.filter((c) => c.metadata.tags?.includes('parameters'));
  if (cells.length !== 1) return null;
  return text(cells[0]!.source);
}

describe('parseParameters and otherValue', () => {
  it('read let declarations and derive other values from names and comments', () => {
    const params = parseParameters(
      '// budget\nlet steps = 200; // optimizer steps\nlet seeds = 3;\nlet seed = 0;\n\nlet k = 5; // odd (try 3 or 7)\nlet lr = 2e-3;',
    );
    expect(params.map((p) => [p.name, p.value, otherValue(p)])).toEqual([
      ['steps', 200, 100],
      ['seeds', 3, 2],
      ['seed', 0, 1],
      ['k', 5, 3],
      ['lr', 0.002, null],
    ]);
  });
  it('reject anything but let declarations', () => {
    expect(() => parseParameters('const steps = 3;')).toThrow(/only `let name = value;`/);
    expect(() => parseParameters('let steps = 3; run();')).toThrow(/only `let name = value;`/);
  });
});

describe('convlab run -p on every tutorial', () => {
  it('finds the 21 tutorials', () => {
    expect(tutorials.length).toBe(21);
  });

  for (const name of tutorials) {
    it(`${name} runs green with non-default parameters`, () => {
      const file = path.join(NOTEBOOKS, name);
      const source = parametersCell(file);
      expect(source, `${name} has exactly one cell tagged parameters`).not.toBeNull();
      const changed = parseParameters(source!)
        .map((p) => [p.name, otherValue(p)] as const)
        .filter(([, v]) => v !== null);
      expect(changed.length, `${name}: no parameter with a value to change`).toBeGreaterThan(0);
      const flags = changed.flatMap(([n, v]) => ['-p', `${n}=${v}`]);
      const out = path.join(work, name.replace(/\.ipynb$/, ''));
      const r = spawnSync(process.execPath, [CLI, 'run', file, '--out', out, '--timeout', '300', ...flags], {
        encoding: 'utf8',
        timeout: 600_000,
        killSignal: 'SIGTERM',
      });
      const log = `convlab run ${name} ${flags.join(' ')}\n${r.stdout}\n${r.stderr}`;
      expect(r.status, log).toBe(0);
      const executed = JSON.parse(readFileSync(path.join(out, name), 'utf8')) as { cells: Cell[] };
      const injected = executed.cells.find((c) => c.metadata.tags?.includes('injected-parameters'));
      for (const [n, v] of changed) expect(text(injected!.source)).toContain(`const ${n} = ${v};`);
      for (const c of executed.cells)
        for (const o of c.outputs ?? []) expect(o.output_type, `${o.ename}: ${o.evalue}`).not.toBe('error');
    }, 660_000);
  }
});
