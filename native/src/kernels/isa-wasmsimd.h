/* WebAssembly SIMD128: 4 float lanes (the module is built with -msimd128). */
#include <stddef.h>
#define VW 4
typedef float VF __attribute__((vector_size(16), aligned(4)));
static inline VF vload(const float* p) { VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float* p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
static inline VF vsplat(float x) { return (VF){0} + x; }
