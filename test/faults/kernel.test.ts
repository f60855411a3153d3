/**
 * Kernel lifecycle under load: 10,000 display updates on one id, a restart through `shutdown_request`, and 200
 * notebooks run back to back with no kernel process, temporary folder or runner memory left behind.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelClient as Client } from '../../runner/local';
import {
  ensureBuilt,
  notebook,
  processesWith,
  ROOT,
  rssMiB,
  runCli,
  sleep,
  workspace,
  writeNotebook,
} from './helpers';

let KernelClient: typeof Client;

beforeAll(async () => {
  ensureBuilt();
  ({ KernelClient } = await import(path.join(ROOT, 'dist/runner/local.js')));
}, 120_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('10,000 display updates on one id', () => {
  it('end with the last value shown, in far fewer messages, and the kernel still answers', async () => {
    const ws = workspace('updates');
    const client = await KernelClient.launch({ cwd: ws.dir });
    try {
      await client.ready();
      await client.started();
      let updates = 0;
      let last: unknown;
      let idle!: () => void;
      const idled = new Promise<void>((r) => {
        idle = r;
      });
      const started = performance.now();
      const { reply } = client.request(
        'shell',
        'execute_request',
        {
          code: "display(0, { displayId: 'bar' });\nfor (let i = 1; i < 10000; i++) display(i, { displayId: 'bar', update: true });",
          silent: false,
          store_history: true,
          user_expressions: {},
          allow_stdin: false,
        },
        (m) => {
          if (m.header.msg_type === 'update_display_data') {
            updates++;
            last = (m.content.data as Record<string, unknown>)['text/plain'];
          }
          if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') idle();
        },
      );
      expect((await reply).content.status).toBe('ok');
      await idled;
      const seconds = (performance.now() - started) / 1000;
      console.log(`10,000 updates: ${updates} update_display_data messages, ${seconds.toFixed(2)} s`);
      expect(last).toBe('9999');
      // Bursts to one id are coalesced by the kernel; 10,000 messages would each re-render the output.
      expect(updates).toBeGreaterThan(0);
      expect(updates).toBeLessThan(1000);
      expect((await client.execute('1 + 1')).outputs[0]).toMatchObject({ data: { 'text/plain': '2' } });
    } finally {
      await client.shutdown();
    }
  }, 120_000);
});

describe('restart through shutdown_request', () => {
  it('comes back on the same ports with fresh state, and the old process is gone', async () => {
    const ws = workspace('restart');
    const client = await KernelClient.launch({ cwd: ws.dir });
    try {
      await client.ready();
      expect((await client.execute('let kept = 41;\nkept + 1')).executionCount).toBe(1);
      const ports = { ...client.connection };
      const oldPid = client.pid ?? 0;
      const started = performance.now();
      await client.restart();
      console.log(`restart: ${((performance.now() - started) / 1000).toFixed(2)} s to kernel_info`);
      expect(client.connection).toEqual(ports);
      expect(client.pid).not.toBe(oldPid);
      expect(alive(oldPid)).toBe(false);
      // The new kernel's first cell runs before its type checker exists: `kept` fails when it runs.
      const after = await client.execute('kept');
      expect(after.status).toBe('error');
      expect(after.error?.evalue).toContain('kept is not defined');
      expect((await client.execute('1')).executionCount).toBe(2);
    } finally {
      await client.shutdown();
    }
  }, 180_000);

  it('is answered with restart: true and the kernel exits on its own, releasing its ports', async () => {
    const ws = workspace('restart-raw');
    const client = await KernelClient.launch({ cwd: ws.dir });
    const pid = client.pid ?? 0;
    try {
      await client.ready();
      await client.started();
      const exited = performance.now();
      const r = await client.request('control', 'shutdown_request', { restart: true }).reply;
      expect(r.content).toEqual({ status: 'ok', restart: true });
      while (alive(pid) && performance.now() - exited < 10_000) await sleep(50);
      expect(alive(pid)).toBe(false);
      expect(client.dead?.message).toBe('kernel exited with code 0');
    } finally {
      await client.shutdown();
    }
  }, 120_000);
});

describe('200 notebooks back to back', () => {
  it('leave no kernel process, connection folder or runner memory behind', async () => {
    const ws = workspace('soak');
    const nbs = path.join(ws.dir, 'nbs');
    // Tiny notebooks: every one starts a kernel, waits for kernel_info and shuts it down.
    for (let i = 0; i < 200; i++)
      writeNotebook(path.join(nbs, `nb${String(i).padStart(3, '0')}.ipynb`), notebook(`# notebook ${i}`, ''));
    let most = 0;
    const rss: Record<number, number> = {};
    const run = await runCli([nbs, '--out', path.join(ws.dir, 'out')], {
      tmp: ws.tmp,
      onLine: (line, pid) => {
        const n = Number(/^\[(\d+)\/200\]/.exec(line)?.[1]);
        if (!n) return;
        most = Math.max(most, processesWith(ws.tmp).length);
        // Not at 200: the runner may have printed its last line and exited (a zombie has no VmRSS) by then.
        if (n === 20 || n === 199) rss[n] = rssMiB(pid);
      },
    }).done;
    console.log(
      `200 notebooks: ${run.seconds.toFixed(1)} s; runner RSS ${rss[20]?.toFixed(1)} MiB after 20, ${rss[199]?.toFixed(1)} MiB after 199; at most ${most} kernel process(es) alive when a progress line was read`,
    );
    expect(run.status, run.stdout.slice(-2000) + run.stderr).toBe(0);
    expect(run.stdout).toContain('200 notebooks: 200 ok, 0 failed');
    // Never more than the one kernel of the notebook being run (the runner may have started the next one by the
    // time its progress line is read here): none accumulates.
    expect(most).toBeLessThanOrEqual(1);
    await sleep(200);
    expect(processesWith(ws.tmp)).toEqual([]);
    expect(readdirSync(ws.tmp).filter((n) => n.startsWith('convlab-run-'))).toEqual([]);
    // The runner does not grow with the notebooks it has run (a leak of sockets or listeners would).
    expect(rss[199]! - rss[20]!).toBeLessThan(40);
  }, 600_000);
});
