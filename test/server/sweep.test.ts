/** The pure parts of sweeps, records and provenance: no kernel, no server. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resultsHtml } from '../../runner/html.js';
import { recordsOf } from '../../runner/notebook.js';
import { parseSweeps, resultsCsv, type SweepRun, scalarNames, sweepPoints } from '../../runner/sweep.js';
import { manualSeed, RECORD_MIME, record, sampleImage } from '../../src/index.js';
import { provenance, readDataFile } from '../../src/provenance.js';

const ROOT_DIR = path.resolve(import.meta.dirname, '../..');

const run = (
  label: string,
  parameters: Record<string, unknown>,
  records: Record<string, unknown>,
  ok = true,
) =>
  ({
    label,
    parameters,
    ok,
    seconds: 1,
    notebook: `${label}.ipynb`,
    html: `${label}.html`,
    records,
  }) as SweepRun;

describe('sweeps', () => {
  it('are the Cartesian product of the axes, the first varying slowest; labels are file-safe', () => {
    const axes = parseSweeps(['lr=0.1,0.2', 'mode=a,"b c"']);
    expect(sweepPoints(axes)).toEqual([
      { label: 'lr=0.1,mode=a', parameters: ['lr=0.1', 'mode=a'] },
      { label: 'lr=0.1,mode=_b c_', parameters: ['lr=0.1', 'mode="b c"'] },
      { label: 'lr=0.2,mode=a', parameters: ['lr=0.2', 'mode=a'] },
      { label: 'lr=0.2,mode=_b c_', parameters: ['lr=0.2', 'mode="b c"'] },
    ]);
    expect(sweepPoints(parseSweeps(['path=a/b']))[0]!.label).toBe('path=a_b');
  });

  it('refuse a spec that is not name=v1,v2 or names an axis twice', () => {
    expect(() => parseSweeps(['lr'])).toThrow(
      'convlab run: --sweep expects name=v1,v2,… with an identifier name, got "lr"',
    );
    expect(() => parseSweeps(['1x=2'])).toThrow(/identifier name, got "1x=2"/);
    expect(() => parseSweeps(['lr=0.1,,0.2'])).toThrow(
      'convlab run: --sweep lr has an empty value in "lr=0.1,,0.2"',
    );
    expect(() => parseSweeps(['lr=1', 'lr=2'])).toThrow('convlab run: --sweep names lr twice');
  });

  it('write one CSV row per run, a column per parameter and recorded scalar, quoting what needs it', () => {
    const axes = parseSweeps(['lr=0.1,0.2']);
    const runs = [
      run('lr=0.1', { lr: 0.1 }, { loss: 0.5, note: 'a, "b"', table: [[1, 2]] }),
      run('lr=0.2', { lr: 0.2 }, {}, false),
    ];
    expect(scalarNames(runs)).toEqual(['loss', 'note']);
    expect(resultsCsv(axes, runs)).toBe(
      'run,status,lr,loss,note\nlr=0.1,ok,0.1,0.5,"a, ""b"""\nlr=0.2,failed,0.2,,\n',
    );
  });

  it('plot each recorded number against the first axis, a line per value of the others, skipping failures', () => {
    const axes = parseSweeps(['lr=0.1,0.2', 'depth=1,2']);
    const runs = sweepPoints(axes).map((p, i) =>
      run(
        p.label,
        Object.fromEntries(p.parameters.map((s) => [s.split('=')[0], Number(s.split('=')[1])])),
        { loss: i },
        i !== 3,
      ),
    );
    const page = resultsHtml('t', axes, runs, scalarNames(runs));
    expect(page.match(/<svg /g)).toHaveLength(1);
    expect(page.match(/<polyline /g)).toHaveLength(2);
    expect(page.match(/<circle /g)).toHaveLength(3);
    expect(page).toContain('depth=1');
    expect(page).toContain('4 runs, 3 ok, 1 failed');
    expect(page).not.toContain('<script');
  });
});

describe('record', () => {
  it('shows a record through the display global, with a line of text', () => {
    const shown: unknown[] = [];
    vi.stubGlobal('display', (v: unknown) => shown.push(v));
    try {
      record('loss', 0.25);
      record('curve', [{ epoch: 1, loss: 0.5 }]);
    } finally {
      vi.unstubAllGlobals();
    }
    const bundles = shown.map((v) =>
      (v as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]!(),
    );
    expect(bundles[0]).toEqual({ [RECORD_MIME]: { name: 'loss', value: 0.25 }, 'text/plain': 'loss = 0.25' });
    const nb = {
      cells: bundles.map((data) => ({ cell_type: 'code', outputs: [{ output_type: 'display_data', data }] })),
    };
    expect(recordsOf(nb as never)).toEqual({ loss: 0.25, curve: [{ epoch: 1, loss: 0.5 }] });
  });

  it('refuses a name or value that results files cannot hold, naming what came', () => {
    expect(() => record('a b', 1)).toThrow(
      'record: name must be an identifier-like string (letters, digits, _ . -), got "a b"',
    );
    expect(() => record('loss', Number.NaN)).toThrow(
      'record: value of "loss" must be a finite number, got NaN',
    );
    expect(() => record('t', [{ x: Number.POSITIVE_INFINITY }])).toThrow(
      'record: value of "t"[0].x must be a finite number',
    );
    expect(() => record('m', new Map() as never)).toThrow(
      /record: value of "m" must be a number, string, boolean, null or a table of them/,
    );
    expect(() => record('big', 'x'.repeat(100_001))).toThrow(
      /must be a small table \(at most 100000 characters of JSON\), got 100003/,
    );
  });
});

describe('provenance', () => {
  it('notes the seeds given to manualSeed and the SHA-256 of data files read by the loaders', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'convlab-prov-')), 'data.bin');
    writeFileSync(file, 'some bytes');
    manualSeed(1234);
    expect(readDataFile(file).toString()).toBe('some bytes');
    const p = provenance();
    expect(p.seeds.at(-1)).toBe(1234);
    expect(p.dataFiles[file]).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(p.node).toBe(process.versions.node);
  });

  it('names bundled data by its place in the package, so the record reads the same on any machine', () => {
    sampleImage('camera');
    const key = 'convlab/data/images/camera.png';
    expect(provenance().dataFiles[key]).toBe(
      createHash('sha256')
        .update(readFileSync(path.join(ROOT_DIR, 'data/images/camera.png')))
        .digest('hex'),
    );
  });
});
