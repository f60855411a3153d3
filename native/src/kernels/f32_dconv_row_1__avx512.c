/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dconv-row.c.in Generator: native/src/kernels/generate.mjs */
/*
 * One output row of 1 output channels of a stride-1 direct convolution over zero-padded input planes, for
 * groups too narrow for GEMM to pay (few output channels per group): each input vector feeds 1 accumulators.
 *   y[k·ys + i] = b[k] + Σ_c Σ_t w[k·ws + c·taps + t] · x[c·xs + off[t] + i]
 */
#include "isa-avx512.h"

void f32_dconv_row_1__avx512(size_t len, size_t cin, size_t taps, const float* w, size_t ws, const ptrdiff_t* off,
                                const float* x, size_t xs, const float* b, float* y, size_t ys) {
  size_t i = 0;
  for (;;) {
    /* Two vectors at a time; the ragged end reruns one vector that ends at len (same values, written twice). */
    int two = i + 2 * VW <= len;
    if (!two && i + VW > len) {
      if (i == len || len < VW) break;
      i = len - VW;
    }
    VF a0_0 = vsplat(b[0]), a0_1 = vsplat(b[0]);
    for (size_t c = 0; c < cin; c++) {
      const float* xc = x + c * xs + i;
      const float* wc = w + c * taps;
      for (size_t t = 0; t < taps; t++) {
        const VF x0 = vload(xc + off[t]);
        const VF x1 = two ? vload(xc + off[t] + VW) : x0;
        { const VF wk = vsplat(wc[0 * ws + t]); a0_0 += wk * x0; a0_1 += wk * x1; }
      }
    }
    vstore(y + 0 * ys + i, a0_0);
    if (two) vstore(y + 0 * ys + i + VW, a0_1);
    i += two ? 2 * VW : VW;
  }
  for (; i < len; i++)
    for (size_t k = 0; k < 1; k++) {
      float s = b[k];
      for (size_t c = 0; c < cin; c++)
        for (size_t t = 0; t < taps; t++) s += w[k * ws + c * taps + t] * x[c * xs + off[t] + i];
      y[k * ys + i] = s;
    }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
