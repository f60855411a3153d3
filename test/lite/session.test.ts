/**
 * The browser kernel's cell runner (lite/src/kernel), here in Node: TypeScript cells compiled by transpileModule
 * keep their top-level names between cells, import convlab, await at top level, print, display, return a value,
 * report errors at the cell's line, and stop at an interrupt inside a loop.
 */
import { describe, expect, it } from 'vitest';
import * as convlab from '../../src/index.js';
import { compileCell } from '../../lite/src/kernel/compile.js';
import { type Host, type MimeBundle, Session } from '../../lite/src/kernel/session.js';

function kernel(interruptAfter = Number.POSITIVE_INFINITY) {
  const out: { streams: string[]; displays: [MimeBundle, object][] } = { streams: [], displays: [] };
  let ticks = 0;
  const host: Host = {
    stream: (name, text) => out.streams.push(`${name}:${text}`),
    display: (bundle, opts) => out.displays.push([bundle, opts]),
    importModule: async (s) => {
      if (s === 'convlab') return convlab;
      throw new Error(`no module ${s}`);
    },
    tick: () => {
      if (++ticks > interruptAfter)
        throw Object.assign(new Error('interrupted'), { name: 'KeyboardInterrupt' });
    },
  };
  return { session: new Session(host), out };
}

describe('compileCell', () => {
  it('rewrites top-level declarations to assignments and maps lines back to the cell', () => {
    const cell = compileCell(
      "import { conv2d as c, randn } from 'convlab';\ninterface Q { a: number }\nconst x: number = 1,\n  { a } = { a: 2 };\nclass A {}\nfunction f() { return x; }\nx + a",
    );
    expect(cell.names.sort()).toEqual(['A', 'a', 'c', 'f', 'randn', 'x']);
    expect(cell.code).not.toMatch(/^\s*(let|var|import|const|class)\b/m);
    expect(cell.code).toContain('return (x + a)');
    const lines = cell.code.split('\n');
    const last = lines.findIndex((l) => l.includes('return (x + a)')) + 1;
    expect(cell.lineOf(last)).toBe(7);
  });

  it('reports a syntax error with its line', () => {
    expect(() => compileCell('const a = 1;\nconst = ;')).toThrow(/Variable declaration expected|expected/);
  });
});

describe('Session', () => {
  it('keeps names between cells, imports convlab and returns the last value', async () => {
    const { session } = kernel();
    const a = await session.execute(
      "import { randn, manualSeed } from 'convlab';\nmanualSeed(0);\nconst x = randn([2, 3]);",
    );
    expect(a).toEqual({ ok: true, value: null });
    const b = await session.execute('let n: number = x.numel();\nn * 2');
    expect(b).toEqual({ ok: true, value: { 'text/plain': '12' } });
    const c = await session.execute(
      'n = n + 1;\nfunction twice(v: number) { return 2 * v; }\nclass P { q = twice(n) }',
    );
    expect(c.ok).toBe(true);
    expect(await session.execute('new P().q')).toEqual({ ok: true, value: { 'text/plain': '14' } });
  });

  it('awaits at top level, prints as Node does, and displays convlab values in the vendor MIME type', async () => {
    const { session, out } = kernel();
    await session.execute(
      "import { tensor } from 'convlab';\nconst t = tensor([[1, 2], [3, 4]]);\nawait new Promise((r) => setTimeout(r, 5));\nconsole.log('shape', t.shape, { a: 1 });\nconsole.error('careful');\ndisplay(t, { displayId: 'x' });",
    );
    expect(out.streams).toEqual(['stdout:shape [ 2, 2 ] { a: 1 }\n', 'stderr:careful\n']);
    const [bundle, opts] = out.displays[0]!;
    expect(opts).toEqual({ displayId: 'x' });
    expect(Object.keys(bundle).sort()).toEqual([
      'application/vnd.convlab.v1+json',
      'image/png',
      'text/plain',
    ]);
    expect((bundle['application/vnd.convlab.v1+json'] as { kind: string; shape: number[] }).shape).toEqual([
      2, 2,
    ]);
    expect(typeof bundle['image/png']).toBe('string');
    const node = await import('../../kernel/format.js');
    expect(bundle).toEqual(
      node.format(
        convlab.tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    );
  });

  it('reports an error with the line of the cell it was thrown on', async () => {
    const { session } = kernel();
    const r = await session.execute(
      "import { conv2d, randn } from 'convlab';\ntype T = number;\nconst x = randn([1, 3, 8, 8]);\n\nconst y = conv2d(x, randn([4, 2, 3, 3]));",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.ename).toBe('ShapeError');
    expect(r.error.evalue).toMatch(/^conv2d: input has 3 channels/);
    expect(r.error.traceback[0]).toBe('In[1] line 5');
    const s = await session.execute('let a = 1;\nlet b = ;');
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error.traceback[0]).toBe('In[2]:2');
  });

  it('stops a busy loop when the host interrupts, and runs the next cell', async () => {
    const { session } = kernel(1000);
    const r = await session.execute('let i = 0;\nwhile (true) i++;');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.ename).toBe('KeyboardInterrupt');
    expect(session.scope.i).toBe(1000);
  });
});

describe('console.table', () => {
  it('draws tables as Node does', async () => {
    const { Console } = await import('node:console');
    const { Writable } = await import('node:stream');
    const node = (...args: unknown[]) => {
      let text = '';
      const sink = new Writable({
        write: (chunk, _enc, done) => {
          text += String(chunk);
          done();
        },
      });
      new Console({ stdout: sink, colorMode: false }).table(...(args as [unknown]));
      return text;
    };
    const cases: unknown[][] = [
      [
        [
          { a: 1, b: 'x' },
          { a: 22, c: [1, 2, 3, 4, 5] },
        ],
      ],
      [[1, 'two', { x: { y: 1 } }]],
      [{ r1: { a: 1, b: { p: 1, q: 2, r: 3 } }, r2: { a: 2 } }],
      [[{ model: 'ResNeXt-50 32×4d', 'params (M)': '25.029', paper: '—' }]],
      [[{ a: 1, b: 2 }], ['b']],
    ];
    for (const args of cases) {
      const { session, out } = kernel();
      session.scope.args = args;
      await session.execute('console.table(...args)');
      expect(out.streams).toEqual([`stdout:${node(...args)}`]);
    }
  });
});
