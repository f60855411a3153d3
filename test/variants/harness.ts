/**
 * Reads a variant family's golden suite (written by test/variants/generate.py) and turns each case into a vitest
 * test: op cases call a function on the inputs; layer cases build convlab's layer from the case's arguments,
 * load the reference module's state dict by name, check the parameter count, then compare the outputs and the
 * gradients of every input and parameter with PyTorch's.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { type Module, type Tensor, tensor } from '../../src/index.js';

export interface Ref {
  shape: number[];
  offset: number;
  grad?: number;
}
export interface StateRef extends Ref {
  name: string;
}
export interface Case {
  name: string;
  op?: string;
  layer?: string;
  // biome-ignore lint/suspicious/noExplicitAny: a case's arguments are whatever the generator wrote for its layer
  args: Record<string, any>;
  train?: boolean;
  paramCount?: number;
  state?: StateRef[];
  inputs: Ref[];
  outputs: { shape: number[]; offset: number; gradOutput: number }[];
}
export interface Suite {
  header: { torch: string; seed: number; family: string; count: number };
  cases: Case[];
  values(offset: number, count: number): Float32Array;
}

export const FORWARD_TOL = 1e-5;
export const GRAD_TOL = 1e-4;
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function loadFamily(family: string): Suite {
  const dir = new URL('./fixtures/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL(`${family}.json`, dir), 'utf8'));
  const bytes = readFileSync(new URL(manifest.header.blob, dir));
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

export function fixture(
  suite: Suite,
  ref: { shape: number[]; offset: number },
  requiresGrad = false,
): Tensor {
  return tensor(suite.values(ref.offset, numel(ref.shape)), ref.shape, { requiresGrad });
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** Largest |actual − expected| relative to the largest |expected|. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return Number.isNaN(worst) || actual.some(Number.isNaN) ? Number.POSITIVE_INFINITY : worst / (scale || 1);
}

function compare(suite: Suite, c: Case, inputs: Tensor[], result: Tensor | (Tensor | null)[], m?: Module) {
  const outputs = (Array.isArray(result) ? result : [result]).filter((y): y is Tensor => y !== null);
  expect(outputs.length, 'number of outputs').toBe(c.outputs.length);
  outputs.forEach((y, i) => {
    const ref = c.outputs[i]!;
    expect(y.shape, `output ${i} shape`).toEqual(ref.shape);
    expect(
      relativeError(y.data, suite.values(ref.offset, numel(ref.shape))),
      `output ${i}`,
    ).toBeLessThanOrEqual(FORWARD_TOL);
  });
  outputs.forEach((y, i) => {
    if (y.requiresGrad)
      y.backward(fixture(suite, { shape: c.outputs[i]!.shape, offset: c.outputs[i]!.gradOutput }));
  });
  // A parameter followed by batch norm in training mode (a conv bias before BN) has a gradient that is zero in
  // exact arithmetic; PyTorch's float64 value is rounding noise (~1e-17), so such a gradient is measured against
  // the largest gradient of the case instead of its own scale.
  const refs = [...c.inputs, ...(c.state ?? [])].filter((r) => r.grad !== undefined);
  const caseScale = Math.max(0, ...refs.map((r) => maxAbs(suite.values(r.grad!, numel(r.shape)))));
  const check = (label: string, ref: Ref, grad: Tensor | null) => {
    const expected = suite.values(ref.grad!, numel(ref.shape));
    if (grad !== null) expect(grad.shape, `${label} gradient shape`).toEqual(ref.shape);
    const actual = grad === null ? new Float32Array(expected.length) : grad.data;
    if (maxAbs(expected) <= 1e-9 * caseScale) {
      expect(maxAbs(actual) / caseScale, `${label} gradient (zero in exact arithmetic)`).toBeLessThanOrEqual(
        GRAD_TOL,
      );
      return;
    }
    expect(relativeError(actual, expected), `${label} gradient`).toBeLessThanOrEqual(GRAD_TOL);
  };
  c.inputs.forEach((ref, i) => {
    if (ref.grad !== undefined) check(`input ${i}`, ref, inputs[i]!.grad);
  });
  if (m !== undefined) {
    const params = new Map(m.namedParameters());
    for (const ref of c.state ?? []) {
      if (ref.grad !== undefined) check(ref.name, ref, params.get(ref.name)?.grad ?? null);
    }
  }
}

/** Tests for the op cases of a suite. */
export function opTests(suite: Suite, call: (c: Case, inputs: Tensor[]) => Tensor | Tensor[]): void {
  for (const c of suite.cases.filter((k) => k.op !== undefined)) {
    it(c.name, () => {
      const inputs = c.inputs.map((ref) => fixture(suite, ref, ref.grad !== undefined));
      compare(suite, c, inputs, call(c, inputs));
    });
  }
}

/** Builds a layer and loads a case's reference state into it (the reference's parameters and buffers, by name). */
export function loadLayer<M extends Module>(suite: Suite, c: Case, build: (args: Case['args']) => M): M {
  const m = build(c.args);
  const sd = new Map((c.state ?? []).map((ref) => [ref.name, fixture(suite, ref)]));
  m.loadStateDict(sd);
  m.train(c.train ?? true);
  return m;
}

/** Tests for the layer cases of a suite: parameter count, forward, and every input and parameter gradient. */
export function layerTests<M extends Module>(
  suite: Suite,
  build: (args: Case['args']) => M,
  call: (m: M, inputs: Tensor[], c: Case) => Tensor | (Tensor | null)[] = (m, inputs) => m.forward(...inputs),
): void {
  for (const c of suite.cases.filter((k) => k.layer !== undefined)) {
    it(c.name, () => {
      const m = loadLayer(suite, c, build);
      expect(m.countParams(), 'parameter count (the reference module has this many)').toBe(c.paramCount);
      const inputs = c.inputs.map((ref) => fixture(suite, ref, ref.grad !== undefined));
      compare(suite, c, inputs, call(m, inputs, c), m);
    });
  }
}
