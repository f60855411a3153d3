/**
 * The notebooks' exercises. An exercise is a code cell that declares `let answerN = undefined;` and checks it with
 * `checkAnswer('label', answerN, expected)`; its metadata `convlab.exercise` holds a right answer and a wrong one,
 * each a TypeScript expression written independently of the check's `expected` (often by hand). Stored, every
 * exercise says "not answered yet". Run with the wrong answer it must say wrong, and with the right one, right:
 * so no check can pass whatever the reader types, and no check rejects the answer it asks for. The notebook runs
 * up to its last exercise only (the training sections at the end are covered by the other notebook suites).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');
const notebooks = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
const work = mkdtempSync(path.join(tmpdir(), 'convlab-exercises-'));

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { convlab?: { exercise?: { solution?: unknown; wrong?: unknown } } };
  outputs?: Output[];
}
interface Notebook {
  cells: Cell[];
}

const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));
const stdout = (c: Cell) =>
  (c.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => text(o.text))
    .join('');

interface Exercise {
  index: number;
  label: string;
  variable: string;
  solution: string;
  wrong: string;
}

/** The exercise cells of a notebook, each checked for the shape described above. */
function exercises(name: string, nb: Notebook): Exercise[] {
  const found: Exercise[] = [];
  nb.cells.forEach((cell, index) => {
    const source = text(cell.source);
    if (cell.cell_type !== 'code' || !source.includes('checkAnswer(')) return;
    const where = `${name} cell ${index}`;
    const calls = [...source.matchAll(/checkAnswer\(\s*'([^']+)'\s*,\s*(\w+)/g)];
    expect(calls.length, `${where}: one checkAnswer('label', answer, …) per exercise cell`).toBe(1);
    const [, label, variable] = calls[0]!;
    const declarations = [...source.matchAll(new RegExp(`^let ${variable} = undefined;`, 'gm'))];
    expect(
      declarations.length,
      `${where}: declares \`let ${variable} = undefined;\` on a line of its own`,
    ).toBe(1);
    const meta = cell.metadata.convlab?.exercise;
    expect(typeof meta?.solution, `${where}: metadata convlab.exercise.solution`).toBe('string');
    expect(typeof meta?.wrong, `${where}: metadata convlab.exercise.wrong`).toBe('string');
    found.push({
      index,
      label: label!,
      variable: variable!,
      solution: meta!.solution as string,
      wrong: meta!.wrong as string,
    });
  });
  return found;
}

const stored = new Map(
  notebooks.map((n) => [n, JSON.parse(readFileSync(path.join(NOTEBOOKS, n), 'utf8')) as Notebook]),
);

describe('notebook exercises', () => {
  for (const name of notebooks.filter((n) => /^(0[1-9]|1\d|20)-/.test(n)))
    it(`${name} has two or three exercises`, () => {
      const n = exercises(name, stored.get(name)!).length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(3);
    });

  for (const name of notebooks) {
    const nb = stored.get(name)!;
    const list = exercises(name, nb);
    if (list.length === 0) continue;

    it(`${name}: every stored exercise says not answered yet`, () => {
      const labels = list.map((e) => e.label);
      expect(new Set(labels).size, `${name}: exercise labels are unique`).toBe(labels.length);
      for (const e of list)
        expect(stdout(nb.cells[e.index]!)).toContain(`Exercise ${e.label}: not answered yet.`);
    });

    it(`${name}: each exercise says wrong to its wrong answer and right to its solution`, () => {
      // Each exercise cell twice: with the wrong answer, then with the solution; cells after the last one dropped.
      const last = list[list.length - 1]!.index;
      const cells: Cell[] = [];
      const answered = (cell: Cell, e: Exercise, value: string): Cell => ({
        ...cell,
        source: text(cell.source).replace(`let ${e.variable} = undefined;`, `let ${e.variable} = ${value};`),
        outputs: [],
      });
      nb.cells.slice(0, last + 1).forEach((cell, i) => {
        const e = list.find((x) => x.index === i);
        if (e) cells.push(answered(cell, e, e.wrong), answered(cell, e, e.solution));
        else cells.push(cell);
      });
      const file = path.join(work, name);
      writeFileSync(file, JSON.stringify({ ...nb, cells }));
      const out = path.join(work, 'out', name.replace(/\.ipynb$/, ''));
      const r = spawnSync(process.execPath, [CLI, 'run', file, '--out', out, '--timeout', '300'], {
        encoding: 'utf8',
        timeout: 600_000,
        killSignal: 'SIGTERM',
      });
      expect(r.status, `convlab run ${name}\n${r.stdout}\n${r.stderr}`).toBe(0);
      const executed = JSON.parse(readFileSync(path.join(out, name), 'utf8')) as Notebook;
      let at = 0;
      for (const [i, cell] of nb.cells.slice(0, last + 1).entries()) {
        const e = list.find((x) => x.index === i);
        if (!e) {
          at += 1;
          continue;
        }
        const wrong = stdout(executed.cells[at]!);
        const right = stdout(executed.cells[at + 1]!);
        expect(wrong, `${name} ${e.label} with ${e.wrong}\n${text(cell.source)}`).toContain(
          `Exercise ${e.label}: wrong`,
        );
        expect(right, `${name} ${e.label} with ${e.solution}\n${text(cell.source)}`).toContain(
          `Exercise ${e.label}: right.`,
        );
        at += 2;
      }
    }, 660_000);
  }
});
