{
  "targets": [
    {
      "target_name": "convlab",
      "sources": [
        "addon/addon.c",
        "addon/pool.c",
        "src/config.c",
        "src/gemm.c",
        "src/conv.c",
        "src/conv_backward.c",
        "src/deform.c",
        "src/kernels/f32_gemm_8x32__avx512.c",
        "src/kernels/f32_gemm_4x32__avx512.c",
        "src/kernels/f32_gemm_6x16__avx2.c",
        "src/kernels/f32_gemm_4x16__avx2.c",
        "src/kernels/f32_gemm_6x8__sse2.c",
        "src/kernels/f32_gemm_4x8__sse2.c",
        "src/kernels/f32_gemm_4x4__scalar.c",
        "src/kernels/f32_gemm_2x4__scalar.c",
        "src/kernels/f32_dwconv_row__avx512.c",
        "src/kernels/f32_dwconv_row__avx2.c",
        "src/kernels/f32_dwconv_row__sse2.c",
        "src/kernels/f32_dwconv_row__scalar.c",
        "src/kernels/f32_dwconv_3x3__avx512.c",
        "src/kernels/f32_dwconv_3x3__avx2.c",
        "src/kernels/f32_dwconv_3x3__sse2.c",
        "src/kernels/f32_dwconv_3x3__scalar.c",
        "src/kernels/f32_dconv_row_4__avx512.c",
        "src/kernels/f32_dconv_row_1__avx512.c",
        "src/kernels/f32_dconv_row_4__avx2.c",
        "src/kernels/f32_dconv_row_1__avx2.c",
        "src/kernels/f32_dconv_row_4__sse2.c",
        "src/kernels/f32_dconv_row_1__sse2.c",
        "src/kernels/f32_dconv_row_4__scalar.c",
        "src/kernels/f32_dconv_row_1__scalar.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-fno-strict-aliasing", "-Wno-unused-parameter"],
      "cflags!": ["-O2", "-O0"],
      "libraries": ["-lpthread"]
    }
  ]
}
