/* Auto-generated. Do not edit. Template: native/src/kernels/f32-igemm.c.in Generator: native/src/kernels/generate.mjs */
/*
 * 2×4 register tile of a GEMM whose B is not packed: row p of B is the 4 floats at b + off[p]. A stride-1
 * convolution reads its receptive fields this way straight from the (zero-padded) input, each row a shifted window
 * of one input plane, so no im2col copy is made. The caller keeps 4 floats readable past every row. With init
 * the tile is stored as init[i] + the sum (the first pass over k starts from the bias) instead of added to C.
 */
#include "isa-scalar.h"

void f32_igemm_2x4__scalar(size_t m, size_t n, size_t kc, const float* a, const float* b, const ptrdiff_t* off,
                                  float* c, size_t ldc, const float* init) {
  VF acc0_0 = vsplat(0.0f);
  VF acc0_1 = vsplat(0.0f);
  VF acc0_2 = vsplat(0.0f);
  VF acc0_3 = vsplat(0.0f);
  VF acc1_0 = vsplat(0.0f);
  VF acc1_1 = vsplat(0.0f);
  VF acc1_2 = vsplat(0.0f);
  VF acc1_3 = vsplat(0.0f);
  for (size_t p = 0; p < kc; p++) {
    const float* bp = b + off[p];
    const VF b0 = vload(bp + 0);
    const VF b1 = vload(bp + 1);
    const VF b2 = vload(bp + 2);
    const VF b3 = vload(bp + 3);
    const VF a0 = vsplat(a[0]);
    acc0_0 += a0 * b0;
    acc0_1 += a0 * b1;
    acc0_2 += a0 * b2;
    acc0_3 += a0 * b3;
    const VF a1 = vsplat(a[1]);
    acc1_0 += a1 * b0;
    acc1_1 += a1 * b1;
    acc1_2 += a1 * b2;
    acc1_3 += a1 * b3;
    a += 2;
  }
  if (m == 2 && n == 4 && init) {
    vstore(c + 0 * ldc + 0, vsplat(init[0]) + acc0_0);
    vstore(c + 0 * ldc + 1, vsplat(init[0]) + acc0_1);
    vstore(c + 0 * ldc + 2, vsplat(init[0]) + acc0_2);
    vstore(c + 0 * ldc + 3, vsplat(init[0]) + acc0_3);
    vstore(c + 1 * ldc + 0, vsplat(init[1]) + acc1_0);
    vstore(c + 1 * ldc + 1, vsplat(init[1]) + acc1_1);
    vstore(c + 1 * ldc + 2, vsplat(init[1]) + acc1_2);
    vstore(c + 1 * ldc + 3, vsplat(init[1]) + acc1_3);
  } else if (m == 2 && n == 4) {
    vstore(c + 0 * ldc + 0, vload(c + 0 * ldc + 0) + acc0_0);
    vstore(c + 0 * ldc + 1, vload(c + 0 * ldc + 1) + acc0_1);
    vstore(c + 0 * ldc + 2, vload(c + 0 * ldc + 2) + acc0_2);
    vstore(c + 0 * ldc + 3, vload(c + 0 * ldc + 3) + acc0_3);
    vstore(c + 1 * ldc + 0, vload(c + 1 * ldc + 0) + acc1_0);
    vstore(c + 1 * ldc + 1, vload(c + 1 * ldc + 1) + acc1_1);
    vstore(c + 1 * ldc + 2, vload(c + 1 * ldc + 2) + acc1_2);
    vstore(c + 1 * ldc + 3, vload(c + 1 * ldc + 3) + acc1_3);
  } else {
    float tile[2 * 4];
    vstore(tile + 0, acc0_0);
    vstore(tile + 1, acc0_1);
    vstore(tile + 2, acc0_2);
    vstore(tile + 3, acc0_3);
    vstore(tile + 4, acc1_0);
    vstore(tile + 5, acc1_1);
    vstore(tile + 6, acc1_2);
    vstore(tile + 7, acc1_3);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) c[i * ldc + j] = (init ? init[i] : c[i * ldc + j]) + tile[i * 4 + j];
  }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
