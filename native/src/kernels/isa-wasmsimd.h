/* WebAssembly SIMD128: 4 float lanes (the module is built with -msimd128). */
#include <stddef.h>
#define VW 4
typedef float VF __attribute__((vector_size(16), aligned(4)));
static inline VF vload(const float* p) { VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float* p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
/* A literal: (VF){0} + x would add 0.0 to x first (not foldable, as -0.0 + 0.0 is +0.0). */
static inline VF vsplat(float x) { return (VF){x, x, x, x}; }
static inline float vhsum(VF v) {
  float s = 0;
  for (int l = 0; l < VW; l++) s += v[l];
  return s;
}
