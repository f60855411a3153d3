/**
 * Every contract primitive on every available backend (and every kernel config of the native addon) against the
 * ts reference, at the kernels' edge sizes.
 */
import { describe, expect, it } from 'vitest';
import { availableBackends, setBackend, getBackend } from '../../src/backend/index.js';
import { nativeKernels, selectNativeKernels } from '../../src/backend/native.js';
import { tsBackend } from '../../src/backend/ts.js';
import type { Backend } from '../../src/backend/contract.js';
import { convCases, deformCases, fill, inputSize, outputSize, relError, weightSize } from './cases.js';

const TOL = 1e-5;

/** The backends under test: each fast backend, and the native addon once per kernel config this CPU runs. */
function variants(): [string, () => Backend, () => void][] {
  const out: [string, () => Backend, () => void][] = [];
  for (const name of availableBackends()) {
    if (name === 'ts') continue;
    if (name === 'native') {
      for (const kernels of nativeKernels()) {
        let previous = '';
        out.push([
          `native/${kernels}`,
          () => {
            previous = selectNativeKernels(kernels);
            return setBackend('native');
          },
          () => selectNativeKernels(previous),
        ]);
      }
    } else out.push([name, () => setBackend(name), () => {}]);
  }
  return out;
}

describe.each(variants())('%s', (_name, enter, leave) => {
  const run = <T>(fn: (b: Backend) => T): T => {
    const before = getBackend();
    try {
      return fn(enter());
    } finally {
      leave();
      setBackend(before.name);
    }
  };

  it.each([
    [false, false, 1, 1, 1],
    [false, false, 7, 33, 5],
    [true, false, 9, 31, 17],
    [false, true, 13, 8, 300],
    [true, true, 5, 65, 3],
    [false, false, 64, 200, 70],
    // More rows than one row block (128), with tiles of 6 or 5 rows that do not divide it.
    [true, false, 300, 10, 8],
    [false, false, 301, 33, 20],
    // A Linear layer on a test set: several row blocks and several passes over k, split over threads by rows.
    [false, false, 1730, 10, 784],
    [false, true, 1730, 10, 784],
    [true, true, 403, 17, 1568],
    // One or two rows against a transposed B: the dot-product path (a Linear layer at batch 1).
    [false, true, 1, 1000, 2048],
    [false, true, 2, 37, 13],
  ])('gemm transA=%s transB=%s m=%i n=%i k=%i', (ta, tb, m, n, k) => {
    const lda = (ta ? m : k) + 3;
    const ldb = (tb ? k : n) + 2;
    const ldc = n + 1;
    const a = fill(4 + (ta ? k : m) * lda, 1);
    const b = fill(5 + (tb ? n : k) * ldb, 2);
    const c0 = fill(6 + m * ldc, 3);
    const want = c0.slice();
    tsBackend.gemm(ta, tb, m, n, k, 0.5, a, 4, lda, b, 5, ldb, 0.25, want, 6, ldc);
    const got = c0.slice();
    run((be) => be.gemm(ta, tb, m, n, k, 0.5, a, 4, lda, b, 5, ldb, 0.25, got, 6, ldc));
    expect(relError(want, got)).toBeLessThan(TOL);
  });

  it('gemm refuses arrays that end before the last row does, and negative offsets', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    // c of a 2×3 result with ldc 3 needs 6 floats; 4 reach into the second row only.
    expect(() =>
      run((be) => be.gemm(false, false, 2, 3, 2, 1, a, 0, 2, b, 0, 3, 0, new Float32Array(4), 0, 3)),
    ).toThrow(/c/);
    expect(() =>
      run((be) => be.gemm(false, false, 2, 3, 2, 1, a, -1, 2, b, 0, 3, 0, new Float32Array(6), 0, 3)),
    ).toThrow();
  });

  it.each(convCases)('conv %s: forward, backward data, backward filter', (_c, g) => {
    const x = fill(inputSize(g), 4);
    const w = fill(weightSize(g), 5);
    const bias = fill(g.k, 6);
    const gy = fill(outputSize(g), 7);
    const want = {
      y: new Float32Array(outputSize(g)),
      gx: new Float32Array(inputSize(g)),
      gw: new Float32Array(weightSize(g)),
    };
    tsBackend.convForward(g, x, w, bias, want.y);
    tsBackend.convBackwardData(g, gy, w, want.gx);
    tsBackend.convBackwardFilter(g, x, gy, want.gw);
    // Outputs start as garbage: the contract says they are overwritten.
    const got = { y: fill(outputSize(g), 8), gx: fill(inputSize(g), 9), gw: fill(weightSize(g), 10) };
    const yNoBias = new Float32Array(outputSize(g));
    const wantNoBias = new Float32Array(outputSize(g));
    tsBackend.convForward(g, x, w, null, wantNoBias);
    run((be) => {
      be.convForward(g, x, w, bias, got.y);
      be.convForward(g, x, w, null, yNoBias);
      be.convBackwardData(g, gy, w, got.gx);
      be.convBackwardFilter(g, x, gy, got.gw);
    });
    expect(relError(want.y, got.y)).toBeLessThan(TOL);
    expect(relError(wantNoBias, yNoBias)).toBeLessThan(TOL);
    expect(relError(want.gx, got.gx)).toBeLessThan(TOL);
    expect(relError(want.gw, got.gw)).toBeLessThan(TOL);
  });

  it.each(
    deformCases.flatMap(([n, g]) => [[`${n}`, g, false] as const, [`${n} with mask`, g, true] as const]),
  )('deformable %s', (_c, g, withMask) => {
    const [kH, kW] = g.kernel;
    const plane = g.outH * g.outW;
    const x = fill(g.n * g.c * g.inH * g.inW, 11);
    const offset = fill(g.n * g.offsetGroups * 2 * kH * kW * plane, 12).map((v) => v * 2.5);
    const mask = withMask ? fill(g.n * g.offsetGroups * kH * kW * plane, 13) : null;
    const colSize = g.c * kH * kW * g.n * plane;
    const gCol = fill(colSize, 14);
    const want = {
      col: new Float32Array(colSize),
      gx: fill(x.length, 15),
      go: new Float32Array(offset.length),
      gm: mask && new Float32Array(mask.length),
    };
    const got = {
      col: fill(colSize, 16),
      gx: fill(x.length, 15),
      go: fill(offset.length, 17),
      gm: mask && fill(mask.length, 18),
    };
    tsBackend.deformIm2col(g, x, offset, mask, want.col);
    tsBackend.deformCol2im(g, x, offset, mask, gCol, want.gx, want.go, want.gm);
    run((be) => {
      be.deformIm2col(g, x, offset, mask, got.col);
      be.deformCol2im(g, x, offset, mask, gCol, got.gx, got.go, got.gm);
    });
    expect(relError(want.col, got.col)).toBeLessThan(TOL);
    expect(relError(want.gx, got.gx)).toBeLessThan(TOL);
    expect(relError(want.go, got.go)).toBeLessThan(1e-4);
    if (want.gm && got.gm) expect(relError(want.gm, got.gm)).toBeLessThan(TOL);
  });
});
