/* Scalar: one lane. The twin every vector kernel is tested against. */
#include <stddef.h>
#define VW 1
typedef float VF;
static inline VF vload(const float* p) { return *p; }
static inline void vstore(float* p, VF v) { *p = v; }
static inline VF vsplat(float x) { return x; }
static inline float vhsum(VF v) { return v; }
