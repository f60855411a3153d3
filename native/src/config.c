/*
 * Dispatch is data: the kernel table of each build, best first. The addon picks the first entry the CPU
 * supports; the WASM module has SIMD128 and the scalar twin. Ops never branch on the instruction set.
 */
#include "convlab.h"

#define GEMM(name) void name(size_t, size_t, size_t, const float*, const float*, float*, size_t);
#define IGEMM(name) \
  void name(size_t, size_t, size_t, const float*, const float*, const ptrdiff_t*, float*, size_t, const float*);
#define DOTS(name) \
  void name(size_t, size_t, size_t, const float*, size_t, const float*, const ptrdiff_t*, float*, size_t);
#define DW(name) void name(size_t, size_t, const float*, const ptrdiff_t*, const float*, float, float*);
#define DW3U(name) \
  void name(size_t, size_t, const float*, const float*, size_t, size_t, const float*, float, float*);
#define DC(name) void name(size_t, size_t, size_t, const float*, size_t, const ptrdiff_t*, const float*, size_t, \
                          const float*, float*, size_t);
#define DW3(name) void name(size_t, size_t, const float*, const float*, size_t, size_t, size_t, float, float*, size_t);
#ifdef __wasm__
#ifdef __wasm_relaxed_simd__
GEMM(f32_gemm_6x8__wasmsimd) IGEMM(f32_igemm_6x8__wasmsimd)
#define WASM_TILE f32_gemm_6x8__wasmsimd, 6, 8
#define WASM_ITILE f32_igemm_6x8__wasmsimd
#else
GEMM(f32_gemm_5x8__wasmsimd) IGEMM(f32_igemm_5x8__wasmsimd)
#define WASM_TILE f32_gemm_5x8__wasmsimd, 5, 8
#define WASM_ITILE f32_igemm_5x8__wasmsimd
#endif
GEMM(f32_gemm_4x8__wasmsimd) IGEMM(f32_igemm_4x8__wasmsimd) DOTS(f32_dots_2x4__wasmsimd)
DW(f32_dwconv_row__wasmsimd) DW3(f32_dwconv_3x3__wasmsimd) DW3U(f32_dwconv_3x3_unpadded__wasmsimd)
DC(f32_dconv_row_4__wasmsimd) DC(f32_dconv_row_1__wasmsimd)
#else
GEMM(f32_gemm_8x48__avx512) GEMM(f32_gemm_4x48__avx512) IGEMM(f32_igemm_8x48__avx512) IGEMM(f32_igemm_4x48__avx512)
DOTS(f32_dots_4x4__avx512) DW(f32_dwconv_row__avx512) DW3(f32_dwconv_3x3__avx512) DW3U(f32_dwconv_3x3_unpadded__avx512)
DC(f32_dconv_row_4__avx512) DC(f32_dconv_row_1__avx512)
GEMM(f32_gemm_6x16__avx2) GEMM(f32_gemm_4x16__avx2) IGEMM(f32_igemm_6x16__avx2) IGEMM(f32_igemm_4x16__avx2)
DOTS(f32_dots_2x4__avx2) DW(f32_dwconv_row__avx2) DW3(f32_dwconv_3x3__avx2) DW3U(f32_dwconv_3x3_unpadded__avx2)
DC(f32_dconv_row_4__avx2) DC(f32_dconv_row_1__avx2)
GEMM(f32_gemm_6x8__sse2) GEMM(f32_gemm_4x8__sse2) IGEMM(f32_igemm_6x8__sse2) IGEMM(f32_igemm_4x8__sse2)
DOTS(f32_dots_2x4__sse2) DW(f32_dwconv_row__sse2) DW3(f32_dwconv_3x3__sse2) DW3U(f32_dwconv_3x3_unpadded__sse2)
DC(f32_dconv_row_4__sse2) DC(f32_dconv_row_1__sse2)
#endif
GEMM(f32_gemm_4x4__scalar) GEMM(f32_gemm_2x4__scalar) IGEMM(f32_igemm_4x4__scalar) IGEMM(f32_igemm_2x4__scalar)
DOTS(f32_dots_2x4__scalar) DW(f32_dwconv_row__scalar) DW3(f32_dwconv_3x3__scalar) DW3U(f32_dwconv_3x3_unpadded__scalar)
DC(f32_dconv_row_4__scalar) DC(f32_dconv_row_1__scalar)

