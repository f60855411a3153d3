/**
 * torchvision's resnet50 and resnext50_32x4d (random weights, batch-norm statistics from three training batches,
 * eval mode) load strictly into convlab's definitions through loadCheckpoint, from torch.save and safetensors,
 * and give torchvision's logits within 1e-5 of their scale. The checkpoints are about 100 MB each, so they are
 * not committed: test/checkpoint/generate.py writes them into a temporary folder when Debian's PyTorch is
 * installed (/usr/bin/python3 with torch and torchvision); without it these tests are skipped and say why.
 * The forward pass runs on the ts backend (the reference) and on the backend convlab selects by default.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getBackend,
  loadCheckpoint,
  noGrad,
  resnet50,
  resnext50_32x4d,
  tensor,
  withBackend,
} from '../../src/index.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
const generator = new URL('./generate.py', import.meta.url).pathname;

describe.skipIf(!hasTorch)(
  'torchvision ResNets through loadCheckpoint (needs /usr/bin/python3 with torch)',
  () => {
    let dir = '';
    // biome-ignore lint/suspicious/noExplicitAny: the generator's manifest
    let manifest: any;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'convlab-resnets-'));
      const run = spawnSync(PYTHON, [generator, '--resnets', dir], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`generate.py --resnets failed: ${run.stderr}`);
      manifest = JSON.parse(readFileSync(join(dir, 'resnets.json'), 'utf8'));
    }, 300_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const [name, make] of [
      ['resnet50', resnet50],
      ['resnext50_32x4d', resnext50_32x4d],
    ] as const) {
      for (const format of ['pt', 'safetensors']) {
        it(`${name} from .${format}: strict load, logits within 1e-5 of their scale on ts and the default backend`, () => {
          const model = make();
          model.loadStateDict(loadCheckpoint(join(dir, `${name}.${format}`)));
          model.eval();
          const { input, output } = manifest.models[name];
          const expected = output.data as number[];
          const scale = Math.max(...expected.map(Math.abs));
          const argmax = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));
          for (const backend of new Set(['ts', getBackend().name] as const)) {
            const y = withBackend(backend, () =>
              noGrad(() => model.forward(tensor(input.data, input.shape))),
            );
            expect(y.shape).toEqual(output.shape);
            const worst = Math.max(...expected.map((e, i) => Math.abs(y.data[i]! - e)));
            expect(worst / scale, backend).toBeLessThanOrEqual(1e-5);
            expect(argmax(y.data), backend).toBe(argmax(expected));
          }
        }, 120_000);
      }
    }
  },
);
