/* AVX-512 (x86-64): 16 float lanes; enabled for this translation unit only, chosen at run time. */
#include <stddef.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx512f,avx512vl,avx2,fma")
#elif defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx2,fma"))), apply_to = function)
#define CL_ISA_POP 1
#endif
#include <immintrin.h>
#define VW 16
typedef float VF __attribute__((vector_size(64), aligned(4)));
static inline VF vload(const float* p) { VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float* p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
/* A literal: (VF){0} + x would add 0.0 to x first (not foldable, as -0.0 + 0.0 is +0.0). */
static inline VF vsplat(float x) { return (VF){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }
/* Halving in registers (4 adds), not lane by lane (15). */
static inline float vhsum(VF v) { return _mm512_reduce_add_ps((__m512)v); }
