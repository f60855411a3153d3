/* Auto-generated. Do not edit. Template: native/src/kernels/f32-dots.c.in Generator: native/src/kernels/generate.mjs */
/*
 * 2×4 dot products of rows: c[i·ldc + j] += Σ_q a[i·lda + q] · b[off[j] + q] for q < len (a multiple of the
 * vector width), i < m ≤ 2, j < n ≤ 4. The filter gradient of a stride-1 convolution is this with a = the
 * output gradient and b = shifted windows of the zero-padded input: neither operand is packed.
 */
#include "isa-avx2.h"

void f32_dots_2x4__avx2(size_t m, size_t n, size_t len, const float* a, size_t lda, const float* b,
                                 const ptrdiff_t* off, float* c, size_t ldc) {
  /* Missing rows and columns repeat the last one; their sums are not stored. */
  const float* a0 = a + (0 < m ? 0 : m - 1) * lda;
  const float* a1 = a + (1 < m ? 1 : m - 1) * lda;
  const float* b0 = b + off[0 < n ? 0 : n - 1];
  const float* b1 = b + off[1 < n ? 1 : n - 1];
  const float* b2 = b + off[2 < n ? 2 : n - 1];
  const float* b3 = b + off[3 < n ? 3 : n - 1];
  VF acc0_0 = vsplat(0.0f);
  VF acc0_1 = vsplat(0.0f);
  VF acc0_2 = vsplat(0.0f);
  VF acc0_3 = vsplat(0.0f);
  VF acc1_0 = vsplat(0.0f);
  VF acc1_1 = vsplat(0.0f);
  VF acc1_2 = vsplat(0.0f);
  VF acc1_3 = vsplat(0.0f);
  for (size_t q = 0; q < len; q += VW) {
    const VF vb0 = vload(b0 + q);
    const VF vb1 = vload(b1 + q);
    const VF vb2 = vload(b2 + q);
    const VF vb3 = vload(b3 + q);
    const VF va0 = vload(a0 + q);
    acc0_0 += va0 * vb0;
    acc0_1 += va0 * vb1;
    acc0_2 += va0 * vb2;
    acc0_3 += va0 * vb3;
    const VF va1 = vload(a1 + q);
    acc1_0 += va1 * vb0;
    acc1_1 += va1 * vb1;
    acc1_2 += va1 * vb2;
    acc1_3 += va1 * vb3;
  }
  if (0 < m && 0 < n) c[0 * ldc + 0] += vhsum(acc0_0);
  if (0 < m && 1 < n) c[0 * ldc + 1] += vhsum(acc0_1);
  if (0 < m && 2 < n) c[0 * ldc + 2] += vhsum(acc0_2);
  if (0 < m && 3 < n) c[0 * ldc + 3] += vhsum(acc0_3);
  if (1 < m && 0 < n) c[1 * ldc + 0] += vhsum(acc1_0);
  if (1 < m && 1 < n) c[1 * ldc + 1] += vhsum(acc1_1);
  if (1 < m && 2 < n) c[1 * ldc + 2] += vhsum(acc1_2);
  if (1 < m && 3 < n) c[1 * ldc + 3] += vhsum(acc1_3);
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
