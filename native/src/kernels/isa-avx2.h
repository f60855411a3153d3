/* AVX2 + FMA (x86-64): 8 float lanes; enabled for this translation unit only, chosen at run time. */
#include <stddef.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx2,fma")
#elif defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define CL_ISA_POP 1
#endif
#include <immintrin.h>
#define VW 8
typedef float VF __attribute__((vector_size(32), aligned(4)));
/*
 * Intrinsics, not memcpy: GCC 12 expands a 32-byte memcpy under a target pragma as two 16-byte moves through the
 * stack, which stalls store forwarding and pushes every accumulator to memory (the 6×16 tile ran at 3 GFLOP/s).
 */
static inline VF vload(const float* p) { return (VF)_mm256_loadu_ps(p); }
static inline void vstore(float* p, VF v) { _mm256_storeu_ps(p, (__m256)v); }
/* A literal: (VF){0} + x would add 0.0 to x first (not foldable, as -0.0 + 0.0 is +0.0). */
static inline VF vsplat(float x) { return (VF){x, x, x, x, x, x, x, x}; }
/* Halving in registers, not lane by lane. */
static inline float vhsum(VF v) {
  __m128 a = _mm_add_ps(_mm256_castps256_ps128((__m256)v), _mm256_extractf128_ps((__m256)v, 1));
  a = _mm_add_ps(a, _mm_movehl_ps(a, a));
  return _mm_cvtss_f32(_mm_add_ss(a, _mm_movehdup_ps(a)));
}