static const cl_config configs[] = {
    /* name, gemm tile (mr × nr), small tile, igemm tiles, dots tile, depthwise and narrow-group rows, kc */
#ifdef __wasm__
    {"wasmsimd", WASM_TILE, f32_gemm_4x8__wasmsimd, 4, WASM_ITILE, f32_igemm_4x8__wasmsimd,
     f32_dots_2x4__wasmsimd, 2, 4, f32_dwconv_row__wasmsimd, f32_dwconv_3x3__wasmsimd,
     f32_dwconv_3x3_unpadded__wasmsimd, f32_dconv_row_4__wasmsimd,
     f32_dconv_row_1__wasmsimd, 256},
#else
    {"avx512", f32_gemm_8x48__avx512, 8, 48, f32_gemm_4x48__avx512, 4, f32_igemm_8x48__avx512, f32_igemm_4x48__avx512,
     f32_dots_4x4__avx512, 4, 4, f32_dwconv_row__avx512, f32_dwconv_3x3__avx512,
     f32_dwconv_3x3_unpadded__avx512, f32_dconv_row_4__avx512,
     f32_dconv_row_1__avx512, 256},
    {"avx2", f32_gemm_6x16__avx2, 6, 16, f32_gemm_4x16__avx2, 4, f32_igemm_6x16__avx2, f32_igemm_4x16__avx2,
     f32_dots_2x4__avx2, 2, 4, f32_dwconv_row__avx2, f32_dwconv_3x3__avx2,
     f32_dwconv_3x3_unpadded__avx2, f32_dconv_row_4__avx2,
     f32_dconv_row_1__avx2, 256},
    {"sse2", f32_gemm_6x8__sse2, 6, 8, f32_gemm_4x8__sse2, 4, f32_igemm_6x8__sse2, f32_igemm_4x8__sse2,
     f32_dots_2x4__sse2, 2, 4, f32_dwconv_row__sse2, f32_dwconv_3x3__sse2,
     f32_dwconv_3x3_unpadded__sse2, f32_dconv_row_4__sse2,
     f32_dconv_row_1__sse2, 256},
#endif
    {"scalar", f32_gemm_4x4__scalar, 4, 4, f32_gemm_2x4__scalar, 2, f32_igemm_4x4__scalar, f32_igemm_2x4__scalar,
     f32_dots_2x4__scalar, 2, 4, f32_dwconv_row__scalar, f32_dwconv_3x3__scalar,
     f32_dwconv_3x3_unpadded__scalar, f32_dconv_row_4__scalar,
     f32_dconv_row_1__scalar, 256},
};

static int selected = -1;

const cl_config* cl_configs(int* count) {
  *count = (int)(sizeof configs / sizeof configs[0]);
  return configs;
}

/* Whether this CPU runs an entry's kernels. */
static int supported(const cl_config* c) {
#if defined(__x86_64__) && !defined(__wasm__)
  const char* n = c->name;
  if (n[0] == 'a' && n[3] == '5') return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  if (n[0] == 'a' && n[3] == '2') return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  (void)c;
  return 1;
}

int cl_select(const char* name) {
  int count;
  cl_configs(&count);
  for (int i = 0; i < count; i++) {
    const char* a = configs[i].name;
    const char* b = name;
    while (*a && *a == *b) a++, b++;
    if (*a == 0 && *b == 0 && supported(&configs[i])) {
      selected = i;
      return 1;
    }
  }
  return 0;
}

const cl_config* cl_current(void) {
  if (selected < 0) {
    int count;
    cl_configs(&count);
    for (selected = 0; selected < count - 1 && !supported(&configs[selected]); selected++) {
    }
  }
  return &configs[selected];
}
