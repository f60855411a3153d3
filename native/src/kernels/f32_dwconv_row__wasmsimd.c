/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dwconv-row.c.in Generator: native/src/kernels/generate.mjs */
/* One output row of a stride-1 depthwise convolution over a zero-padded plane: y[i] = b + Σ_t w[t]·x[i + off[t]]. */
#include "isa-wasmsimd.h"

static inline VF dw_vec(size_t taps, const float* w, const ptrdiff_t* off, const float* x, float b) {
  VF a = vsplat(b);
  for (size_t t = 0; t < taps; t++) a += vsplat(w[t]) * vload(x + off[t]);
  return a;
}

void f32_dwconv_row__wasmsimd(size_t len, size_t taps, const float* w, const ptrdiff_t* off, const float* x, float b,
                            float* y) {
  size_t i = 0;
  for (; i + 2 * VW <= len; i += 2 * VW) {
    VF a0 = vsplat(b), a1 = vsplat(b);
    for (size_t t = 0; t < taps; t++) {
      const VF wt = vsplat(w[t]);
      const float* p = x + off[t] + i;
      a0 += wt * vload(p);
      a1 += wt * vload(p + VW);
    }
    vstore(y + i, a0);
    vstore(y + i + VW, a1);
  }
  for (; i + VW <= len; i += VW) vstore(y + i, dw_vec(taps, w, off, x + i, b));
  /* The ragged end: one more full vector ending at len, recomputing a few outputs with the same values. */
  if (i < len && len >= VW) vstore(y + len - VW, dw_vec(taps, w, off, x + len - VW, b));
  else
    for (; i < len; i++) {
      float s = b;
      for (size_t t = 0; t < taps; t++) s += w[t] * x[off[t] + i];
      y[i] = s;
    }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
