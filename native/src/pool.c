/*
 * Pooling and resampling over planes (N·C of them), each plane one task: max pooling with plane-relative argmax
 * indices (PyTorch's rule: a larger value or a NaN takes the window), average pooling with PyTorch's divisors,
 * adaptive average pooling (the global case is one vector sum per plane), nearest and bilinear resampling, and the
 * adjoints, which zero their plane of gx and scatter into it.
 */
#include "normpool.h"

#include "clmem.h"

typedef struct {
  const cl_pool* g;
  const float *x, *gy;
  float *y, *gx;
  int32_t* idx;
  const int32_t* idxIn;
  int includePad, divisor, mode, align;
  double scaleH, scaleW;
} pool_job;

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

/* 2×2 windows at stride 2 lying inside the input: the common case, with no bounds to test. */
static void max_2x2(const cl_pool* g, const float* x, float* y, int32_t* idx) {
  for (int i = 0; i < g->oh; i++) {
    const float* r0 = x + 2 * i * g->w;
    const float* r1 = r0 + g->w;
    for (int j = 0; j < g->ow; j++) {
      int c = 2 * j, at = 2 * i * g->w + c;
      float best = r0[c], v;
      int a = at;
      v = r0[c + 1];
      if (v > best || v != v) best = v, a = at + 1;
      v = r1[c];
      if (v > best || v != v) best = v, a = at + g->w;
      v = r1[c + 1];
      if (v > best || v != v) best = v, a = at + g->w + 1;
      y[i * g->ow + j] = best;
      idx[i * g->ow + j] = a;
    }
  }
}

static void max_forward_task(void* ctx, int plane, int thread) {
  (void)thread;
  const pool_job* j = ctx;
  const cl_pool* g = j->g;
  const float* x = j->x + (size_t)plane * g->h * g->w;
  float* y = j->y + (size_t)plane * g->oh * g->ow;
  int32_t* idx = j->idx + (size_t)plane * g->oh * g->ow;
  if (g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0 && g->dh == 1 &&
      g->dw == 1 && 2 * g->oh <= g->h && 2 * g->ow <= g->w) {
    max_2x2(g, x, y, idx);
    return;
  }
  for (int i = 0; i < g->oh; i++) {
    int y0 = i * g->sh - g->ph;
    for (int jj = 0; jj < g->ow; jj++) {
      int x0 = jj * g->sw - g->pw;
      float best = -__builtin_inff();
      int at = -1;
      /* only the taps inside the input: a huge kernel or dilation must not cost its size */
      int aTo = g->h - 1 - y0 < 0 ? 0 : imin(g->kh, (g->h - 1 - y0) / g->dh + 1);
      int bTo = g->w - 1 - x0 < 0 ? 0 : imin(g->kw, (g->w - 1 - x0) / g->dw + 1);
      int bFrom = x0 < 0 ? (-x0 + g->dw - 1) / g->dw : 0;
      for (int a = y0 < 0 ? (-y0 + g->dh - 1) / g->dh : 0; a < aTo; a++) {
        int yy = y0 + a * g->dh;
        for (int b = bFrom; b < bTo; b++) {
          int xx = x0 + b * g->dw;
          float v = x[yy * g->w + xx];
          if (v > best || v != v || at < 0) best = v, at = yy * g->w + xx;
        }
      }
      y[i * g->ow + jj] = best;
      idx[i * g->ow + jj] = at;
    }
  }
}

void cl_max_pool2d_forward(const cl_pool* g, const float* x, float* y, int32_t* indices) {
  pool_job j = {.g = g, .x = x, .y = y, .idx = indices};
  cl_np_run(g->planes, (size_t)g->planes * (g->h * g->w + 2 * g->oh * g->ow), max_forward_task, &j);
}

static void max_backward_task(void* ctx, int plane, int thread) {
  (void)thread;
  const pool_job* j = ctx;
  const cl_pool* g = j->g;
  size_t in = (size_t)g->h * g->w, out = (size_t)g->oh * g->ow;
  float* gx = j->gx + plane * in;
  const float* gy = j->gy + plane * out;
  const int32_t* idx = j->idxIn + plane * out;
  memset(gx, 0, in * sizeof(float));
  for (size_t o = 0; o < out; o++)
    if (idx[o] >= 0) gx[idx[o]] += gy[o];
}

