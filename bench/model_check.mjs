/**
 * Checks each engine's first step of every model case against the reference (PyTorch at one thread, plain
 * malloc), so nobody measures a wrong answer fast. Every figure is a max abs diff divided by a scale of the
 * reference, and the worst one counts:
 *
 * - inference: the output, against max |output|;
 * - training: the loss against |loss|; each parameter's gradient against its max |gradient|; each parameter's
 *   update (weight after the step − weight before) against its max |update|; each buffer (running statistics)
 *   after the step against its max |value|.
 *
 * A parameter whose whole reference gradient is at rounding level (below 1e-6 of the model's largest gradient,
 * e.g. the bias of a convolution followed by batch norm, whose true gradient is zero) has no meaningful update
 * to compare: Adam turns such noise into steps of ±lr. It is listed as skipped, not compared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOLERANCE = { infer: 1e-3, train: 1e-2 };
const NOISE = 1e-6;

function readF32(path) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
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
  const out = new Float32Array(after.length);
  for (let i = 0; i < after.length; i++) out[i] = after[i] - before[i];
  return out;
}

/** { worst: {what, rel}, skipped: [names] } of one engine's train step against the reference's. */
function compareTrain(cl, prefix, refPrefix, initPath) {
  const load = (p) => {
    const m = new Map();
    for (const [k, t] of cl.loadSafetensors(readFileSync(p)).tensors) m.set(k, t.data);
    return m;
  };
  const init = load(initPath);
  const [refState, refGrads] = [
    load(`${refPrefix}-state.safetensors`),
    load(`${refPrefix}-grads.safetensors`),
  ];
  const [state, grads] = [load(`${prefix}-state.safetensors`), load(`${prefix}-grads.safetensors`)];
  const items = [];
  const refLoss = readF32(`${refPrefix}-loss.bin`);
  items.push({ what: 'loss', rel: relDiff(readF32(`${prefix}-loss.bin`), refLoss, Math.abs(refLoss[0])) });
  let gradScale = 0;
  for (const g of refGrads.values()) gradScale = Math.max(gradScale, maxAbs(g));
  const skipped = [];
  for (const [name, want] of refState) {
    const got = state.get(name);
    const g = refGrads.get(name);
    if (g === undefined) {
      // A buffer: running mean / variance / batch count after the step.
      items.push({ what: `${name}`, rel: relDiff(got, want, maxAbs(want)) });
      continue;
    }
    if (maxAbs(g) <= NOISE * gradScale) {
      skipped.push(name);
      continue;
    }
    items.push({ what: `${name} gradient`, rel: relDiff(grads.get(name), g, maxAbs(g)) });
    const before = init.get(name);
    const step = delta(want, before);
    items.push({
      what: `${name} update`,
      rel: got === undefined ? Number.POSITIVE_INFINITY : relDiff(delta(got, before), step, maxAbs(step)),
    });
  }
  const worst = items.reduce((w, x) => (x.rel > w.rel || Number.isNaN(x.rel) ? x : w));
  return { worst, skipped };
}

/**
 * Returns { reference, tolerance, models: { [id]: { [configKey]: { maxRelDiff, what, tol, ok, skipped? } } } }.
 */
export function checkModels(cl, dataDir, models, runKeys, reference) {
  const out = { reference, tolerance: TOLERANCE, models: {} };
  if (reference === null) return out;
  const dir = join(dataDir, 'out');
  for (const c of models) {
    const refPrefix = join(dir, `${reference}-${c.id}`);
    const refOut = c.mode === 'infer' ? `${refPrefix}-y.bin` : `${refPrefix}-state.safetensors`;
    if (!existsSync(refOut)) continue;
    out.models[c.id] = {};
    const tol = TOLERANCE[c.mode];
    for (const key of runKeys) {
      if (key === reference) continue;
      const prefix = join(dir, `${key}-${c.id}`);
      if (c.mode === 'infer') {
        if (!existsSync(`${prefix}-y.bin`)) continue;
        const want = readF32(`${refPrefix}-y.bin`);
        const rel = relDiff(readF32(`${prefix}-y.bin`), want, maxAbs(want));
        out.models[c.id][key] = { maxRelDiff: rel, what: 'output', tol, ok: rel <= tol };
      } else {
        if (!existsSync(`${prefix}-state.safetensors`)) continue;
        const { worst, skipped } = compareTrain(
          cl,
          prefix,
          refPrefix,
          join(dataDir, `${c.id}-init.safetensors`),
        );
        out.models[c.id][key] = {
          maxRelDiff: worst.rel,
          what: worst.what,
          tol,
          ok: worst.rel <= tol,
          ...(skipped.length ? { skipped } : {}),
        };
      }
    }
  }
  return out;
}
