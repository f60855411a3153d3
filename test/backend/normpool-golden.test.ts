/**
 * Batch norm, pooling, interpolate and the copy ops against PyTorch (test/backend/fixtures/normpool.json, written by
 * normpool_generate.py beside it): outputs, input gradients and batch norm's running statistics, on every backend.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { availableBackends, withBackend } from '../../src/backend/index.js';
import { batchNorm } from '../../src/ops/norm.js';
import { adaptiveAvgPool2d, avgPool2d, interpolate, maxPool2d } from '../../src/ops/pool.js';
import { cat, pad, permute, slice } from '../../src/tensor/shape.js';
import { Tensor } from '../../src/tensor/tensor.js';

interface Data {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: Record<string, Data>;
  output: Data;
  gradOutput: number[];
  grads: Record<string, number[]>;
  runningMeanAfter?: number[];
  runningVarAfter?: number[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/normpool.json', import.meta.url), 'utf8')) as {
  header: { generator: string; torch: string; seed: number };
  cases: Case[];
};

/** Largest |a − e| relative to the largest |e|. */
function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return err / scale;
}

type Args = Record<string, never>;

/** Runs the case's op in convlab; returns the output and, for batch norm, the running stats it updated. */
function run(c: Case, ins: Record<string, Tensor>): { y: Tensor; stats?: [Tensor, Tensor] } {
  const a = c.args as Args & Record<string, unknown>;
  const x = ins.x!;
  switch (c.op) {
    case 'batchNorm': {
      const rm = new Tensor(Float32Array.from(a.runningMean as number[]), [x.shape[1]!]);
      const rv = new Tensor(Float32Array.from(a.runningVar as number[]), [x.shape[1]!]);
      const y = batchNorm(
        x,
        rm,
        rv,
        ins.weight ?? null,
        ins.bias ?? null,
        a.training as boolean,
        a.momentum as number,
        a.eps as number,
      );
      return { y, stats: [rm, rv] };
    }
    case 'maxPool2d':
      return {
        y: maxPool2d(x, a.kernelSize as number, {
          stride: a.stride as number,
          padding: a.padding as number,
          dilation: a.dilation as number,
          ceilMode: a.ceilMode as boolean,
        }),
      };
    case 'avgPool2d':
      return {
        y: avgPool2d(x, a.kernelSize as number, {
          stride: a.stride as number,
          padding: a.padding as number,
          ceilMode: a.ceilMode as boolean,
          countIncludePad: a.countIncludePad as boolean,
          divisorOverride: a.divisorOverride as number | null,
        }),
      };
    case 'adaptiveAvgPool2d':
      return { y: adaptiveAvgPool2d(x, a.outputSize as number) };
    case 'interpolate':
      return {
        y: interpolate(x, {
          size: (a.size as number[] | null) ?? undefined,
          scaleFactor: (a.scaleFactor as number | null) ?? undefined,
          mode: a.mode as 'nearest',
          ...(a.alignCorners === null ? {} : { alignCorners: a.alignCorners as boolean }),
        }),
      };
    case 'permute':
      return { y: permute(x, a.dims as number[]) };
    case 'slice':
      return {
        y: slice(
          x,
          a.dim as number,
          a.start as number,
          (a.end as number | null) ?? undefined,
          a.step as number,
        ),
      };
    case 'cat':
      return {
        y: cat(
          Object.keys(ins).map((k) => ins[k]!),
          a.dim as number,
        ),
      };
    case 'pad':
      return { y: pad(x, a.pads as number[], 'constant', a.value as number) };
  }
  throw new Error(`unknown op ${c.op}`);
}

it('fixtures come from the generator with PyTorch', () => {
  expect(fixture.header.generator).toBe('test/backend/fixtures/normpool_generate.py');
  expect(fixture.header.torch).toMatch(/^1\./);
  expect(fixture.cases.length).toBeGreaterThan(30);
});

describe.each(availableBackends())('%s', (backend) => {
  it.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s', (_name, c) => {
    withBackend(backend, () => {
      const ins: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.inputs))
        ins[k] = new Tensor(Float32Array.from(v.data), v.shape, { requiresGrad: true });
      const { y, stats } = run(c, ins);
      expect(y.shape).toEqual(c.output.shape);
      expect(relErr(y.data, c.output.data)).toBeLessThan(1e-5);
      if (stats !== undefined) {
        expect(relErr(stats[0].data, c.runningMeanAfter!)).toBeLessThan(1e-5);
        expect(relErr(stats[1].data, c.runningVarAfter!)).toBeLessThan(1e-5);
      }
      y.backward(new Tensor(Float32Array.from(c.gradOutput), y.shape));
      for (const [k, g] of Object.entries(c.grads)) {
        expect(ins[k]!.grad, k).not.toBeNull();
        expect(relErr(ins[k]!.grad!.data, g), `grad of ${k}`).toBeLessThan(1e-4);
      }
    });
  });
});
