/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dwconv-3x3.c.in Generator: native/src/kernels/generate.mjs */
/*
 * A whole output plane of a stride-1 3×3 depthwise convolution over a zero-padded plane, the nine weights held in
 * registers: y[r·ys + i] = b + Σ_{kh,kw} w[3kh + kw] · x[(r + kh·dh)·xs + i + kw·dw].
 */
#include "isa-avx2.h"

void f32_dwconv_3x3__avx2(size_t rows, size_t len, const float* w, const float* x, size_t xs, size_t dh, size_t dw,
                            float b, float* y, size_t ys) {
  const VF w0 = vsplat(w[0]), w1 = vsplat(w[1]), w2 = vsplat(w[2]), w3 = vsplat(w[3]), w4 = vsplat(w[4]);
  const VF w5 = vsplat(w[5]), w6 = vsplat(w[6]), w7 = vsplat(w[7]), w8 = vsplat(w[8]), vb = vsplat(b);
  size_t r = 0;
  /* Two output rows at a time when whole vectors fit: the four input rows they read are loaded once. */
  for (; len >= VW && r + 2 <= rows; r += 2) {
    const float* x0 = x + r * xs;
    const float* x1 = x0 + dh * xs;
    const float* x2 = x1 + dh * xs;
    const float* x3 = x2 + dh * xs;
    const float* xa = x0 + xs; /* second output row: rows r+1, r+1+dh, r+1+2dh */
    const float* xb = xa + dh * xs;
    const float* xc = xb + dh * xs;
    float* y0 = y + r * ys;
    float* y1 = y0 + ys;
    for (size_t i = 0;; i += VW) {
      if (i + VW > len) {
        if (i == len) break;
        i = len - VW;
      }
      if (dh == 1) {
        const VF r0a = vload(x0 + i), r0b = vload(x0 + i + dw), r0c = vload(x0 + i + 2 * dw);
        const VF r1a = vload(x1 + i), r1b = vload(x1 + i + dw), r1c = vload(x1 + i + 2 * dw);
        const VF r2a = vload(x2 + i), r2b = vload(x2 + i + dw), r2c = vload(x2 + i + 2 * dw);
        const VF r3a = vload(x3 + i), r3b = vload(x3 + i + dw), r3c = vload(x3 + i + 2 * dw);
        VF a = vb + w0 * r0a + w1 * r0b + w2 * r0c;
        VF c = w3 * r1a + w4 * r1b + w5 * r1c + w6 * r2a + w7 * r2b + w8 * r2c;
        VF d = vb + w0 * r1a + w1 * r1b + w2 * r1c;
        VF e = w3 * r2a + w4 * r2b + w5 * r2c + w6 * r3a + w7 * r3b + w8 * r3c;
        vstore(y0 + i, a + c);
        vstore(y1 + i, d + e);
      } else {
        VF a = vb + w0 * vload(x0 + i) + w1 * vload(x0 + i + dw) + w2 * vload(x0 + i + 2 * dw);
        a += w3 * vload(x1 + i) + w4 * vload(x1 + i + dw) + w5 * vload(x1 + i + 2 * dw);
        a += w6 * vload(x2 + i) + w7 * vload(x2 + i + dw) + w8 * vload(x2 + i + 2 * dw);
        VF d = vb + w0 * vload(xa + i) + w1 * vload(xa + i + dw) + w2 * vload(xa + i + 2 * dw);
        d += w3 * vload(xb + i) + w4 * vload(xb + i + dw) + w5 * vload(xb + i + 2 * dw);
        d += w6 * vload(xc + i) + w7 * vload(xc + i + dw) + w8 * vload(xc + i + 2 * dw);
        vstore(y0 + i, a);
        vstore(y1 + i, d);
      }
    }
  }
  for (; r < rows; r++) {
    const float* x0 = x + r * xs;
    const float* x1 = x0 + dh * xs;
    const float* x2 = x1 + dh * xs;
    float* yr = y + r * ys;
    if (len < VW) {
      for (size_t i = 0; i < len; i++)
        yr[i] = b + w[0] * x0[i] + w[1] * x0[i + dw] + w[2] * x0[i + 2 * dw] + w[3] * x1[i] + w[4] * x1[i + dw] +
                w[5] * x1[i + 2 * dw] + w[6] * x2[i] + w[7] * x2[i + dw] + w[8] * x2[i + 2 * dw];
      continue;
    }
    /* Whole vectors; the ragged end reruns one vector that ends at len (same values, written twice). */
    for (size_t i = 0;; i += VW) {
      if (i + VW > len) {
        if (i == len) break;
        i = len - VW;
      }
      VF a = vb + w0 * vload(x0 + i) + w3 * vload(x1 + i) + w6 * vload(x2 + i);
      VF c = w1 * vload(x0 + i + dw) + w4 * vload(x1 + i + dw) + w7 * vload(x2 + i + dw);
      a += w2 * vload(x0 + i + 2 * dw) + w5 * vload(x1 + i + 2 * dw) + w8 * vload(x2 + i + 2 * dw);
      vstore(yr + i, a + c);
    }
  }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
