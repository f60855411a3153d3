/**
 * The browser kernel's type checking (lite/src/kernel/check.ts), here in Node over the same in-memory files the
 * worker fetches (lite/types.mjs): a cell that does not type-check reports `line:col - message` as the Node
 * kernel does and runs nothing, the next correct cell runs, earlier cells' declarations type later cells, a name
 * may be declared again, and `%typecheck off|on` switches checking.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Checker, type TypeFiles } from '../../lite/src/kernel/check.js';
import { type Host, Session } from '../../lite/src/kernel/session.js';
import { kernelTypes } from '../../lite/types.mjs';
import * as convlab from '../../src/index.js';

let files: TypeFiles;
beforeAll(() => {
  files = kernelTypes();
});

function kernel() {
  const streams: string[] = [];
  const host: Host = {
    stream: (name, text) => streams.push(`${name}:${text}`),
    display: () => {},
    importModule: async () => convlab,
    tick: () => {},
  };
  return { session: new Session(host, Promise.resolve(new Checker(files))), streams };
}

describe('Checker', () => {
  it('reports type errors at their line and column in the cell', () => {
    const checker = new Checker(files);
    expect(checker.check("import { randn } from 'convlab';\nconst x = randn([2, 3]);")).toEqual([]);
    const d = checker.check('const n = 1;\nconst s: string = x.numel();\nx.nosuch();');
    expect(d.map((e) => [e.line, e.column, e.code])).toEqual([
      [2, 7, 2322],
      [3, 3, 2339],
    ]);
    expect(d[0]!.message).toBe("Type 'number' is not assignable to type 'string'.");
    expect(d[1]!.message).toBe("Property 'nosuch' does not exist on type 'Tensor'.");
    // TypeScript's own switch for one cell.
    expect(checker.check('// @ts-nocheck\nconst s: string = x.numel();')).toEqual([]);
  });

  it("keeps earlier cells' declarations: values, functions, classes, interfaces, imports", () => {
    const checker = new Checker(files);
    expect(
      checker.check(
        "import { conv2d as c, randn } from 'convlab';\ninterface P { a: number }\nfunction f(p: P) { return p.a; }\nclass Q { v = 'q' }\nconst { y } = { y: randn([1, 1, 4, 4]) };\nawait Promise.resolve();",
      ),
    ).toEqual([]);
    expect(
      checker.check('const out = c(y, randn([2, 1, 3, 3]));\nf({ a: out.shape[1] }) + new Q().v.length'),
    ).toEqual([]);
    expect(checker.check('f({ b: 1 })').map((e) => e.code)).toEqual([2353]);
    expect(checker.check('const p: P = { a: 1 };\nconst n: number = new Q().v;').map((e) => e.line)).toEqual([
      2,
    ]);
    // A name declared again takes its new type; later cells see that one.
    expect(checker.check("const y = 'text';")).toEqual([]);
    expect(checker.check('y.toUpperCase()')).toEqual([]);
    expect(checker.check('y.shape').map((e) => e.code)).toEqual([2339]);
  });

  it("has the browser kernel's globals and a worker's, not Node's", () => {
    const checker = new Checker(files);
    expect(
      checker.check(
        "display(1, { displayId: 'a', update: true });\nconst r = await fetch('x');\nperformance.now()",
      ),
    ).toEqual([]);
    expect(checker.check("process.env.HOME;\ndisplay(1, { id: 'a' });").map((e) => [e.line, e.code])).toEqual(
      [
        [1, 2591],
        [2, 2353],
      ],
    );
  });
});

describe('Session with type checking', () => {
  it('does not run a cell that does not type-check, and runs the correct cell after it', async () => {
    const { session, streams } = kernel();
    expect((await session.execute('let n = 41;')).ok).toBe(true);
    const bad = await session.execute("console.log('ran');\nconst s: string = n;");
    expect(bad).toEqual({
      ok: false,
      error: {
        ename: 'TypeScriptError',
        evalue: "2:7 - Type 'number' is not assignable to type 'string'.",
        traceback: [
          "2:7 - Type 'number' is not assignable to type 'string'.",
          '    const s: string = n;',
          '          ^',
        ],
      },
    });
    expect(streams).toEqual([]);
    expect('s' in session.scope).toBe(false);
    expect(await session.execute('n + 1')).toEqual({ ok: true, value: { 'text/plain': '42' } });
  });

  it('%typecheck off runs cells unchecked, keeping their names for later checked cells; on checks again', async () => {
    const { session, streams } = kernel();
    const off = await session.execute(
      '%typecheck off\nconst s: string = 1 as unknown as number as any;\nlet k: number = "k" as any;\nk',
    );
    expect(off).toEqual({ ok: true, value: { 'text/plain': "'k'" } });
    expect(streams).toEqual(['stdout:type checking is off\n']);
    const on = await session.execute('%typecheck on\nconst t: number = s;\nconst u: string = 5;');
    expect(on.ok).toBe(false);
    // Names from an unchecked cell are `any`; the magic's line keeps the lines after it in place.
    if (!on.ok) expect(on.error.evalue).toBe("3:7 - Type 'number' is not assignable to type 'string'.");
    expect((await session.execute('%typecheck maybe')).ok).toBe(false);
    const plain = new Session({ ...kernelHost(), stream: (_, t) => streams.push(t) });
    await plain.execute('%typecheck on');
    expect(streams.at(-1)).toBe('type checking is not available in this kernel\n');
  });

  it('runs cells unchecked, saying so once, when the checker fails to load', async () => {
    const streams: string[] = [];
    const session = new Session(
      { ...kernelHost(), stream: (name, text) => streams.push(`${name}:${text}`) },
      Promise.reject(new Error('kernel-types.json: 404 Not Found')),
    );
    expect(await session.execute('const s: string = 1;\ns')).toEqual({
      ok: true,
      value: { 'text/plain': '1' },
    });
    await session.execute('1');
    expect(streams).toEqual(['stderr:type checking is off: kernel-types.json: 404 Not Found\n']);
  });
});

function kernelHost(): Host {
  return { stream: () => {}, display: () => {}, importModule: async () => convlab, tick: () => {} };
}
