/**
 * Faults under `convlab run` (the local runner): a kernel killed mid-cell, a cell that exits the process, a cell
 * that exhausts the heap, a kernel that stops answering, an unwritable --out, and Ctrl-C on the runner. Each run
 * must end, name the cell, clean its kernel up and go on; the measured times are printed for the record.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  notebook,
  processesWith,
  readNotebook,
  type Run,
  runCli,
  sleep,
  workspace,
  writeNotebook,
} from './helpers';

const seconds = (run: Run, name: string) =>
  Number(new RegExp(`${name}\\.ipynb: .*\\((\\d+\\.\\d) s\\)`).exec(run.stdout)?.[1]);

describe('a folder of faulty notebooks', () => {
  let ws: { dir: string; tmp: string };
  let run: Run;
  const out = () => path.join(ws.dir, 'out');
  const cellOf = (name: string, id: string) =>
    readNotebook(path.join(out(), `${name}.ipynb`)).cells.find((c) => c.id === id);

  beforeAll(async () => {
    ensureBuilt();
    ws = workspace('folder');
    const nbs = path.join(ws.dir, 'nbs');
    writeNotebook(
      path.join(nbs, 'a-killed.ipynb'),
      notebook('1', "process.kill(process.pid, 'SIGKILL')", '2'),
    );
    writeNotebook(path.join(nbs, 'b-exits.ipynb'), notebook('1', 'process.exit(3)', '2'));
    writeNotebook(
      path.join(nbs, 'c-heap.ipynb'),
      notebook('const hoard: number[][] = [];', 'while (true) hoard.push(new Array(1e6).fill(1.5));'),
    );
    writeNotebook(path.join(nbs, 'd-frozen.ipynb'), notebook("process.kill(process.pid, 'SIGSTOP')", '2'));
    writeNotebook(path.join(nbs, 'e-fine.ipynb'), notebook('# still runs', '1 + 1'));
    // A heap cap small enough that exhausting it takes a moment; the runner and its kernels inherit it.
    // The trailing slash is part of the check: the gallery must still list every notebook.
    run = await runCli([`${nbs}/`, '--out', out()], {
      tmp: ws.tmp,
      env: { NODE_OPTIONS: '--max-old-space-size=200' },
    }).done;
    console.log(
      'fault timings (s):',
      Object.fromEntries(
        ['a-killed', 'b-exits', 'c-heap', 'd-frozen', 'e-fine'].map((n) => [n, seconds(run, n)]),
      ),
      'whole run',
      run.seconds.toFixed(1),
    );
  }, 240_000);

  it('ends, and its exit status counts the failed notebooks', () => {
    expect(run.status, run.stdout + run.stderr).toBe(4);
    expect(run.stdout).toContain('5 notebooks: 1 ok, 4 failed');
  });

  it('fails a notebook whose kernel is killed mid-cell at that cell, and goes on', () => {
    expect(run.stdout).toMatch(
      /a-killed\.ipynb: FAILED at cell 2 \(id c2\): DeadKernelError: kernel was killed by SIGKILL/,
    );
    expect(cellOf('a-killed', 'c2')?.outputs.at(-1)).toMatchObject({
      output_type: 'error',
      ename: 'DeadKernelError',
    });
    expect(cellOf('a-killed', 'c3')?.execution_count).toBeNull();
    expect(run.stdout).toMatch(/e-fine\.ipynb: ok/);
  });

  it('reports a cell that exits the process with its exit code', () => {
    expect(run.stdout).toMatch(
      /b-exits\.ipynb: FAILED at cell 2 \(id c2\): DeadKernelError: kernel exited with code 3/,
    );
  });

  it('reports a cell that exhausts the heap as out of memory', () => {
    expect(run.stdout).toMatch(
      /c-heap\.ipynb: FAILED at cell 2 \(id c2\): DeadKernelError: kernel .*\(JavaScript heap out of memory\)/,
    );
    const tb = (cellOf('c-heap', 'c2')?.outputs.at(-1)?.traceback ?? []) as string[];
    expect(tb.join('\n')).toMatch(/heap out of memory/);
  });

  it('fails a kernel that stops answering its heartbeat, and ends its process', () => {
    expect(run.stdout).toMatch(
      /d-frozen\.ipynb: FAILED at cell 1 \(id c1\): DeadKernelError: kernel stopped answering its heartbeat/,
    );
    expect(processesWith(ws.tmp)).toEqual([]);
  });

  it('lists every notebook in the gallery of a folder given with a trailing slash', () => {
    const index = readFileSync(path.join(out(), 'index.html'), 'utf8');
    for (const n of ['a-killed', 'b-exits', 'c-heap', 'd-frozen', 'e-fine'])
      expect(index).toContain(`href="${n}.html"`);
  });
});

describe('an unwritable --out', () => {
  it('says which folder cannot be written, starts no kernel and leaves the input untouched', async () => {
    const ws = workspace('out');
    const input = writeNotebook(path.join(ws.dir, 'nb.ipynb'), notebook('1'));
    const before = readFileSync(input, 'utf8');
    // A file where the folder should be: unwritable even for root.
    writeFileSync(path.join(ws.dir, 'blocker'), 'not a folder');
    const run = await runCli([input, '--out', path.join(ws.dir, 'blocker', 'out')], { tmp: ws.tmp }).done;
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `convlab run: cannot write to the output folder ${path.join(ws.dir, 'blocker', 'out')}: not a directory (ENOTDIR)`,
    );
    expect(readFileSync(input, 'utf8')).toBe(before);
    expect(run.seconds).toBeLessThan(30);
  });
});

describe('Ctrl-C on a running convlab run', () => {
  it.each([
    ['SIGINT to the process group (a terminal Ctrl-C)', 'SIGINT', true],
    ['SIGTERM to the runner alone', 'SIGTERM', false],
  ] as const)(
    '%s shuts its kernel down and leaves no process',
    async (_, signal, group) => {
      const ws = workspace('signal');
      const marker = path.join(ws.dir, 'spinning');
      const input = writeNotebook(
        path.join(ws.dir, 'spin.ipynb'),
        notebook(
          `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nwhile (true) {}`,
        ),
      );
      const child = runCli([input, '--out', path.join(ws.dir, 'out')], { tmp: ws.tmp, detached: true });
      const deadline = Date.now() + 120_000;
      while (!existsSync(marker) && Date.now() < deadline) await sleep(100);
      expect(existsSync(marker)).toBe(true);
      expect(processesWith(ws.tmp)).toHaveLength(1);
      const sent = performance.now();
      process.kill(group ? -child.pid : child.pid, signal);
      const run = await child.done;
      const seconds = (performance.now() - sent) / 1000;
      console.log(`${signal} -> runner exit in ${seconds.toFixed(2)} s`);
      expect(run.status).toBe(signal === 'SIGINT' ? 130 : 143);
      await sleep(200);
      expect(processesWith(ws.tmp)).toEqual([]);
    },
    180_000,
  );
});
