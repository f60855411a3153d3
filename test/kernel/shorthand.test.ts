/**
 * `{ name }` where the name comes from an earlier cell: it must read that cell's binding (tslab's converter alone
 * left it to an undefined local), and type errors on the line still point where the user wrote them.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as Shorthand from '../../kernel/shorthand';
import type { TsRepl } from '../../kernel/tslab';
import { ensureBuilt, ROOT } from './build';

let repl: TsRepl;
let shorthand: typeof Shorthand;
let ts: unknown;

beforeAll(async () => {
  ensureBuilt();
  shorthand = await import(path.join(ROOT, 'dist/kernel/shorthand.js'));
  ts = (await import(path.join(ROOT, 'dist/kernel/tslab.js'))).typescript();
  const { createRepl } = await import(path.join(ROOT, 'dist/kernel/repl.js'));
  repl = await createRepl(() => {});
  await repl.execute('const lr = 0.1;\nlet step = 0;');
}, 120_000);

describe('shorthand properties over earlier cells', () => {
  it('read the earlier binding in an object literal', async () => {
    expect(await repl.execute('const opts = { lr, momentum: 0.9 };\nopts.lr')).toEqual({
      kind: 'ok',
      value: { value: 0.1 },
    });
  });

  it('assign the earlier binding in a destructuring assignment', async () => {
    expect(await repl.execute('({ step } = { step: 7 });\nstep')).toEqual({
      kind: 'ok',
      value: { value: 7 },
    });
  });

  it('keep type errors at the columns the user wrote', async () => {
    const r = await repl.execute('const a = { lr, nope }; const s: string = 1;');
    expect(r.kind).toBe('diagnostics');
    const at = r.kind === 'diagnostics' ? r.diagnostics.map((d) => [d.line, d.column, d.code]) : [];
    expect(at).toEqual([
      [1, 17, 2304],
      [1, 31, 2322],
    ]);
  });

  it('map every position of the expanded text back into the cell', () => {
    const e = shorthand.expandShorthands(ts, 'f({ a, bb }, c)');
    expect(e.text).toBe('f({ a: a, bb: bb }, c)');
    expect(e.toCell(0, e.text.indexOf('c)'))).toBe('f({ a, bb }, c)'.indexOf('c)'));
    // Inside an added `: bb`: the shorthand name itself.
    expect(e.toCell(0, e.text.indexOf(': bb') + 3)).toBe('f({ a, bb }, c)'.indexOf('bb'));
  });
});
