/**
 * Reads a golden suite written by test/fixtures/generate.py: a JSON manifest of cases and a little-endian
 * float32 blob that every tensor of the manifest points into by offset.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as cl from '../../src/index.js';
import { availableBackends, type Tensor, tensor, withBackend } from '../../src/index.js';

export interface TensorRef {
  shape: number[];
  offset: number;
  /** offset of the gradient PyTorch computed for this input, when it is differentiable */
  grad?: number;
}
export interface OutputRef {
  shape: number[];
  offset: number;
  gradOutput: number;
}
export interface GoldenCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: TensorRef[];
  outputs: OutputRef[];
}
export interface Suite {
  header: { generator: string; torch: string; seed: number; suite: string; blob: string; count: number };
  cases: GoldenCase[];
  /** the values at `offset`, `count` long */
  values(offset: number, count: number): Float32Array;
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function loadSuite(name: string): Suite {
  const dir = new URL('../fixtures/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
  const bytes = readFileSync(new URL(manifest.header.blob, dir));
  // DataView reads little-endian explicitly, whatever the host's byte order.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    header: manifest.header,
    cases: manifest.cases,
    values(offset, count) {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32((offset + i) * 4, true);
      return out;
    },
  };
}

/** A fresh tensor holding a fixture's values; differentiable inputs require grad. */
export function fixtureTensor(suite: Suite, ref: { shape: number[]; offset: number }, requiresGrad = false) {
  return tensor(suite.values(ref.offset, numel(ref.shape)), ref.shape, { requiresGrad });
}

/** Largest |actual − expected|, relative to the largest |expected| (or absolute when expected is all zeros). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return Number.isNaN(worst) || actual.some(Number.isNaN) ? Number.POSITIVE_INFINITY : worst / (scale || 1);
}

export const FORWARD_TOL = 1e-5;
export const GRAD_TOL = 1e-4;

type Call = (c: GoldenCase, inputs: Tensor[]) => Tensor | Tensor[];

/**
 * One vitest test per case and backend: build the inputs, run `call`, compare every output within FORWARD_TOL
 * of its scale, run backward with PyTorch's upstream gradients, and compare every input's gradient within
 * GRAD_TOL. Every backend that loads here runs every case against the same PyTorch values.
 */
export function goldenTests(suite: Suite, call: Call): void {
  for (const backend of availableBackends()) {
    for (const c of suite.cases) {
      it(`${c.name} [${backend}]`, () => withBackend(backend, () => checkCase(suite, c, call)));
    }
  }
}

function checkCase(suite: Suite, c: GoldenCase, call: Call): void {
  const inputs = c.inputs.map((ref) => fixtureTensor(suite, ref, ref.grad !== undefined));
  const result = call(c, inputs);
  const outputs = Array.isArray(result) ? result : [result];
  expect(outputs.length, 'number of outputs').toBe(c.outputs.length);
  outputs.forEach((y, i) => {
    const ref = c.outputs[i]!;
    expect(y.shape, `output ${i} shape`).toEqual(ref.shape);
    const err = relativeError(y.data, suite.values(ref.offset, numel(ref.shape)));
    expect(err, `output ${i} relative error`).toBeLessThanOrEqual(FORWARD_TOL);
  });
  // Several outputs (split, chunk) each run backward, so their gradients accumulate into the inputs.
  outputs.forEach((y, i) => {
    const ref = c.outputs[i]!;
    if (y.requiresGrad) y.backward(fixtureTensor(suite, { shape: ref.shape, offset: ref.gradOutput }));
  });
  c.inputs.forEach((ref, i) => {
    if (ref.grad === undefined) return;
    const expected = suite.values(ref.grad, numel(ref.shape));
    const grad = inputs[i]!.grad;
    const actual = grad === null ? new Float32Array(expected.length) : grad.data;
    if (grad !== null) expect(grad.shape, `input ${i} gradient shape`).toEqual(ref.shape);
    expect(relativeError(actual, expected), `input ${i} gradient relative error`).toBeLessThanOrEqual(
      GRAD_TOL,
    );
  });
}

/** The element-wise ops the golden suites name, by the name PyTorch's generator writes. */
export const binary: Record<string, (a: Tensor, b: Tensor | number) => Tensor> = {
  add: cl.add,
  sub: cl.sub,
  mul: cl.mul,
  div: cl.div,
  pow: cl.pow,
  maximum: cl.maximum,
  minimum: cl.minimum,
};
export const unary: Record<string, (x: Tensor) => Tensor> = {
  relu: cl.relu,
  sigmoid: cl.sigmoid,
  tanh: cl.tanh,
  exp: cl.exp,
  log: cl.log,
  sqrt: cl.sqrt,
  abs: cl.abs,
  neg: cl.neg,
};
