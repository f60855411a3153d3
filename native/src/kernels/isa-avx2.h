/* AVX2 + FMA (x86-64): 8 float lanes; enabled for this translation unit only, chosen at run time. */
#include <stddef.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx2,fma")
#elif defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define CL_ISA_POP 1
#endif
#define VW 8
typedef float VF __attribute__((vector_size(32), aligned(4)));
static inline VF vload(const float* p) { VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float* p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
/* A literal: (VF){0} + x would add 0.0 to x first (not foldable, as -0.0 + 0.0 is +0.0). */
static inline VF vsplat(float x) { return (VF){x, x, x, x, x, x, x, x}; }
static inline float vhsum(VF v) {
  float s = 0;
  for (int l = 0; l < VW; l++) s += v[l];
  return s;
}
