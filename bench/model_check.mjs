/**
 * Checks each engine's first step of every model case, so nobody measures a wrong answer fast. The reference is
 * the same step in float64 PyTorch (written by torch_models.py export). Every figure is a max abs diff divided
 * by a scale of the reference:
 *
 * - inference: the output, against max |output|;
 * - training: the loss against |loss|; each parameter's gradient against its max |gradient|; each parameter's
 *   update (weight after the step − weight before) against its max |update|; each buffer (running statistics)
 *   after the step against its max |value|.
 *
 * An item passes when its figure is within the tolerance, within FACTOR × what float32 PyTorch (torch-1t) shows
 * on that item, or within twice float32 PyTorch's worst figure over the whole model. A train step of a freshly
 * initialised ResNet-50 is ill-conditioned: a ReLU or max-pool decision that flips with rounding moves a
 * gradient wholesale, so float32 PyTorch strays from float64 by up to 23 % (M2) or 27 % (M2 --quick) on some
 * gradient, and convlab's float32 (even the ts backend, which sums in float64) strays as far on others. A broken
 * op strays by 100 % and more.
 *
 * A parameter whose whole reference gradient is at rounding level (below 1e-6 of the model's largest gradient,
 * e.g. the bias of a convolution followed by batch norm, whose true gradient is zero) has no meaningful update
 * to compare: Adam turns such noise into steps of ±lr. It is listed as skipped, not compared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOLERANCE = { infer: 1e-3, train: 1e-2 };
export const FACTOR = 4;
const NOISE = 1e-6;

function readVector(prefix, name) {
  const f64 = `${prefix}-${name}.f64`;
  const path = existsSync(f64) ? f64 : `${prefix}-${name}.bin`;
  const b = readFileSync(path);
  const copy = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return path === f64 ? new Float64Array(copy) : new Float32Array(copy);
}

function maxAbs(a) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |got − want| / scale; a NaN or a length mismatch is infinitely wrong. */
function relDiff(got, want, scale) {
  if (got === undefined || got.length !== want.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    d = Number.isNaN(e) ? Number.POSITIVE_INFINITY : Math.max(d, e);
  }
  return scale > 0 ? d / scale : d;
}

function delta(after, before) {
  const out = new Float64Array(after.length);
  for (let i = 0; i < after.length; i++) out[i] = after[i] - before[i];
  return out;
}

/** The reference's tensors, loaded once per model. */
function loadReference(cl, dataDir, c) {
  const prefix = join(dataDir, `${c.id}-f64`);
  if (c.mode === 'infer') return { y: readVector(prefix, 'y') };
  const load = (p) => new Map([...cl.loadSafetensors(readFileSync(p)).tensors].map(([k, t]) => [k, t.data]));
  const grads = load(`${prefix}-grads.safetensors`);
  let gradScale = 0;
  for (const g of grads.values()) gradScale = Math.max(gradScale, maxAbs(g));
  return {
    loss: readVector(prefix, 'loss'),
    state: load(`${prefix}-state.safetensors`),
    grads,
    init: load(join(dataDir, `${c.id}-init.safetensors`)),
    gradScale,
    load,
  };
}

/** { items: Map(what → figure), skipped } of one engine's first step against the reference. */
function compare(ref, c, prefix) {
  const items = new Map();
  if (c.mode === 'infer') {
    items.set('output', relDiff(readVector(prefix, 'y'), ref.y, maxAbs(ref.y)));
    return { items, skipped: [] };
  }
  const state = ref.load(`${prefix}-state.safetensors`);
  const grads = ref.load(`${prefix}-grads.safetensors`);
  items.set('loss', relDiff(readVector(prefix, 'loss'), ref.loss, Math.abs(ref.loss[0])));
  const skipped = [];
  for (const [name, want] of ref.state) {
    const g = ref.grads.get(name);
    if (g === undefined) {
      items.set(name, relDiff(state.get(name), want, maxAbs(want)));
      continue;
    }
    if (maxAbs(g) <= NOISE * ref.gradScale) {
      skipped.push(name);
      continue;
    }
    items.set(`${name} gradient`, relDiff(grads.get(name), g, maxAbs(g)));
    const before = ref.init.get(name);
    const step = delta(want, before);
    const got = state.get(name);
    items.set(
      `${name} update`,
      got === undefined ? Number.POSITIVE_INFINITY : relDiff(delta(got, before), step, maxAbs(step)),
    );
  }
  return { items, skipped };
}

/**
 * Returns { reference, tolerance, models: { [id]: { [configKey]: { maxRelDiff, what, allowed, torch32, ok,
 * skipped? } } } }: per engine the item that came closest to (or went furthest past) what it is allowed.
 */
export function checkModels(cl, dataDir, models, runKeys, baseline) {
  const out = {
    reference: 'PyTorch float64',
    tolerance: { ...TOLERANCE, factor: FACTOR, baseline },
    models: {},
  };
  const dir = join(dataDir, 'out');
  for (const c of models) {
    const refFile = join(dataDir, c.mode === 'infer' ? `${c.id}-f64-y.f64` : `${c.id}-f64-state.safetensors`);
    if (!existsSync(refFile)) continue;
    const ref = loadReference(cl, dataDir, c);
    const tol = TOLERANCE[c.mode];
    const exists = (key) =>
      existsSync(join(dir, `${key}-${c.id}${c.mode === 'infer' ? '-y.bin' : '-state.safetensors'}`));
    const base =
      baseline && exists(baseline) ? compare(ref, c, join(dir, `${baseline}-${c.id}`)).items : null;
    const baseWorst = base === null ? 0 : Math.max(0, ...[...base.values()].filter(Number.isFinite));
    out.models[c.id] = {};
    for (const key of runKeys.filter(exists)) {
      const { items, skipped } = compare(ref, c, join(dir, `${key}-${c.id}`));
      let worst = null;
      for (const [what, rel] of items) {
        const torch32 = base?.get(what) ?? 0;
        const allowed = Math.max(tol, FACTOR * torch32, 2 * baseWorst);
        const score = Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel / allowed;
        if (worst === null || score > worst.score) worst = { what, rel, allowed, torch32, score };
      }
      out.models[c.id][key] = {
        maxRelDiff: worst.rel,
        what: worst.what,
        allowed: worst.allowed,
        torch32: worst.torch32,
        ok: worst.score <= 1,
        ...(skipped.length ? { skipped } : {}),
      };
    }
  }
  return out;
}
