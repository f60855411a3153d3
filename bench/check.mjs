/**
 * Checks every engine's output against the reference (PyTorch at one thread) once per case, so nobody measures
 * a wrong answer fast: max abs diff, judged against 1e-3 × max(1, max |reference|). The data is O(1) by
 * construction (see cases.mjs), so the tolerance is loose for float32 rounding and tight for a wrong result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RTOL = 1e-3;

function readF32(path) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Returns { reference, cases: { [caseId]: { [configKey]: { maxAbsDiff, tol, ok } } } }. */
export function checkOutputs(dataDir, cases, runs, reference) {
  const out = { reference, tolerance: `${RTOL} × max(1, max |reference|)`, cases: {} };
  if (reference === null) return out;
  for (const c of cases) {
    const names = c.backward ? ['gx', 'gw'] : ['y'];
    const ref = {};
    for (const n of names) {
      const p = join(dataDir, 'out', `${reference}-${c.id}-${n}.bin`);
      if (existsSync(p)) ref[n] = readF32(p);
    }
    if (Object.keys(ref).length !== names.length) continue;
    out.cases[c.id] = {};
    for (const key of Object.keys(runs)) {
      if (key === reference) continue;
      let maxAbsDiff = 0;
      let maxRef = 0;
      let found = true;
      for (const n of names) {
        const p = join(dataDir, 'out', `${key}-${c.id}-${n}.bin`);
        if (!existsSync(p)) {
          found = false;
          break;
        }
        const got = readF32(p);
        const want = ref[n];
        if (got.length !== want.length) {
          maxAbsDiff = Number.POSITIVE_INFINITY;
          continue;
        }
        for (let i = 0; i < want.length; i++) {
          const d = Math.abs(got[i] - want[i]);
          // NaN compares false everywhere: count it as infinitely wrong.
          maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbsDiff, d);
          maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
      }
      if (!found) continue;
      const tol = RTOL * Math.max(1, maxRef);
      out.cases[c.id][key] = { maxAbsDiff, tol, ok: maxAbsDiff <= tol };
    }
  }
  return out;
}
