/*
 * convlab's C core: the backend contract's heavy primitives, compiled both to the Node addon (per-ISA kernels,
 * chosen at run time) and to WebAssembly (SIMD128). Callers own every buffer; scratch comes from a workspace
 * the caller sizes with the *_workspace functions, so no call allocates.
 */
#ifndef CONVLAB_H
#define CONVLAB_H
#include <stddef.h>
#include <stdint.h>

/* Geometry of a grouped 3-D convolution (a 2-D one has depth 1), as in src/backend/contract.ts. */
typedef struct {
  int n, c, k, groups;
  int in[3], out[3], kernel[3], stride[3], pad[3], dil[3];
} cl_geom;

/* Geometry of deformable sampling (torchvision semantics). */
typedef struct {
  int n, c, inH, inW, outH, outW, kH, kW, sH, sW, pH, pW, dH, dW, offsetGroups;
} cl_deform;

/* out[0..kc) of packed A (mr floats per k) times packed B (nr floats per k) accumulated into C. */
typedef void (*cl_gemm_ukernel)(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                                size_t ldc);
/* The same tile with B unpacked: row p of B is the nr floats at b + off[p] (stride-1 convolution, no im2col); with
 * init, C = init[row] + A·B instead of C += A·B. */
typedef void (*cl_igemm_ukernel)(size_t m, size_t n, size_t kc, const float* a, const float* b, const ptrdiff_t* off,
                                 float* c, size_t ldc, const float* init);
/* Row dot products: c[i·ldc + j] += Σ_{q<len} a[i·lda + q] · b[off[j] + q], i < m, j < n (the filter gradient). */
typedef void (*cl_dots_ukernel)(size_t m, size_t n, size_t len, const float* a, size_t lda, const float* b,
                                const ptrdiff_t* off, float* c, size_t ldc);
/* One output row of a depthwise convolution with stride 1: y[i] = b + Σ_t w[t] · x[i + off[t]], i < len. */
typedef void (*cl_dw_row)(size_t len, size_t taps, const float* w, const ptrdiff_t* off, const float* x,
                          float b, float* y);

/* One output row of kb output channels of a stride-1 direct convolution over cin zero-padded planes. */
typedef void (*cl_dconv_row)(size_t len, size_t cin, size_t taps, const float* w, size_t ws, const ptrdiff_t* off,
                             const float* x, size_t xs, const float* b, float* y, size_t ys);

/* A whole output plane of a stride-1 3×3 depthwise convolution over a zero-padded plane. */
typedef void (*cl_dw_3x3)(size_t rows, size_t len, const float* w, const float* x, size_t xs, size_t dh, size_t dw,
                          float b, float* y, size_t ys);

/* A whole output plane of a stride-1 3×3 depthwise convolution with "same" padding (dh rows, dw columns), read from
 * the unpadded input; zero holds at least len zeros. */
typedef void (*cl_dw_3x3u)(size_t rows, size_t len, const float* w, const float* x, size_t dh, size_t dw,
                           const float* zero, float b, float* y);

typedef struct {
  const char* name;
  cl_gemm_ukernel gemm; /* the main tile */
  int mr, nr;
  cl_gemm_ukernel gemm_small; /* for matrices of at most mr_small rows */
  int mr_small;
  cl_igemm_ukernel igemm, igemm_small; /* the two tiles reading B at offsets */
  cl_dots_ukernel dots;
  int dots_m, dots_n;
  cl_dw_row dw_row;
  cl_dw_3x3 dw3x3;
  cl_dw_3x3u dw3x3u;
  cl_dconv_row dconv4, dconv1; /* 4 and 1 output channels per call */
  int kc; /* depth of a packed panel: keeps an nr-wide strip of B in L1 */
} cl_config;

/* The kernel table of this build, best first; cl_select picks one by name (tests run every entry). */
const cl_config* cl_configs(int* count);
int cl_select(const char* name);
const cl_config* cl_current(void);

/* Parallel loop: fn(ctx, task, thread) for task in [0, tasks); provided by the platform (pool or workers). */
typedef void (*cl_task_fn)(void* ctx, int task, int thread);
void cl_parallel_for(int tasks, cl_task_fn fn, void* ctx);
int cl_threads(void);
/* While the count is positive (cl_serial(+1) … cl_serial(-1)), cl_parallel_for runs every task on the caller: work
 * too small to pay for waking another thread. */
void cl_serial(int delta);
/*
 * When an op splits across threads, one table for every op: below these sizes the calling thread runs it alone,
 * since handing work to another costs more than it saves (a few microseconds to publish a job and for a spinning
 * worker to claim from it, tens when the worker sleeps). How each was measured, on the 2-core machines this
 * project runs on (shared with other work, so 1 and 2 threads alternate in one process and medians are kept):
 *  - CL_SPLIT_FLOPS (convolutions and GEMMs, 2 × multiply-adds), Zen 3: ShuffleNet v1's grouped 1×1 layers of
 *    2.3-7 MFLOP (50-200 µs) split over two threads take 1.3-1.7× less time by their tasks' CPU times scheduled
 *    on two threads (wall times were too noisy on the loaded machine); its depthwise layers of 0.2-1 MFLOP
 *    (20-40 µs) gained nothing measurable.
 *  - CL_SPLIT_ELEMENTS (memory-bound element-wise passes: add, relu, copies) and CL_SPLIT_ELEMENTS_MATH (passes
 *    evaluating exp, log or tanh per element), elements per task, Zen 3: a second thread never paid for add or
 *    relu up to 4 M elements, and paid for exp from a few million.
 *  - CL_SPLIT_FLOATS_NORMPOOL (batch norm, pooling: floats of traffic), Zen 4: batch norm over 1 Mi floats took
 *    0.69-0.80 ms on one thread and 0.77-0.92 on two, over 4 Mi 6.4 against 3.9-7.3.
 */
#define CL_SPLIT_FLOPS 2e6
#define CL_SPLIT_ELEMENTS (1 << 20)
#define CL_SPLIT_ELEMENTS_MATH (1 << 19)
#define CL_SPLIT_FLOATS_NORMPOOL (4 * 1024 * 1024)

size_t cl_gemm_workspace(int m, int n, int k);
void cl_gemm(int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
             int ldb, float beta, float* c, int ldc, float* ws);

size_t cl_conv_workspace(const cl_geom* g);
void cl_conv_forward(const cl_geom* g, const float* x, const float* w, const float* bias, float* y, float* ws);
void cl_conv_backward_data(const cl_geom* g, const float* gy, const float* w, float* gx, float* ws);
void cl_conv_backward_filter(const cl_geom* g, const float* x, const float* gy, float* gw, float* ws);

void cl_deform_im2col(const cl_deform* g, const float* x, const float* offset, const float* mask, float* columns);
void cl_deform_col2im(const cl_deform* g, const float* x, const float* offset, const float* mask,
                      const float* gcol, float* gx, float* goffset, float* gmask);
#endif
