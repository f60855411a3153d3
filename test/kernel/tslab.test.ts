/**
 * The contract between the kernel and tslab, through the one adapter (kernel/tslab.ts): the pinned version, the
 * converter's output shape the executor relies on, and the REPL semantics built on it (what a cell that throws,
 * fails to type-check or is interrupted leaves declared).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as Adapter from '../../kernel/tslab';
import type { DisplayData, Outcome, TsRepl } from '../../kernel/tslab';
import { ensureBuilt, ROOT } from './build';

const require = createRequire(import.meta.url);
let repl: TsRepl;
let adapter: typeof Adapter;
const displayed: { d: DisplayData; update: boolean }[] = [];

beforeAll(async () => {
  // The kernel's own build: createRepl serves `convlab` from dist/.
  ensureBuilt();
  adapter = await import(path.join(ROOT, 'dist/kernel/tslab.js'));
  const { createRepl } = await import(path.join(ROOT, 'dist/kernel/repl.js'));
  repl = await createRepl((d: DisplayData, update: boolean) => displayed.push({ d, update }));
}, 120_000);

const value = async (code: string) => {
  const r = await repl.execute(code);
  if (r.kind !== 'ok') throw new Error(`${code}: ${JSON.stringify(r)}`);
  return r.value?.value;
};
const messages = (r: Outcome) => (r.kind === 'diagnostics' ? r.diagnostics.map((d) => d.message) : []);

describe('tslab version', () => {
  it('is pinned exactly in package.json and installed at that version', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tslab).toBe(adapter.TSLAB_VERSION);
    expect(require('tslab/package.json').version).toBe(adapter.TSLAB_VERSION);
  });
});

describe('converter output shape', () => {
  it('lists the cell bindings in leading `void 0` lines, which splitExportInit removes', () => {
    const out = [
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'exports.b = exports.a = exports.tsLastExpr = void 0;',
      'const a = 1;',
      'exports.a = a;',
      'exports.b = void 0;',
    ].join('\n');
    const { body, declared } = adapter.splitExportInit(out);
    expect(declared).toEqual(['b', 'a', 'tsLastExpr']);
    // Only the leading block goes: a later `exports.b = void 0` is the cell's own statement.
    expect(body).toContain('exports.b = void 0;');
    expect(body).not.toContain('tsLastExpr');
  });

  it('keeps the previous declaration of a name the cell declared but never reached', () => {
    const ts = adapter.typescript();
    const prev = 'declare const keep: string;\ndeclare let old: number;\nimport { x as y } from "m";\n';
    const cell =
      'declare const keep: number;\ndeclare let fresh: boolean;\nimport { x as y } from "m";\ninterface T {}\n';
    const out = adapter.commitReached(ts, prev, cell, new Set(['keep']));
    expect(out).toContain('declare const keep: string;');
    expect(out).not.toContain('keep: number');
    expect(out).toContain('declare let fresh: boolean;');
    expect(out).toContain('import { x as y } from "m";');
    expect(out).toContain('interface T {}');
  });
});

describe('REPL semantics', () => {
  it('keeps the imports and bindings made before a statement that throws', async () => {
    const r = await repl.execute(
      "import { randn } from 'convlab';\nconst a = 41;\nfunction f() { return 2; }\nthrow new Error('boom');\nconst later = 3;",
    );
    expect(r.kind).toBe('thrown');
    expect((r as { error: Error }).error.message).toBe('boom');
    expect(await value('a + f()')).toBe(43);
    expect(await value('randn([2, 3]).shape')).toEqual([2, 3]);
    expect(messages(await repl.execute('later'))).toEqual(["Cannot find name 'later'."]);
  });

  it('keeps the old value and type of a name the failing cell redeclared but never reached', async () => {
    await value("const label = 'old';");
    const r = await repl.execute('const n = 1;\n(globalThis as any).missing.x;\nconst label = 2;');
    expect(r.kind).toBe('thrown');
    expect(await value('label.toUpperCase()')).toBe('OLD');
    expect(await value('n')).toBe(1);
  });

  it('keeps bindings made before a rejected top-level await', async () => {
    const r = await repl.execute(
      "const before = 'x';\nawait Promise.reject(new Error('late'));\nconst after = 1;",
    );
    expect(r.kind).toBe('thrown');
    expect(await value('before')).toBe('x');
    expect(messages(await repl.execute('after'))).toEqual(["Cannot find name 'after'."]);
  });

  it('declares nothing from a cell that fails to type-check, and says where', async () => {
    const r = await repl.execute("const ok = 1;\nconst bad: number = 'no';");
    expect(r.kind).toBe('diagnostics');
    const d = (r as { diagnostics: { line: number; column: number; message: string }[] }).diagnostics;
    expect(d).toEqual([
      expect.objectContaining({
        line: 2,
        column: 7,
        message: "Type 'string' is not assignable to type 'number'.",
      }),
    ]);
    expect(messages(await repl.execute('ok'))).toEqual(["Cannot find name 'ok'."]);
  });

  it('runs a cell that redeclares a const again and again, also after a failure', async () => {
    for (const v of [1, 2]) expect(await value(`const c = ${v};\nc`)).toBe(v);
    expect((await repl.execute('const c = 3;\nthrow 1;')).kind).toBe('thrown');
    expect(await value('c')).toBe(3);
    expect(await value('const c = 4;\nc')).toBe(4);
  });

  it('reports an interrupted await as an interrupt', async () => {
    const running = repl.execute('const waited = 1;\nawait new Promise(() => {});');
    setTimeout(() => repl.interrupt(), 50);
    const r = await running;
    expect(r).toMatchObject({ kind: 'thrown', interrupted: true });
    expect(await value('waited')).toBe(1);
  });

  it("exposes the cells' bindings as locals", async () => {
    await value('const visible = 7;');
    expect(repl.locals.visible).toBe(7);
  });

  it("routes tslab's display API to the kernel", async () => {
    await value("import * as tslab from 'tslab';\ntslab.display.html('<b>hi</b>');");
    expect(displayed.at(-1)?.d.data).toEqual({ 'text/html': '<b>hi</b>' });
  });

  it('completes and inspects against the committed declarations', async () => {
    await value('const completeMe = { alpha: 1 };');
    expect(repl.complete('completeMe.al', 13).candidates).toContain('alpha');
    const info = repl.inspect('completeMe', 3);
    expect(info && repl.printQuickInfo(info)).toContain('completeMe');
  });
});
