/*
 * Batch norm, pooling, resampling and strided copies (src/backend/contract.ts, NormPoolOps): memory-bound loops in
 * 4-lane vectors (SSE2 natively, SIMD128 in WASM), split over threads only above PAR_MIN floats of traffic
 * (norm.c).
 */
#ifndef CONVLAB_NORMPOOL_H
#define CONVLAB_NORMPOOL_H
#include "convlab.h"

/* A 2-D pooling window over `planes` planes of h×w giving oh×ow each, in the field order of PoolGeometry. */
typedef struct {
  int planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
} cl_pool;
#define CL_POOL_FIELDS 13

/* Four lanes: one SSE2 register natively (every x86-64), one SIMD128 register in WASM. Unaligned loads and stores. */
typedef float cl_v4 __attribute__((vector_size(16), aligned(4)));

/* Runs fn over tasks on the pool when `floats` of traffic pay for waking it (PAR_MIN in norm.c, measured), else
 * inline on the caller. */
void cl_np_run(int tasks, size_t floats, cl_task_fn fn, void* ctx);

void cl_batch_norm_forward(int n, int c, int inner, const float* x, const float* weight, const float* bias,
                           float* runningMean, float* runningVar, int training, float momentum, float eps, float* y,
                           float* saveMean, float* saveInvStd);
void cl_batch_norm_backward(int n, int c, int inner, const float* x, const float* gy, const float* weight,
                            const float* saveMean, const float* saveInvStd, int training, float* gx, float* gWeight,
                            float* gBias);

/* indices may be null (not wanted); the backward finds each window's argmax again from x. */
void cl_max_pool2d_forward(const cl_pool* g, const float* x, float* y, int32_t* indices);
void cl_max_pool2d_backward(const cl_pool* g, const float* x, const float* gy, float* gx);
void cl_avg_pool2d_forward(const cl_pool* g, int countIncludePad, int divisorOverride, const float* x, float* y);
void cl_avg_pool2d_backward(const cl_pool* g, int countIncludePad, int divisorOverride, const float* gy, float* gx);
void cl_adaptive_avg_pool2d_forward(const cl_pool* g, const float* x, float* y);
void cl_adaptive_avg_pool2d_backward(const cl_pool* g, const float* gy, float* gx);

/* mode 0 nearest, 1 bilinear; g's kernel fields are unused. */
void cl_interpolate2d_forward(const cl_pool* g, int mode, int alignCorners, double scaleH, double scaleW,
                              const float* x, float* y);
void cl_interpolate2d_backward(const cl_pool* g, int mode, int alignCorners, double scaleH, double scaleW,
                               const float* gy, float* gx);

/* dst[Σ iₖ·dstStrides[k]] = src[Σ iₖ·srcStrides[k]] over shape (nd ≤ 8); offsets are already applied. */
#define CL_COPY_MAX_DIMS 8
void cl_strided_copy(int nd, const int* shape, const float* src, const int* srcStrides, float* dst,
                     const int* dstStrides);
#endif
