/* Auto-generated. Do not edit. Template: native/src/kernels/f32-igemm.c.in Generator: native/src/kernels/generate.mjs */
/*
 * 6×8 register tile of a GEMM whose B is not packed: row p of B is the 8 floats at b + off[p]. A stride-1
 * convolution reads its receptive fields this way straight from the (zero-padded) input, each row a shifted window
 * of one input plane, so no im2col copy is made. The caller keeps 8 floats readable past every row. With init
 * the tile is stored as init[i] + the sum (the first pass over k starts from the bias) instead of added to C.
 */
#include "isa-wasmsimd.h"

void f32_igemm_6x8__wasmsimd(size_t m, size_t n, size_t kc, const float* a, const float* b, const ptrdiff_t* off,
                                  float* c, size_t ldc, const float* init) {
  VF acc0_0 = vsplat(0.0f);
  VF acc0_1 = vsplat(0.0f);
  VF acc1_0 = vsplat(0.0f);
  VF acc1_1 = vsplat(0.0f);
  VF acc2_0 = vsplat(0.0f);
  VF acc2_1 = vsplat(0.0f);
  VF acc3_0 = vsplat(0.0f);
  VF acc3_1 = vsplat(0.0f);
  VF acc4_0 = vsplat(0.0f);
  VF acc4_1 = vsplat(0.0f);
  VF acc5_0 = vsplat(0.0f);
  VF acc5_1 = vsplat(0.0f);
  for (size_t p = 0; p < kc; p++) {
    const float* bp = b + off[p];
    const VF b0 = vload(bp + 0);
    const VF b1 = vload(bp + 4);
    const VF a0 = vsplat(a[0]);
    acc0_0 += a0 * b0;
    acc0_1 += a0 * b1;
    const VF a1 = vsplat(a[1]);
    acc1_0 += a1 * b0;
    acc1_1 += a1 * b1;
    const VF a2 = vsplat(a[2]);
    acc2_0 += a2 * b0;
    acc2_1 += a2 * b1;
    const VF a3 = vsplat(a[3]);
    acc3_0 += a3 * b0;
    acc3_1 += a3 * b1;
    const VF a4 = vsplat(a[4]);
    acc4_0 += a4 * b0;
    acc4_1 += a4 * b1;
    const VF a5 = vsplat(a[5]);
    acc5_0 += a5 * b0;
    acc5_1 += a5 * b1;
    a += 6;
  }
  if (m == 6 && n == 8 && init) {
    vstore(c + 0 * ldc + 0, vsplat(init[0]) + acc0_0);
    vstore(c + 0 * ldc + 4, vsplat(init[0]) + acc0_1);
    vstore(c + 1 * ldc + 0, vsplat(init[1]) + acc1_0);
    vstore(c + 1 * ldc + 4, vsplat(init[1]) + acc1_1);
    vstore(c + 2 * ldc + 0, vsplat(init[2]) + acc2_0);
    vstore(c + 2 * ldc + 4, vsplat(init[2]) + acc2_1);
    vstore(c + 3 * ldc + 0, vsplat(init[3]) + acc3_0);
    vstore(c + 3 * ldc + 4, vsplat(init[3]) + acc3_1);
    vstore(c + 4 * ldc + 0, vsplat(init[4]) + acc4_0);
    vstore(c + 4 * ldc + 4, vsplat(init[4]) + acc4_1);
    vstore(c + 5 * ldc + 0, vsplat(init[5]) + acc5_0);
    vstore(c + 5 * ldc + 4, vsplat(init[5]) + acc5_1);
  } else if (m == 6 && n == 8) {
    vstore(c + 0 * ldc + 0, vload(c + 0 * ldc + 0) + acc0_0);
    vstore(c + 0 * ldc + 4, vload(c + 0 * ldc + 4) + acc0_1);
    vstore(c + 1 * ldc + 0, vload(c + 1 * ldc + 0) + acc1_0);
    vstore(c + 1 * ldc + 4, vload(c + 1 * ldc + 4) + acc1_1);
    vstore(c + 2 * ldc + 0, vload(c + 2 * ldc + 0) + acc2_0);
    vstore(c + 2 * ldc + 4, vload(c + 2 * ldc + 4) + acc2_1);
    vstore(c + 3 * ldc + 0, vload(c + 3 * ldc + 0) + acc3_0);
    vstore(c + 3 * ldc + 4, vload(c + 3 * ldc + 4) + acc3_1);
    vstore(c + 4 * ldc + 0, vload(c + 4 * ldc + 0) + acc4_0);
    vstore(c + 4 * ldc + 4, vload(c + 4 * ldc + 4) + acc4_1);
    vstore(c + 5 * ldc + 0, vload(c + 5 * ldc + 0) + acc5_0);
    vstore(c + 5 * ldc + 4, vload(c + 5 * ldc + 4) + acc5_1);
  } else {
    float tile[6 * 8];
    vstore(tile + 0, acc0_0);
    vstore(tile + 4, acc0_1);
    vstore(tile + 8, acc1_0);
    vstore(tile + 12, acc1_1);
    vstore(tile + 16, acc2_0);
    vstore(tile + 20, acc2_1);
    vstore(tile + 24, acc3_0);
    vstore(tile + 28, acc3_1);
    vstore(tile + 32, acc4_0);
    vstore(tile + 36, acc4_1);
    vstore(tile + 40, acc5_0);
    vstore(tile + 44, acc5_1);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) c[i * ldc + j] = (init ? init[i] : c[i * ldc + j]) + tile[i * 8 + j];
  }
}
#ifdef CL_ISA_POP
#pragma clang attribute pop
#endif
