/**
 * The first cell runs before the type checker exists (kernel/first-cell.ts): transpiled on its own it must emit
 * exactly what tslab's converter emits for it, cells that need the checker must wait for it, and what the
 * checker finds wrong with a first cell that already ran is said in the next cell's output.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as FirstCell from '../../kernel/first-cell';
import type * as Adapter from '../../kernel/tslab';
import type { TsRepl } from '../../kernel/tslab';
import { ensureBuilt, ROOT } from './build';

const require = createRequire(import.meta.url);
let adapter: typeof Adapter;
let first: typeof FirstCell;
let checker: {
  convert(
    prev: string,
    src: string,
  ): { output?: string; lastExpressionVar?: string; hasToplevelAwait?: boolean; diagnostics: unknown[] };
};
let createRepl: (onDisplay: () => void) => Promise<TsRepl>;

beforeAll(async () => {
  ensureBuilt();
  adapter = await import(path.join(ROOT, 'dist/kernel/tslab.js'));
  first = await import(path.join(ROOT, 'dist/kernel/first-cell.js'));
  ({ createRepl } = await import(path.join(ROOT, 'dist/kernel/repl.js')));
  // A REPL installs the overlay that resolves `convlab`; a converter of our own then sees the same files.
  await createRepl(() => {});
  const { createConverter } = require(path.join(ROOT, 'node_modules/tslab/dist/converter.js'));
  checker = createConverter();
}, 120_000);

const CELLS = {
  'named import and last expression': "import { randn } from 'convlab';\nrandn([2]).shape",
  'every binding kind': [
    "import * as cl from 'convlab';",
    'const t = cl.randn([2]);',
    'let n = 1;',
    'n += 2;',
    'function f(a: number): number { return a * n; }',
    'class A { x = 1; m() { return this.x; } }',
    'f(2)',
  ].join('\n'),
  'destructuring, loops and top-level await': [
    'const { a, b: [c, d] } = { a: 1, b: [2, 3] };',
    'for (let i = 0; i < 2; i++) console.log(i);',
    'const r = await Promise.resolve(a + c + d);',
    'r',
  ].join('\n'),
  'types only at the top':
    "interface P { a: number }\ntype Q = P & { b: string };\nconst p: Q = { a: 1, b: 'x' };\np.b",
  'type-only imports':
    "import type { Tensor } from 'convlab';\nimport { zeros, type Module } from 'convlab';\nlet t: Tensor = zeros([2]);\nconsole.log(t.shape)",
  'a binding named like the last expression': 'const tsLastExpr = 1;\ntsLastExpr + 1',
  'no statement at all': '// a comment',
};

describe('a first cell transpiled on its own', () => {
  it.each(Object.entries(CELLS))('%s: emits what the converter emits', (_, src) => {
    const ts = adapter.typescript();
    const fast = first.transpileFirstCell(ts, src);
    const slow = checker.convert('', src);
    expect(slow.diagnostics).toEqual([]);
    expect(fast).not.toBeNull();
    // The `void 0` line lists the same names (in binder order there, in source order here).
    const sortVoid = (js: string) =>
      js.replace(/^(?:exports\.[\w$]+ = )+void 0;$/m, (line) => line.split(' = ').sort().join(' = '));
    const a = adapter.splitExportInit(sortVoid(fast?.output ?? ''));
    const b = adapter.splitExportInit(sortVoid(slow.output ?? ''));
    expect(a.body).toBe(b.body);
    expect([...a.declared].sort()).toEqual([...b.declared].sort());
    expect(fast?.lastExpressionVar).toBe(slow.lastExpressionVar);
    expect(fast?.hasToplevelAwait).toBe(slow.hasToplevelAwait === true);
  });

  it.each([
    ['a namespace', 'namespace N { export const x = 1; }'],
    ['an enum', 'enum E { A, B }'],
    ['a declare', 'declare const x: number;'],
    ['an export', 'export const x = 1;'],
    ['a local module', "import { f } from './helpers';"],
    ['a var hoisted out of a block', 'if (true) { var v = 1; }'],
    ['a syntax error', 'const = 1;'],
  ])('waits for the checker with %s', (_, src) => {
    expect(first.transpileFirstCell(adapter.typescript(), src)).toBeNull();
  });
});

describe('a REPL whose first cell ran unchecked', () => {
  it('declares its bindings for the next cells once checked', async () => {
    const repl = await createRepl(() => {});
    expect(await repl.execute('const answer: number = 42;\nanswer')).toEqual({
      kind: 'ok',
      value: { value: 42 },
    });
    // The next cell builds the checker, which now knows `answer` and its type.
    const wrong = await repl.execute('const s: string = answer;');
    expect(wrong.kind).toBe('diagnostics');
    expect(await repl.execute('answer + 1')).toEqual({ kind: 'ok', value: { value: 43 } });
  }, 120_000);

  it('reports the type errors it had in the next cell, once', async () => {
    const repl = await createRepl(() => {});
    const said: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => said.push(args.join(' '));
    try {
      expect((await repl.execute("const n: number = 'one';")).kind).toBe('ok');
      expect(said).toEqual([]);
      await repl.execute('1');
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(
        /first cell ran before the type checker was ready[\s\S]*1:7 Type 'string' is not assignable/,
      );
      await repl.execute('2');
      expect(said).toHaveLength(1);
    } finally {
      console.error = error;
    }
  }, 120_000);

  it('type-checks a first cell when asked to (a client waiting for the start-up)', async () => {
    const repl = await createRepl(() => {});
    const r = await repl.execute("const n: number = 'one';", { checked: true });
    expect(r.kind).toBe('diagnostics');
  }, 120_000);
});
