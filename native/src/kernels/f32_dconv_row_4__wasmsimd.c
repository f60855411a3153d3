/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dconv-row.c.in Generator: native/src/kernels/generate.mjs */
/*
 * One output row of 4 output channels of a stride-1 direct convolution over zero-padded input planes, for
 * groups too narrow for GEMM to pay (few output channels per group): each input vector feeds 4 accumulators.
 *   y[k·ys + i] = b[k] + Σ_c Σ_t w[k·ws + c·taps + t] · x[c·xs + off[t] + i]
 */
#include "isa-wasmsimd.h"

void f32_dconv_row_4__wasmsimd(size_t len, size_t cin, size_t taps, const float* w, size_t ws, const ptrdiff_t* off,
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
    VF a1_0 = vsplat(b[1]), a1_1 = vsplat(b[1]);
    VF a2_0 = vsplat(b[2]), a2_1 = vsplat(b[2]);
    VF a3_0 = vsplat(b[3]), a3_1 = vsplat(b[3]);
    for (size_t c = 0; c < cin; c++) {
      const float* xc = x + c * xs + i;
      const float* wc = w + c * taps;
      for (size_t t = 0; t < taps; t++) {
        const VF x0 = vload(xc + off[t]);
        const VF x1 = two ? vload(xc + off[t] + VW) : x0;
        { const VF wk = vsplat(wc[0 * ws + t]); a0_0 += wk * x0; a0_1 += wk * x1; }
        { const VF wk = vsplat(wc[1 * ws + t]); a1_0 += wk * x0; a1_1 += wk * x1; }
        { const VF wk = vsplat(wc[2 * ws + t]); a2_0 += wk * x0; a2_1 += wk * x1; }
        { const VF wk = vsplat(wc[3 * ws + t]); a3_0 += wk * x0; a3_1 += wk * x1; }
      }
    }
    vstore(y + 0 * ys + i, a0_0);
    if (two) vstore(y + 0 * ys + i + VW, a0_1);
    vstore(y + 1 * ys + i, a1_0);
    if (two) vstore(y + 1 * ys + i + VW, a1_1);
    vstore(y + 2 * ys + i, a2_0);
    if (two) vstore(y + 2 * ys + i + VW, a2_1);
    vstore(y + 3 * ys + i, a3_0);
    if (two) vstore(y + 3 * ys + i + VW, a3_1);
    i += two ? 2 * VW : VW;
  }
  for (; i < len; i++)
    for (size_t k = 0; k < 4; k++) {
      float s = b[k];
      for (size_t c = 0; c < cin; c++)
        for (size_t t = 0; t < taps; t++) s += w[k * ws + c * taps + t] * x[c * xs + off[t] + i];
      y[k * ys + i] = s;
    }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