void cl_max_pool2d_backward(const cl_pool* g, const float* gy, const int32_t* indices, float* gx) {
  pool_job j = {.g = g, .gy = gy, .gx = gx, .idxIn = indices};
  cl_np_run(g->planes, (size_t)g->planes * (g->h * g->w + 2 * g->oh * g->ow), max_backward_task, &j);
}

/* Window (i, jj) of average pooling clipped to the input, and its divisor; adaptive windows when adaptive. */
static inline void window(const pool_job* j, int adaptive, int i, int jj, int* y0, int* y1, int* x0, int* x1,
                          float* div) {
  const cl_pool* g = j->g;
  if (adaptive) {
    *y0 = (int)((long long)i * g->h / g->oh);
    *y1 = (int)(((long long)(i + 1) * g->h + g->oh - 1) / g->oh);
    *x0 = (int)((long long)jj * g->w / g->ow);
    *x1 = (int)(((long long)(jj + 1) * g->w + g->ow - 1) / g->ow);
    *div = (float)((*y1 - *y0) * (*x1 - *x0));
    return;
  }
  int a0 = i * g->sh - g->ph, b0 = jj * g->sw - g->pw;
  int a1 = imin(a0 + g->kh, g->h + g->ph), b1 = imin(b0 + g->kw, g->w + g->pw);
  int padded = (a1 - a0) * (b1 - b0);
  *y0 = imax(a0, 0), *x0 = imax(b0, 0), *y1 = imin(a1, g->h), *x1 = imin(b1, g->w);
  *div = (float)(j->divisor > 0 ? j->divisor : j->includePad ? padded : (*y1 - *y0) * (*x1 - *x0));
}

static float plane_sum(const float* x, size_t len) {
  cl_v4 a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    cl_v4 u, v;
    __builtin_memcpy(&u, x + i, sizeof u);
    __builtin_memcpy(&v, x + i + 4, sizeof v);
    a += u, b += v;
  }
  a += b;
  float s = (a[0] + a[1]) + (a[2] + a[3]);
  for (; i < len; i++) s += x[i];
  return s;
}

static void avg_task(void* ctx, int plane, int adaptive, int backward) {
  const pool_job* j = ctx;
  const cl_pool* g = j->g;
  size_t in = (size_t)g->h * g->w, out = (size_t)g->oh * g->ow;
  if (adaptive && g->oh == 1 && g->ow == 1) { /* global pooling */
    if (backward) {
      float v = j->gy[plane] / (float)in, *gx = j->gx + plane * in;
      for (size_t i = 0; i < in; i++) gx[i] = v;
    } else
      j->y[plane] = plane_sum(j->x + plane * in, in) / (float)in;
    return;
  }
  if (backward) memset(j->gx + plane * in, 0, in * sizeof(float));
  for (int i = 0; i < g->oh; i++)
    for (int jj = 0; jj < g->ow; jj++) {
      int y0, y1, x0, x1;
      float div;
      window(j, adaptive, i, jj, &y0, &y1, &x0, &x1, &div);
      size_t o = plane * out + (size_t)i * g->ow + jj;
      if (backward) {
        float v = j->gy[o] / div, *gx = j->gx + plane * in;
        for (int yy = y0; yy < y1; yy++)
          for (int xx = x0; xx < x1; xx++) gx[yy * g->w + xx] += v;
      } else {
        const float* x = j->x + plane * in;
        float acc = 0;
        for (int yy = y0; yy < y1; yy++)
          for (int xx = x0; xx < x1; xx++) acc += x[yy * g->w + xx];
        j->y[o] = acc / div;
      }
    }
}

static void avg_fwd(void* ctx, int plane, int thread) { (void)thread, avg_task(ctx, plane, 0, 0); }
static void avg_bwd(void* ctx, int plane, int thread) { (void)thread, avg_task(ctx, plane, 0, 1); }
static void adaptive_fwd(void* ctx, int plane, int thread) { (void)thread, avg_task(ctx, plane, 1, 0); }
static void adaptive_bwd(void* ctx, int plane, int thread) { (void)thread, avg_task(ctx, plane, 1, 1); }

static size_t traffic(const cl_pool* g) { return (size_t)g->planes * (g->h * g->w + g->oh * g->ow); }

