/**
 * The plain TypeScript backend: the readable reference every other backend is tested against.
 * Convolution is im2col + GEMM per (image, group); its two gradients are the same two steps transposed.
 */
import type { Backend, ConvGeometry, DeformGeometry } from './contract.js';
import { tsEltwise } from './eltwise-ts.js';
import { tsNormPool } from './ts-normpool.js';

/** A grow-only scratch buffer: fresh memory is costly (first-touch page faults), so columns are reused. */
let scratch = new Float32Array(0);
function workspace(size: number): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(Math.max(size, Math.ceil(scratch.length * 1.5)));
  return scratch.subarray(0, size);
}

function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    const row = cOff + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j]! *= beta;
  }
  if (!transB) {
    // i-p-j order: the inner loop runs along contiguous rows of B and C.
    for (let i = 0; i < m; i++) {
      const row = cOff + i * ldc;
      for (let p = 0; p < k; p++) {
        const av = alpha * (transA ? a[aOff + p * lda + i]! : a[aOff + i * lda + p]!);
        if (av === 0) continue;
        const bRow = bOff + p * ldb;
        for (let j = 0; j < n; j++) c[row + j]! += av * b[bRow + j]!;
      }
    }
    return;
  }
  // B transposed: C[i, j] is a dot product along rows of A (or columns when transA) and rows of B.
  for (let i = 0; i < m; i++) {
    const row = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      const bRow = bOff + j * ldb;
      let acc = 0;
      if (transA) for (let p = 0; p < k; p++) acc += a[aOff + p * lda + i]! * b[bRow + p]!;
      else {
        const aRow = aOff + i * lda;
        for (let p = 0; p < k; p++) acc += a[aRow + p]! * b[bRow + p]!;
      }
      c[row + j]! += alpha * acc;
    }
  }
}

/**
 * Copies (im2col) or scatter-adds back (col2im) the receptive fields of one image's group of channels:
 * cols[(c, kd, kh, kw), (od, oh, ow)] ↔ x[c, od·s - p + kd·d, …]; reads outside the input are zero.
 */
function im2col(
  g: ConvGeometry,
  x: Float32Array,
  xOff: number,
  channels: number,
  cols: Float32Array,
  back: boolean,
): void {
  const [iD, iH, iW] = g.inSize;
  const [oD, oH, oW] = g.outSize;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.stride;
  const [pD, pH, pW] = g.padding;
  const [dD, dH, dW] = g.dilation;
  const plane = oD * oH * oW;
  let r = 0;
  for (let c = 0; c < channels; c++) {
    const cBase = xOff + c * iD * iH * iW;
    for (let kd = 0; kd < kD; kd++) {
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++, r++) {
          let col = r * plane;
          for (let od = 0; od < oD; od++) {
            const id = od * sD - pD + kd * dD;
            const dOk = id >= 0 && id < iD;
            for (let oh = 0; oh < oH; oh++) {
              const ih = oh * sH - pH + kh * dH;
              const rowOk = dOk && ih >= 0 && ih < iH;
              const rowBase = cBase + (id * iH + ih) * iW;
              for (let ow = 0; ow < oW; ow++, col++) {
                const iw = ow * sW - pW + kw * dW;
                const ok = rowOk && iw >= 0 && iw < iW;
                if (back) {
                  if (ok) x[rowBase + iw]! += cols[col]!;
                } else cols[col] = ok ? x[rowBase + iw]! : 0;
              }
            }
          }
        }
      }
    }
  }
}

function sizes(g: ConvGeometry) {
  const cg = g.c / g.groups;
  const kg = g.k / g.groups;
  const ks = g.kernel[0] * g.kernel[1] * g.kernel[2];
  const inPlane = g.inSize[0] * g.inSize[1] * g.inSize[2];
  const outPlane = g.outSize[0] * g.outSize[1] * g.outSize[2];
  return { cg, kg, rows: cg * ks, inPlane, outPlane };
}

function convForward(
  g: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  y: Float32Array,
): void {
  const { cg, kg, rows, inPlane, outPlane } = sizes(g);
  const cols = workspace(rows * outPlane);
  for (let n = 0; n < g.n; n++) {
    for (let grp = 0; grp < g.groups; grp++) {
      im2col(g, x, (n * g.c + grp * cg) * inPlane, cg, cols, false);
      const yOff = (n * g.k + grp * kg) * outPlane;
      gemm(
        false,
        false,
        kg,
        outPlane,
        rows,
        1,
        w,
        grp * kg * rows,
        rows,
        cols,
        0,
        outPlane,
        0,
        y,
        yOff,
        outPlane,
      );
    }
    if (bias !== null) {
      for (let k = 0; k < g.k; k++) {
        const off = (n * g.k + k) * outPlane;
        for (let i = 0; i < outPlane; i++) y[off + i]! += bias[k]!;
      }
    }
  }
}

function convBackwardData(g: ConvGeometry, gy: Float32Array, w: Float32Array, gx: Float32Array): void {
  const { cg, kg, rows, inPlane, outPlane } = sizes(g);
  const cols = workspace(rows * outPlane);
  gx.fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let grp = 0; grp < g.groups; grp++) {
      const gyOff = (n * g.k + grp * kg) * outPlane;
      gemm(
        true,
        false,
        rows,
        outPlane,
        kg,
        1,
        w,
        grp * kg * rows,
        rows,
        gy,
        gyOff,
        outPlane,
        0,
        cols,
        0,
        outPlane,
      );
      im2col(g, gx, (n * g.c + grp * cg) * inPlane, cg, cols, true);
    }
  }
}

