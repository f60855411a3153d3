/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dwconv-3x3.c.in Generator: native/src/kernels/generate.mjs */
/*
 * A whole output plane of a stride-1 3×3 depthwise convolution over a zero-padded plane, the nine weights held in
 * registers: y[r·ys + i] = b + Σ_{kh,kw} w[3kh + kw] · x[(r + kh·dh)·xs + i + kw·dw].
 */
#include "isa-avx512.h"

void f32_dwconv_3x3__avx512(size_t rows, size_t len, const float* w, const float* x, size_t xs, size_t dh, size_t dw,
                            float b, float* y, size_t ys) {
  const VF w0 = vsplat(w[0]), w1 = vsplat(w[1]), w2 = vsplat(w[2]), w3 = vsplat(w[3]), w4 = vsplat(w[4]);
  const VF w5 = vsplat(w[5]), w6 = vsplat(w[6]), w7 = vsplat(w[7]), w8 = vsplat(w[8]), vb = vsplat(b);
  for (size_t r = 0; r < rows; r++) {
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
