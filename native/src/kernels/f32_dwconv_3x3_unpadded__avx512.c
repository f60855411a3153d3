/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dwconv-3x3-unpadded.c.in Generator: native/src/kernels/generate.mjs */
/*
 * A whole output plane of a stride-1 3×3 depthwise convolution with "same" zero padding (dh rows, dw columns), read
 * straight from the unpadded input: rows above and below the plane are `zero` (at least len floats of zeros), the
 * dw columns at each end are computed one by one, and everything between in whole vectors.
 *   y[r·len + i] = b + Σ_{kh,kw} w[3kh + kw] · x[(r + (kh − 1)·dh)·len + i + (kw − 1)·dw]
 */
#include "isa-avx512.h"

static inline float edge(const float* x0, const float* x1, const float* x2, const float* w, size_t i, size_t len,
                         size_t dw, float b) {
  float s = b + w[1] * x0[i] + w[4] * x1[i] + w[7] * x2[i];
  if (i >= dw) s += w[0] * x0[i - dw] + w[3] * x1[i - dw] + w[6] * x2[i - dw];
  if (i + dw < len) s += w[2] * x0[i + dw] + w[5] * x1[i + dw] + w[8] * x2[i + dw];
  return s;
}

void f32_dwconv_3x3_unpadded__avx512(size_t rows, size_t len, const float* w, const float* x, size_t dh, size_t dw,
                                     const float* zero, float b, float* y) {
  const VF w0 = vsplat(w[0]), w1 = vsplat(w[1]), w2 = vsplat(w[2]), w3 = vsplat(w[3]), w4 = vsplat(w[4]);
  const VF w5 = vsplat(w[5]), w6 = vsplat(w[6]), w7 = vsplat(w[7]), w8 = vsplat(w[8]), vb = vsplat(b);
  int vectors = len >= 2 * dw + VW;
  size_t r = 0;
  /* Two output rows at a time when the rows are adjacent (dh = 1): the four input rows they read load once. */
  for (; vectors && dh == 1 && r + 2 <= rows; r += 2) {
    const float* x0 = r >= 1 ? x + (r - 1) * len : zero;
    const float* x1 = x + r * len;
    const float* x2 = x1 + len;
    const float* x3 = r + 2 < rows ? x2 + len : zero;
    float* y0 = y + r * len;
    float* y1 = y0 + len;
    for (size_t i = 0; i < dw; i++) {
      y0[i] = edge(x0, x1, x2, w, i, len, dw, b);
      y0[len - 1 - i] = edge(x0, x1, x2, w, len - 1 - i, len, dw, b);
      y1[i] = edge(x1, x2, x3, w, i, len, dw, b);
      y1[len - 1 - i] = edge(x1, x2, x3, w, len - 1 - i, len, dw, b);
    }
    for (size_t i = dw;; i += VW) {
      if (i + VW > len - dw) {
        if (i == len - dw) break;
        i = len - dw - VW;
      }
      const float* p0 = x0 + i - dw;
      const float* p1 = x1 + i - dw;
      const float* p2 = x2 + i - dw;
      const float* p3 = x3 + i - dw;
      const VF r0a = vload(p0), r0b = vload(p0 + dw), r0c = vload(p0 + 2 * dw);
      const VF r1a = vload(p1), r1b = vload(p1 + dw), r1c = vload(p1 + 2 * dw);
      const VF r2a = vload(p2), r2b = vload(p2 + dw), r2c = vload(p2 + 2 * dw);
      const VF r3a = vload(p3), r3b = vload(p3 + dw), r3c = vload(p3 + 2 * dw);
      VF a = vb + w0 * r0a + w1 * r0b + w2 * r0c;
      VF c = w3 * r1a + w4 * r1b + w5 * r1c + w6 * r2a + w7 * r2b + w8 * r2c;
      VF d = vb + w0 * r1a + w1 * r1b + w2 * r1c;
      VF e = w3 * r2a + w4 * r2b + w5 * r2c + w6 * r3a + w7 * r3b + w8 * r3c;
      vstore(y0 + i, a + c);
      vstore(y1 + i, d + e);
    }
  }
  for (; r < rows; r++) {
    const float* x0 = r >= dh ? x + (r - dh) * len : zero;
    const float* x1 = x + r * len;
    const float* x2 = r + dh < rows ? x + (r + dh) * len : zero;
    float* yr = y + r * len;
    if (!vectors) {
      for (size_t i = 0; i < len; i++) yr[i] = edge(x0, x1, x2, w, i, len, dw, b);
      continue;
    }
    for (size_t i = 0; i < dw; i++) {
      yr[i] = edge(x0, x1, x2, w, i, len, dw, b);
      yr[len - 1 - i] = edge(x0, x1, x2, w, len - 1 - i, len, dw, b);
    }
    /* Whole vectors over [dw, len − dw); the ragged end reruns one vector that ends there (same values). */
    for (size_t i = dw;; i += VW) {
      if (i + VW > len - dw) {
        if (i == len - dw) break;
        i = len - dw - VW;
      }
      const float* a = x0 + i - dw;
      const float* c = x1 + i - dw;
      const float* e = x2 + i - dw;
      VF s = vb + w0 * vload(a) + w3 * vload(c) + w6 * vload(e);
      VF t = w1 * vload(a + dw) + w4 * vload(c + dw) + w7 * vload(e + dw);
      s += w2 * vload(a + 2 * dw) + w5 * vload(c + 2 * dw) + w8 * vload(e + 2 * dw);
      vstore(yr + i, s + t);
    }
  }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