function convBackwardFilter(g: ConvGeometry, x: Float32Array, gy: Float32Array, gw: Float32Array): void {
  const { cg, kg, rows, inPlane, outPlane } = sizes(g);
  const cols = workspace(rows * outPlane);
  gw.fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let grp = 0; grp < g.groups; grp++) {
      im2col(g, x, (n * g.c + grp * cg) * inPlane, cg, cols, false);
      const gyOff = (n * g.k + grp * kg) * outPlane;
      gemm(
        false,
        true,
        kg,
        rows,
        outPlane,
        1,
        gy,
        gyOff,
        outPlane,
        cols,
        0,
        outPlane,
        1,
        gw,
        grp * kg * rows,
        rows,
      );
    }
  }
}

/** Bilinear sample of one plane at (y, x), zero outside, with torchvision's boundary rule. */
function bilinear(x: Float32Array, off: number, h: number, w: number, py: number, px: number): number {
  if (py <= -1 || py >= h || px <= -1 || px >= w) return 0;
  const y0 = Math.floor(py);
  const x0 = Math.floor(px);
  const ly = py - y0;
  const lx = px - x0;
  const at = (yy: number, xx: number) => (yy >= 0 && yy < h && xx >= 0 && xx < w ? x[off + yy * w + xx]! : 0);
  return (
    (1 - ly) * (1 - lx) * at(y0, x0) +
    (1 - ly) * lx * at(y0, x0 + 1) +
    ly * (1 - lx) * at(y0 + 1, x0) +
    ly * lx * at(y0 + 1, x0 + 1)
  );
}

/** Visits every sample of a deformable convolution: (row of columns, column, channel plane, y, x, mask, mask index, offset index). */
function forEachSample(
  g: DeformGeometry,
  offset: Float32Array,
  mask: Float32Array | null,
  visit: (
    row: number,
    col: number,
    plane: number,
    py: number,
    px: number,
    m: number,
    mIdx: number,
    oIdx: number,
  ) => void,
): void {
  const [kH, kW] = g.kernel;
  const ks = kH * kW;
  const outPlane = g.outH * g.outW;
  const cPerGroup = g.c / g.offsetGroups;
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.c; c++) {
      const og = Math.floor(c / cPerGroup);
      const plane = (n * g.c + c) * g.inH * g.inW;
      for (let i = 0; i < kH; i++) {
        for (let j = 0; j < kW; j++) {
          const kIdx = i * kW + j;
          const row = c * ks + kIdx;
          for (let oh = 0; oh < g.outH; oh++) {
            for (let ow = 0; ow < g.outW; ow++) {
              const pos = oh * g.outW + ow;
              const oIdx = ((n * g.offsetGroups + og) * 2 * ks + 2 * kIdx) * outPlane + pos;
              const mIdx = ((n * g.offsetGroups + og) * ks + kIdx) * outPlane + pos;
              const py = oh * g.stride[0] - g.padding[0] + i * g.dilation[0] + offset[oIdx]!;
              const px = ow * g.stride[1] - g.padding[1] + j * g.dilation[1] + offset[oIdx + outPlane]!;
              const m = mask === null ? 1 : mask[mIdx]!;
              visit(row, n * outPlane + pos, plane, py, px, m, mIdx, oIdx);
            }
          }
        }
      }
    }
  }
}

function deformIm2col(
  g: DeformGeometry,
  x: Float32Array,
  offset: Float32Array,
  mask: Float32Array | null,
  columns: Float32Array,
): void {
  const nCols = g.n * g.outH * g.outW;
  forEachSample(g, offset, mask, (row, col, plane, py, px, m) => {
    columns[row * nCols + col] = m * bilinear(x, plane, g.inH, g.inW, py, px);
  });
}

function deformCol2im(
  g: DeformGeometry,
  x: Float32Array,
  offset: Float32Array,
  mask: Float32Array | null,
  gColumns: Float32Array,
  gx: Float32Array,
  gOffset: Float32Array,
  gMask: Float32Array | null,
): void {
  const nCols = g.n * g.outH * g.outW;
  const outPlane = g.outH * g.outW;
  const { inH: h, inW: w } = g;
  gOffset.fill(0);
  gMask?.fill(0);
  forEachSample(g, offset, mask, (row, col, plane, py, px, m, mIdx, oIdx) => {
    const gc = gColumns[row * nCols + col]!;
    if (gMask !== null) gMask[mIdx]! += gc * bilinear(x, plane, h, w, py, px);
    if (py <= -1 || py >= h || px <= -1 || px >= w) return;
    const y0 = Math.floor(py);
    const x0 = Math.floor(px);
    const ly = py - y0;
    const lx = px - x0;
    const corners: [number, number, number, number, number][] = [
      // [y, x, weight, d weight / d py, d weight / d px]
      [y0, x0, (1 - ly) * (1 - lx), -(1 - lx), -(1 - ly)],
      [y0, x0 + 1, (1 - ly) * lx, -lx, 1 - ly],
      [y0 + 1, x0, ly * (1 - lx), 1 - lx, -ly],
      [y0 + 1, x0 + 1, ly * lx, lx, ly],
    ];
    for (const [yy, xx, wt, dy, dx] of corners) {
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      const idx = plane + yy * w + xx;
      gx[idx]! += m * gc * wt;
      gOffset[oIdx]! += m * gc * dy * x[idx]!;
      gOffset[oIdx + outPlane]! += m * gc * dx * x[idx]!;
    }
  });
}

export const tsBackend: Backend = {
  name: 'ts',
  threads: 1,
  gemm,
  convForward,
  convBackwardData,
  convBackwardFilter,
  deformIm2col,
  deformCol2im,
  ...tsNormPool,
  ...tsEltwise,
};