void cl_avg_pool2d_forward(const cl_pool* g, int includePad, int divisor, const float* x, float* y) {
  pool_job j = {.g = g, .x = x, .y = y, .includePad = includePad, .divisor = divisor};
  cl_np_run(g->planes, traffic(g), avg_fwd, &j);
}
void cl_avg_pool2d_backward(const cl_pool* g, int includePad, int divisor, const float* gy, float* gx) {
  pool_job j = {.g = g, .gy = gy, .gx = gx, .includePad = includePad, .divisor = divisor};
  cl_np_run(g->planes, traffic(g), avg_bwd, &j);
}
void cl_adaptive_avg_pool2d_forward(const cl_pool* g, const float* x, float* y) {
  pool_job j = {.g = g, .x = x, .y = y};
  cl_np_run(g->planes, traffic(g), adaptive_fwd, &j);
}
void cl_adaptive_avg_pool2d_backward(const cl_pool* g, const float* gy, float* gx) {
  pool_job j = {.g = g, .gy = gy, .gx = gx};
  cl_np_run(g->planes, traffic(g), adaptive_bwd, &j);
}

/* The two taps of output index o along an axis (nearest: i1 = i0, l = 0), with the reference's double arithmetic. */
static inline void taps(const pool_job* j, int in, int out, double scale, int o, int* i0, int* i1, float* l) {
  if (j->mode == 0) {
    double s = __builtin_floor(o * scale);
    *i0 = *i1 = s < in - 1 ? (int)s : in - 1;
    *l = 0;
    return;
  }
  double src = j->align ? (out > 1 ? (double)o * (in - 1) / (out - 1) : 0) : (o + 0.5) * scale - 0.5;
  if (src < 0) src = 0;
  int f = (int)__builtin_floor(src);
  *i0 = f < in - 1 ? f : in - 1;
  *i1 = *i0 + 1 < in - 1 ? *i0 + 1 : in - 1;
  *l = (float)(src - *i0);
}

static void resample_task(void* ctx, int plane, int backward) {
  const pool_job* j = ctx;
  const cl_pool* g = j->g;
  size_t in = (size_t)g->h * g->w, out = (size_t)g->oh * g->ow;
  if (backward) memset(j->gx + plane * in, 0, in * sizeof(float));
  for (int i = 0; i < g->oh; i++) {
    int ya, yb;
    float ly;
    taps(j, g->h, g->oh, j->scaleH, i, &ya, &yb, &ly);
    for (int jj = 0; jj < g->ow; jj++) {
      int xa, xb;
      float lx;
      taps(j, g->w, g->ow, j->scaleW, jj, &xa, &xb, &lx);
      size_t o = plane * out + (size_t)i * g->ow + jj;
      if (j->mode == 0) {
        if (backward)
          j->gx[plane * in + ya * g->w + xa] += j->gy[o];
        else
          j->y[o] = j->x[plane * in + ya * g->w + xa];
        continue;
      }
      float w00 = (1 - ly) * (1 - lx), w01 = (1 - ly) * lx, w10 = ly * (1 - lx), w11 = ly * lx;
      size_t p00 = plane * in + ya * g->w + xa, p01 = plane * in + ya * g->w + xb;
      size_t p10 = plane * in + yb * g->w + xa, p11 = plane * in + yb * g->w + xb;
      if (backward) {
        float v = j->gy[o];
        j->gx[p00] += w00 * v, j->gx[p01] += w01 * v, j->gx[p10] += w10 * v, j->gx[p11] += w11 * v;
      } else
        j->y[o] = w00 * j->x[p00] + w01 * j->x[p01] + w10 * j->x[p10] + w11 * j->x[p11];
    }
  }
}

static void resample_fwd(void* ctx, int plane, int thread) { (void)thread, resample_task(ctx, plane, 0); }
static void resample_bwd(void* ctx, int plane, int thread) { (void)thread, resample_task(ctx, plane, 1); }

void cl_interpolate2d_forward(const cl_pool* g, int mode, int alignCorners, double scaleH, double scaleW,
                              const float* x, float* y) {
  pool_job j = {.g = g, .x = x, .y = y, .mode = mode, .align = alignCorners, .scaleH = scaleH, .scaleW = scaleW};
  cl_np_run(g->planes, traffic(g), resample_fwd, &j);
}
void cl_interpolate2d_backward(const cl_pool* g, int mode, int alignCorners, double scaleH, double scaleW,
                               const float* gy, float* gx) {
  pool_job j = {.g = g, .gy = gy, .gx = gx, .mode = mode, .align = alignCorners, .scaleH = scaleH, .scaleW = scaleW};
  cl_np_run(g->planes, traffic(g), resample_bwd, &j);
}
