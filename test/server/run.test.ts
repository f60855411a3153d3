/**
 * `convlab run --server` and `convlab verify` against Debian's jupyter_server on 127.0.0.1 (token auth, the
 * convlab kernelspec installed into a temporary prefix): a remote run gives a local run's outputs, a 2×2 sweep
 * with --jobs 2 writes four notebooks and its results, a kernel killed mid-cell fails only its run, a wrong
 * token, an unreachable server and a missing kernelspec each say so, and verify tells a stored notebook from an
 * altered one. The notebooks are tiny and written here: a kernel's start-up is most of each run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeNotebook } from '../../runner/normalize.js';
import { CLI, ensureBuilt } from '../kernel/build';
import { type JupyterServer, startServer, unusedPort } from './server';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    stdout += t;
  });
  child.stderr.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
  });
  return new Promise((resolve) => child.on('exit', (status) => resolve({ status, stdout, stderr })));
}

const code = (id: string, source: string, tags?: string[]) => ({
  id,
  cell_type: 'code',
  source,
  metadata: tags ? { tags } : {},
  execution_count: null,
  outputs: [],
});

/** A seeded tensor shown as a rich output, a printed number, and two records; `lr * depth` is recorded as loss. */
const SWEPT = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { id: 'title', cell_type: 'markdown', source: '# A tiny experiment', metadata: {} },
    code('params', 'const lr = 0.5;\nconst depth = 3;\nconst die = false;', ['parameters']),
    code(
      'stats',
      "import { manualSeed, randn } from 'convlab';\nmanualSeed(3);\nconst x = randn([1, 2, 4, 4]).mul(lr);\n" +
        "console.log('mean', x.mean().item().toFixed(4));\nrecord('loss', lr * depth);\nrecord('table', [{ lr: lr, depth: depth }]);\nx",
    ),
    code('end', "if (die) process.kill(process.pid, 'SIGKILL');\n'done'"),
  ],
};

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('convlab run and verify on a Jupyter server', () => {
  let server: JupyterServer;
  let bare: JupyterServer;
  let dir: string;
  let input: string;
  const remote = () => ['--server', server.url, '--token', server.token];

  beforeAll(async () => {
    ensureBuilt();
    [server, bare] = await Promise.all([startServer(['convlab']), startServer(['python3'])]);
    dir = mkdtempSync(path.join(tmpdir(), 'convlab-server-run-'));
    input = path.join(dir, 'tiny.ipynb');
    writeFileSync(input, JSON.stringify(SWEPT));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), bare?.stop()]);
  });

  it('runs a notebook on the server with the outputs, records and exit code of a local run', async () => {
    const [local, onServer] = await Promise.all([
      cli(['run', input, '--out', path.join(dir, 'local')]),
      cli(['run', input, '--out', path.join(dir, 'remote'), ...remote()]),
    ]);
    expect(local.status, local.stdout + local.stderr).toBe(0);
    expect(onServer.status, onServer.stdout + onServer.stderr + server.log()).toBe(0);
    const a = read(path.join(dir, 'local', 'tiny.ipynb'));
    const b = read(path.join(dir, 'remote', 'tiny.ipynb'));
    // Same machine, same backend: the outputs agree exactly, not just within tolerance.
    expect(normalizeNotebook(b)).toEqual(normalizeNotebook(a));
    expect(a.cells[2].outputs.map((o: { output_type: string }) => o.output_type)).toEqual([
      'stream',
      'display_data',
      'display_data',
      'execute_result',
    ]);
    expect(Object.keys(a.cells[2].outputs[3].data).sort()).toEqual([
      'application/vnd.convlab.v1+json',
      'image/png',
      'text/plain',
    ]);
    expect(b.metadata.convlab.records).toEqual({ loss: 1.5, table: [{ lr: 0.5, depth: 3 }] });
    const p = b.metadata.convlab.provenance;
    expect(p.kernel).toBe(server.url);
    expect(p.seeds).toEqual([3]);
    expect(p.node).toBe(process.versions.node);
    expect(typeof p.backend).toBe('string');
    expect(p.threads).toBeGreaterThan(0);
    expect(p.convlab).toBe(read(path.join(CLI, '..', '..', '..', 'package.json')).version);
    expect(existsSync(path.join(dir, 'remote', 'tiny.html'))).toBe(true);
  }, 240_000);

  it('sweeps 2×2 values with --jobs 2 into four notebooks, results.csv/json and a results page', async () => {
    const out = path.join(dir, 'sweep');
    const r = await cli([
      'run',
      input,
      '--out',
      out,
      '--sweep',
      'lr=0.1,0.2',
      '--sweep',
      'depth=1,2',
      '--jobs',
      '2',
      ...remote(),
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('4 runs: 4 ok, 0 failed');
    const runs = path.join(out, 'tiny');
    expect(
      readdirSync(runs)
        .filter((f) => f.endsWith('.ipynb'))
        .sort(),
    ).toEqual([
      'lr=0.1,depth=1.ipynb',
      'lr=0.1,depth=2.ipynb',
      'lr=0.2,depth=1.ipynb',
      'lr=0.2,depth=2.ipynb',
    ]);
    const csv = readFileSync(path.join(runs, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,status,lr,depth,loss');
    expect(csv).toHaveLength(5);
    for (const row of csv.slice(1)) {
      // The run's label is quoted (it holds commas); the other fields are plain.
      const [status, lr, depth, loss] = row.replace(/^"[^"]*",/, '').split(',');
      expect(status).toBe('ok');
      expect(Number(loss)).toBe(Number(lr) * Number(depth));
    }
    const json = read(path.join(runs, 'results.json'));
    expect(json.runs).toHaveLength(4);
    expect(json.runs[3].parameters).toEqual({ lr: 0.2, depth: 2 });
    const one = read(path.join(runs, 'lr=0.2,depth=1.ipynb'));
    expect(one.metadata.convlab.provenance.parameters).toEqual({ lr: 0.2, depth: 1 });
    const page = readFileSync(path.join(runs, 'results.html'), 'utf8');
    expect(page).toContain('<figcaption>loss</figcaption>');
    expect(page.match(/<circle /g)).toHaveLength(4);
    for (const f of readdirSync(runs).filter((f) => f.endsWith('.ipynb')))
      expect(page).toContain(`href="${f.replace('.ipynb', '.html')}"`);
  }, 300_000);

  it('fails the run whose kernel is killed mid-cell, naming the cell, and the sweep goes on', async () => {
    const out = path.join(dir, 'killed');
    const r = await cli([
      'run',
      input,
      '--out',
      out,
      '--sweep',
      'die=true,false',
      '--jobs',
      '2',
      ...remote(),
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[die=true\]: FAILED at cell 5 \(id end\): DeadKernelError: kernel died/);
    expect(r.stdout).toMatch(/\[die=false\]: ok/);
    expect(r.stdout).toContain('2 runs: 1 ok, 1 failed');
    const killed = read(path.join(out, 'tiny', 'die=true.ipynb'));
    expect(killed.cells.find((c: { id: string }) => c.id === 'end').outputs.at(-1)).toMatchObject({
      output_type: 'error',
      ename: 'DeadKernelError',
    });
    expect(readFileSync(path.join(out, 'tiny', 'results.csv'), 'utf8')).toMatch(/^die=true,failed,true,/m);
    // The server keeps no kernel of ours: the restarted one was shut down too.
    const kernels = await fetch(`${server.url}/api/kernels`, {
      headers: { Authorization: `token ${server.token}` },
    }).then((res) => res.json());
    expect(kernels).toEqual([]);
  }, 240_000);

  it('says a token was refused, a server is unreachable or lacks the kernelspec, and exits non-zero', async () => {
    const out = path.join(dir, 'refused');
    const [badToken, unreachable, noSpec, envToken] = await Promise.all([
      cli(['run', input, '--out', out, '--server', server.url, '--token', 'wrong']),
      unusedPort().then((port) => cli(['run', input, '--out', out, '--server', `http://127.0.0.1:${port}`])),
      cli(['run', input, '--out', out, '--server', bare.url, '--token', bare.token]),
      cli(['verify', input, '--server', server.url], { JUPYTER_TOKEN: 'also-wrong' }),
    ]);
    expect(badToken.status).toBe(1);
    expect(badToken.stderr).toContain(
      `convlab: the Jupyter server at ${server.url} refused the token (HTTP 403): pass --token or set JUPYTER_TOKEN`,
    );
    expect(envToken.status).toBe(1);
    expect(envToken.stderr).toContain('refused the token');
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(
      /cannot reach the Jupyter server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
    );
    expect(noSpec.status).toBe(1);
    expect(noSpec.stderr).toContain(
      `convlab: the Jupyter server at ${bare.url} has no convlab kernel (it has: python3); install it there with \`convlab install\``,
    );
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('verify passes on a stored notebook and names the cell whose stored output was altered', async () => {
    const stored = path.join(dir, 'local', 'tiny.ipynb');
    const altered = path.join(dir, 'altered.ipynb');
    const nb = read(stored);
    const stats = nb.cells.find((c: { id: string }) => c.id === 'stats');
    const printed = Number(/mean (-?[\d.]+)/.exec(stats.outputs[0].text)![1]);
    stats.outputs[0].text = `mean ${(printed + 0.01).toFixed(4)}\n`;
    writeFileSync(altered, JSON.stringify(nb));
    const [local, onServer] = await Promise.all([
      cli(['verify', stored]),
      cli(['verify', stored, altered, '--jobs', '2', ...remote()]),
    ]);
    expect(local.status, local.stdout + local.stderr).toBe(0);
    expect(local.stdout).toContain(`${stored}: ok`);
    expect(onServer.status, onServer.stdout + onServer.stderr).toBe(1);
    expect(onServer.stdout).toContain(`${stored}: ok`);
    expect(onServer.stdout).toContain(`${altered}: DRIFTED`);
    expect(onServer.stdout).toMatch(
      new RegExp(
        `cell 3 \\(id stats\\): outputs\\[0\\]\\.text: "mean ${printed.toFixed(4)}\\\\n" vs "mean ${(printed + 0.01).toFixed(4)}\\\\n"`,
      ),
    );
    expect(onServer.stdout).toContain('2 notebooks verified: 1 ok, 1 drifted');
  }, 240_000);
});
