/**
 * The browser build of the library (lite/build.mjs) in Debian's Chromium: the same probe (bench case A, one Adam
 * step of the digits net, a sample photograph) runs on a page and in a Web Worker, served cross-origin isolated
 * (WASM backend; worker threads in the worker) and not (TypeScript backend), and must agree with Node's result.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index.js';
// @ts-expect-error: a plain ES module without types, built by npm ci
import { buildBrowser } from '../../lite/build.mjs';
// @ts-expect-error: plain JS, served to the browser as it is
import { probe } from './page/probe.js';
import { CHROMIUM, launchChromium, type Served, serve } from './static.js';

const ROOT = resolve(import.meta.dirname, '../..');

type Probe = ReturnType<typeof probe> & {
  info: L.BackendInfo;
  hardwareConcurrency?: number;
};

describe.skipIf(!existsSync(CHROMIUM))('convlab in Chromium', () => {
  let dir: string;
  let browser: Browser;
  let isolated: Served;
  let plain: Served;
  const expected = probe(L) as Probe;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'convlab-lite-'));
    await buildBrowser(dir);
    cpSync(join(ROOT, 'test/lite/page'), join(dir, 'page'), { recursive: true });
    isolated = await serve(dir, { isolated: true });
    plain = await serve(dir);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await isolated?.close();
    await plain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(server: Served, where: 'runHere' | 'runInWorker'): Promise<Probe> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server.url}/page/index.html`);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
      const result = await page.evaluate(
        (fn) => (window as unknown as Record<string, () => Promise<Probe>>)[fn]!(),
        where,
      );
      expect(errors).toEqual([]);
      return result;
    } finally {
      await page.close();
    }
  }

  function agrees(got: Probe): void {
    const a = new Float32Array(Buffer.from(got.conv, 'base64').buffer.slice(0));
    const b = new Float32Array(Buffer.from(expected.conv, 'base64').buffer.slice(0));
    expect(a.length).toBe(64 * 56 * 56);
    let worst = 0;
    for (let i = 0; i < a.length; i++)
      worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
    expect(worst).toBeLessThan(1e-5);
    expect(got.trainCount).toBe(expected.trainCount);
    expect(got.labelSum).toBe(expected.labelSum);
    expect(got.pixelSum).toBeCloseTo(expected.pixelSum, 0);
    expect(got.lossBefore).toBeCloseTo(expected.lossBefore, 5);
    expect(got.lossAfter).toBeCloseTo(expected.lossAfter, 5);
    expect(got.lossAfter).toBeLessThan(got.lossBefore);
    expect(got.imageShape).toEqual([3, 113, 150]);
    expect(got.imageMean).toBeCloseTo(expected.imageMean, 6);
  }

  it('runs on the WASM backend on an isolated page', async () => {
    const got = await run(isolated, 'runHere');
    expect(got.info.name).toBe('wasm');
    agrees(got);
  }, 120_000);

  it('runs the WASM backend with worker threads in an isolated Web Worker', async () => {
    const got = await run(isolated, 'runInWorker');
    expect(got.info.name).toBe('wasm');
    expect(got.info.threads).toBe(Math.min(64, got.hardwareConcurrency ?? 0));
    agrees(got);
    console.log(
      `Chromium worker, wasm × ${got.info.threads} threads: first case A ${got.convMs.toFixed(1)} ms ` +
        '(starts the worker threads; lite/bench.mjs times warm runs), ' +
        `first digits train step (batch 64) ${got.stepMs.toFixed(1)} ms`,
    );
  }, 120_000);

  it('falls back to the TypeScript backend where the page is not isolated', async () => {
    const got = await run(plain, 'runInWorker');
    expect(got.info.name).toBe('ts');
    expect(got.info.unavailable).toContainEqual({
      name: 'wasm',
      reason: 'SharedArrayBuffer is unavailable (not cross-origin isolated)',
    });
    agrees(got);
  }, 180_000);
});
