/*
 * The strided copy behind permute, slice, cat and constant pad. Dims are first merged where both sides are
 * contiguous across them (a slice of rows becomes a few long runs), unit dims dropped. A last dim contiguous on both
 * sides is a memcpy per run; a transpose of the last two dims (the source's last dim strided, its second-to-last
 * contiguous) goes through 8×8 blocks so both sides are read and written along cache lines. The outermost dim is
 * split over threads for large copies.
 */
#include "normpool.h"

#include "clmem.h"

typedef struct {
  int nd;
  int shape[CL_COPY_MAX_DIMS];
  ptrdiff_t ss[CL_COPY_MAX_DIMS], ds[CL_COPY_MAX_DIMS];
  const float* src;
  float* dst;
} copy_job;

#define BLOCK 8

/* dims nd-2, nd-1 with the source contiguous along nd-2: blocks of BLOCK × BLOCK. */
static void transpose2(const float* s, ptrdiff_t ss0, ptrdiff_t ss1, float* d, ptrdiff_t ds0, ptrdiff_t ds1, int n0,
                       int n1) {
  for (int a = 0; a < n0; a += BLOCK)
    for (int b = 0; b < n1; b += BLOCK) {
      int ea = a + BLOCK < n0 ? a + BLOCK : n0, eb = b + BLOCK < n1 ? b + BLOCK : n1;
      for (int j = b; j < eb; j++)
        for (int i = a; i < ea; i++) d[i * ds0 + j * ds1] = s[i * ss0 + j * ss1];
    }
}

/* Copies the sub-box of dims [dim, nd) at s → d. */
static void copy_dims(const copy_job* j, int dim, const float* s, float* d) {
  int nd = j->nd;
  if (dim == nd - 1) {
    int n = j->shape[dim];
    ptrdiff_t a = j->ss[dim], b = j->ds[dim];
    if (a == 1 && b == 1)
      memcpy(d, s, (size_t)n * sizeof(float));
    else
      for (int i = 0; i < n; i++) d[i * b] = s[i * a];
    return;
  }
  if (dim == nd - 2 && j->ss[nd - 2] == 1 && j->ds[nd - 1] == 1) {
    transpose2(s, 1, j->ss[nd - 1], d, j->ds[nd - 2], 1, j->shape[nd - 2], j->shape[nd - 1]);
    return;
  }
  for (int i = 0; i < j->shape[dim]; i++) copy_dims(j, dim + 1, s + i * j->ss[dim], d + i * j->ds[dim]);
}

static void copy_task(void* ctx, int i, int thread) {
  (void)thread;
  const copy_job* j = ctx;
  copy_dims(j, 1, j->src + i * j->ss[0], j->dst + i * j->ds[0]);
}

/* A 2-D transpose: task i takes BLOCK rows of dim 0. */
static void transpose_task(void* ctx, int i, int thread) {
  (void)thread;
  const copy_job* j = ctx;
  int a = i * BLOCK, n0 = j->shape[0] - a < BLOCK ? j->shape[0] - a : BLOCK;
  transpose2(j->src + a, 1, j->ss[1], j->dst + a * j->ds[0], j->ds[0], 1, n0, j->shape[1]);
}

void cl_strided_copy(int nd, const int* shape, const float* src, const int* srcStrides, float* dst,
                     const int* dstStrides) {
  copy_job j = {.nd = 0, .src = src, .dst = dst};
  size_t total = 1;
  for (int k = 0; k < nd; k++) {
    if (shape[k] == 0) return;
    total *= shape[k];
    if (shape[k] == 1) continue;
    int m = j.nd;
    /* merge into the previous kept dim when both sides step across it contiguously */
    if (m > 0 && j.ss[m - 1] == (ptrdiff_t)srcStrides[k] * shape[k] && j.ds[m - 1] == (ptrdiff_t)dstStrides[k] * shape[k]) {
      j.shape[m - 1] *= shape[k];
      j.ss[m - 1] = srcStrides[k], j.ds[m - 1] = dstStrides[k];
      continue;
    }
    j.shape[m] = shape[k], j.ss[m] = srcStrides[k], j.ds[m] = dstStrides[k], j.nd++;
  }
  if (j.nd == 0) {
    *dst = *src;
    return;
  }
  if (j.nd == 1) {
    copy_dims(&j, 0, src, dst);
    return;
  }
  if (j.nd == 2 && j.ss[0] == 1 && j.ds[1] == 1)
    cl_np_run((j.shape[0] + BLOCK - 1) / BLOCK, 2 * total, transpose_task, &j);
  else
    cl_np_run(j.shape[0], 2 * total, copy_task, &j);
}
