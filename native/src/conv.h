/* What the convolution files share: the im2col view of an input, the job passed to tasks, geometry helpers. */
#ifndef CL_CONV_H
#define CL_CONV_H
#include "gemm.h"

typedef struct {
  const cl_geom* g;
  const float* x; /* one image, first channel of the group */
  int inPlane, outPlane;
} im2col_src;

/* Writes len values of im2col row r (channel, kd, kh, kw) for output positions p0 … p0+len. */
void cl_im2col_row(const im2col_src* s, int r, int p0, int len, float* dst);

/* The im2col matrix of a whole batch: column p is output position p % P of image p / P. */
typedef struct {
  const cl_geom* g;
  const float* x; /* image 0, first channel of the group */
  size_t image;   /* floats per input image */
  int P;          /* output positions per image */
} cl_batch_src;

/* Writes len values of batch im2col row r for batch positions p0 … p0+len (they may span images). */
void cl_batch_im2col_row(const cl_batch_src* b, int r, int p0, int len, float* dst);

typedef struct {
  const cl_geom* g;
  const float *x, *w, *bias, *gy;
  float *y, *ws;
  size_t wsPer;
  cl_split split;     /* the GEMM paths' tasks */
  const float* apack; /* their weights, packed once for every task (cl_pack_a_all) */
} conv_job;

static inline int cl_plane(const int* s) { return s[0] * s[1] * s[2]; }
static inline int cl_ksize(const cl_geom* g) { return g->kernel[0] * g->kernel[1] * g->kernel[2]; }
int cl_is_pointwise(const cl_geom* g);
/* Multiply-adds × 2 of the forward (each gradient costs as much). */
double cl_conv_flops(const cl_geom* g);
/* Depthwise fast path: 2-D, stride 1, one input channel per group. */
int cl_is_depthwise(const cl_geom* g);
/* The zero-padded plane a stride-1 kernel reads: height oH + dH(kH−1), width oW + dW(kW−1). */
int cl_padded_h(const cl_geom* g);
int cl_padded_w(const cl_geom* g);
/* The zero-padded copy of one input plane, hp × wp. */
void cl_pad_plane(const cl_geom* g, const float* x, float* dst, int hp, int wp);
size_t cl_dw_plane_floats(const cl_geom* g);
/* 2-D, stride 1, neither depthwise nor narrow: read in place from an input zero-padded to hp × wp (conv.c). */
int cl_shifted_ok(const cl_geom* g);
/* Where row (c, kh, kw) of a group's im2col matrix starts in its input zero-padded to planes of plane floats, each
 * wp wide. */
void cl_window_offsets(const cl_geom* g, int wp, size_t plane, ptrdiff_t* off);
/* Workspace floats per thread of cl_conv_forward's GEMM and direct paths. */
size_t cl_forward_ws_per(const cl_geom* g);
/* Workspace floats of a whole cl_conv_forward call (every thread). */
size_t cl_forward_workspace(const cl_geom* g);
#endif
