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
  int includePad, divisor, mode, align;
  double scaleH, scaleW;
} pool_job;

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

typedef int cl_v4i __attribute__((vector_size(16), aligned(4)));

/* Lanes of a where m is set, else of b (m: all ones or all zeros per lane, as vector compares give). */
static inline cl_v4 pick(cl_v4i m, cl_v4 a, cl_v4 b) { return (cl_v4)((m & (cl_v4i)a) | (~m & (cl_v4i)b)); }
static inline cl_v4i picki(cl_v4i m, cl_v4i a, cl_v4i b) { return (m & a) | (~m & b); }

/* One tap of the first-maximum rule: a larger value or a NaN takes the window. */
#define MAX_TAP(v, off)                    \
  do {                                     \
    cl_v4i m_ = (v > best) | (v != v);     \
    best = pick(m_, v, best);              \
    at = picki(m_, base + (off), at);      \
  } while (0)

/* a / d and ⌈a / d⌉ for a ≥ 0, d ≥ 1, without a division in the common d = 1 */
static inline int div_down(int a, int d) { return d == 1 ? a : a / d; }
static inline int div_up(int a, int d) { return d == 1 ? a : (a + d - 1) / d; }

/* 2×2 windows at stride 2, every one inside the input */
static int is_2x2(const cl_pool* g) {
  return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0 && g->dh == 1 &&
         g->dw == 1 && 2 * g->oh <= g->h && 2 * g->ow <= g->w;
}

/* Whether windows jj … jj+3 lie inside the row with their columns 1 or 2 apart (dilation 1), so four outputs go in
 * one vector; loads read up to 8 floats from the last tap, which must stay inside the row. */
static inline int vec_ok(const cl_pool* g, int jj, int j1) {
  if (jj + 4 > j1 || g->dw != 1 || (g->sw != 1 && g->sw != 2)) return 0;
  int x0 = jj * g->sw - g->pw, last = x0 + g->kw - 1 + (g->sw == 1 ? 3 : 7);
  return x0 >= 0 && last <= g->w - 1;
}

/* Outputs [j0, j1) of output row i of one plane: the maxima into y, their offsets in the plane into idx (-1 for a
 * window with no tap inside the input). 2×2 windows at stride 2 go four at a time from eight columns of two rows
 * split into even and odd columns, branch-free (random data mispredicts a branch per tap). */
static void max_row(const cl_pool* g, const float* restrict x, int i, int j0, int j1, float* restrict y,
                    int32_t* restrict idx) {
  int w = g->w, jj = j0;
  if (is_2x2(g)) {
    const float* r0 = x + 2 * i * w;
    const float* r1 = r0 + w;
    for (; jj + 4 <= j1; jj += 4) {
      int c = 2 * jj;
      cl_v4 a0, a1, b0, b1;
      __builtin_memcpy(&a0, r0 + c, 16);
      __builtin_memcpy(&a1, r0 + c + 4, 16);
      __builtin_memcpy(&b0, r1 + c, 16);
      __builtin_memcpy(&b1, r1 + c + 4, 16);
      cl_v4 p = __builtin_shufflevector(a0, a1, 0, 2, 4, 6), q = __builtin_shufflevector(a0, a1, 1, 3, 5, 7);
      cl_v4 r = __builtin_shufflevector(b0, b1, 0, 2, 4, 6), s = __builtin_shufflevector(b0, b1, 1, 3, 5, 7);
      int o = 2 * i * w + c;
      cl_v4i base = {o, o + 2, o + 4, o + 6};
      /* the first tap counts a NaN too: best = p holds it, and no later non-NaN replaces it */
      cl_v4 best = p;
      cl_v4i at = base;
      MAX_TAP(q, 1);
      MAX_TAP(r, w);
      MAX_TAP(s, w + 1);
      __builtin_memcpy(y + jj - j0, &best, 16);
      __builtin_memcpy(idx + jj - j0, &at, 16);
    }
    for (; jj < j1; jj++) { /* the last few windows of the row: the same rule, one at a time */
      int c = 2 * jj, o = 2 * i * w + c, at = o;
      float best = r0[c], v;
      v = r0[c + 1];
      if (v > best || v != v) best = v, at = o + 1;
      v = r1[c];
      if (v > best || v != v) best = v, at = o + w;
      v = r1[c + 1];
      if (v > best || v != v) best = v, at = o + w + 1;
      y[jj - j0] = best;
      idx[jj - j0] = at;
    }
    return;
  }
  int y0 = i * g->sh - g->ph;
  /* only the taps inside the input: a huge kernel or dilation must not cost its size */
  int aFrom = y0 < 0 ? div_up(-y0, g->dh) : 0;
  int aTo = g->h - 1 - y0 < 0 ? 0 : imin(g->kh, div_down(g->h - 1 - y0, g->dh) + 1);
  for (; jj < j1; jj++) {
    int x0 = jj * g->sw - g->pw;
    if (vec_ok(g, jj, j1)) { /* four windows inside the row, columns apart by stride 1 or 2 */
      cl_v4 best = (cl_v4){-__builtin_inff(), -__builtin_inff(), -__builtin_inff(), -__builtin_inff()};
      cl_v4i at = {-1, -1, -1, -1}, lane = g->sw == 1 ? (cl_v4i){0, 1, 2, 3} : (cl_v4i){0, 2, 4, 6};
      for (int a = aFrom; a < aTo; a++) {
        int yy = y0 + a * g->dh;
        for (int b = 0; b < g->kw; b++) {
          const float* p = x + yy * w + x0 + b;
          cl_v4 v, v1;
          __builtin_memcpy(&v, p, 16);
          if (g->sw == 2) {
            __builtin_memcpy(&v1, p + 4, 16);
            v = __builtin_shufflevector(v, v1, 0, 2, 4, 6);
          }
          cl_v4i m = (v > best) | (v != v) | (at < 0);
          best = pick(m, v, best);
          at = picki(m, lane + (yy * w + x0 + b), at);
        }
      }
      __builtin_memcpy(y + jj - j0, &best, 16);
      __builtin_memcpy(idx + jj - j0, &at, 16);
      jj += 3;
      continue;
    }
    float best = -__builtin_inff();
    int at = -1;
    int bTo = g->w - 1 - x0 < 0 ? 0 : imin(g->kw, div_down(g->w - 1 - x0, g->dw) + 1);
    int bFrom = x0 < 0 ? div_up(-x0, g->dw) : 0;
    for (int a = aFrom; a < aTo; a++) {
      int yy = y0 + a * g->dh;
      for (int b = bFrom; b < bTo; b++) {
        int xx = x0 + b * g->dw;
        float v = x[yy * w + xx];
        /* selects, not a branch: random data mispredicts one per tap */
        int take = (v > best) | (v != v) | (at < 0);
        best = take ? v : best;
        at = take ? yy * w + xx : at;
      }
    }
    y[jj - j0] = best;
    idx[jj - j0] = at;
  }
}

/* Outputs per call of max_row in the backward and in an index-free forward (stack buffers). */
#define CHUNK 256

static void max_forward_task(void* ctx, int plane, int thread) {
  (void)thread;
  const pool_job* j = ctx;
  const cl_pool* g = j->g;
  const float* x = j->x + (size_t)plane * g->h * g->w;
  size_t out = (size_t)g->oh * g->ow;
  float* y = j->y + plane * out;
  int32_t scratch[CHUNK];
  for (int i = 0; i < g->oh; i++)
    for (int j0 = 0; j0 < g->ow; j0 += CHUNK) {
      int j1 = imin(j0 + CHUNK, g->ow);
      int32_t* idx = j->idx ? j->idx + plane * out + (size_t)i * g->ow + j0 : scratch;
      max_row(g, x, i, j0, j1, y + (size_t)i * g->ow + j0, idx);
    }
}

/* 2×2 windows at stride 2 that tile each plane exactly (2·oh = h, 2·ow = w, as after every even-sized map of a
 * small CNN). Planes follow one another with no gap, so output row r of the whole tensor (planes·oh rows) reads
 * input rows 2r and 2r + 1 whatever its plane: a task takes a block of rows across planes instead of one call per
 * output row of 7 or 14 windows. */
static int is_tiled(const cl_pool* g) { return is_2x2(g) && 2 * g->oh == g->h && 2 * g->ow == g->w; }

/* Rows of outputs per task of the tiled path: about 64 tasks, so two threads still balance. */
static int tile_rows(const cl_pool* g) { return (g->planes * g->oh + 63) / 64; }

/* The tiled path over output rows [from, to): forward (y, and idx when given) or backward (gx from gy). Windows go
 * four per vector, the first-maximum rule branch-free as in max_row; a row's last four windows overlap the four
 * before when ow is not a multiple of 4, which is harmless because every output here is assigned, not summed. */
static void max_tiles(const pool_job* j, int from, int to, int backward) {
  const cl_pool* g = j->g;
  int w = g->w, ow = g->ow, oh = g->oh;
  const cl_v4i dq = {1, 1, 1, 1}, dr = {w, w, w, w}, ds = {w + 1, w + 1, w + 1, w + 1}, zi = {0, 0, 0, 0};
  const cl_v4 zero = {0, 0, 0, 0};
  for (int r = from; r < to; r++) {
    const float* r0 = j->x + (size_t)2 * r * w;
    const float* r1 = r0 + w;
    int plane0 = 2 * (r % oh) * w; /* offset of input row 2r in its plane, for indices */
    if (ow < 4) { /* too narrow for a vector: one window at a time, same rule */
      for (int jj = 0; jj < ow; jj++) {
        int c = 2 * jj, at = 0;
        float best = r0[c], v;
        v = r0[c + 1];
        if (v > best || v != v) best = v, at = 1;
        v = r1[c];
        if (v > best || v != v) best = v, at = w;
        v = r1[c + 1];
        if (v > best || v != v) best = v, at = w + 1;
        size_t o = (size_t)r * ow + jj;
        if (backward) {
          float gv = j->gy[o], *ga = j->gx + (size_t)2 * r * w + c;
          ga[0] = at == 0 ? gv : 0, ga[1] = at == 1 ? gv : 0, ga[w] = at == w ? gv : 0, ga[w + 1] = at == w + 1 ? gv : 0;
        } else {
          j->y[o] = best;
          if (j->idx) j->idx[o] = plane0 + c + at;
        }
      }
      continue;
    }
    for (int jj = 0;; jj += 4) {
      if (jj + 4 > ow) jj = ow - 4;
      int c = 2 * jj;
      cl_v4 a0, a1, b0, b1;
      __builtin_memcpy(&a0, r0 + c, 16);
      __builtin_memcpy(&a1, r0 + c + 4, 16);
      __builtin_memcpy(&b0, r1 + c, 16);
      __builtin_memcpy(&b1, r1 + c + 4, 16);
      cl_v4 p = __builtin_shufflevector(a0, a1, 0, 2, 4, 6), q = __builtin_shufflevector(a0, a1, 1, 3, 5, 7);
      cl_v4 u = __builtin_shufflevector(b0, b1, 0, 2, 4, 6), v = __builtin_shufflevector(b0, b1, 1, 3, 5, 7);
      /* off: the winning tap's offset from the window's top-left input (0, 1, w or w + 1) */
      cl_v4 best = p;
      cl_v4i off = zi, m;
      m = (q > best) | (q != q), best = pick(m, q, best), off = picki(m, dq, off);
      m = (u > best) | (u != u), best = pick(m, u, best), off = picki(m, dr, off);
      m = (v > best) | (v != v), best = pick(m, v, best), off = picki(m, ds, off);
      size_t o = (size_t)r * ow + jj;
      if (backward) {
        cl_v4 gv;
        __builtin_memcpy(&gv, j->gy + o, 16);
        cl_v4 gp = pick(off == zi, gv, zero), gq = pick(off == dq, gv, zero);
        cl_v4 gu = pick(off == dr, gv, zero), gw = pick(off == ds, gv, zero);
        cl_v4 t0 = __builtin_shufflevector(gp, gq, 0, 4, 1, 5), t1 = __builtin_shufflevector(gp, gq, 2, 6, 3, 7);
        cl_v4 t2 = __builtin_shufflevector(gu, gw, 0, 4, 1, 5), t3 = __builtin_shufflevector(gu, gw, 2, 6, 3, 7);
        float* ga = j->gx + (size_t)2 * r * w + c;
        __builtin_memcpy(ga, &t0, 16);
        __builtin_memcpy(ga + 4, &t1, 16);
        __builtin_memcpy(ga + w, &t2, 16);
        __builtin_memcpy(ga + w + 4, &t3, 16);
      } else {
        __builtin_memcpy(j->y + o, &best, 16);
        if (j->idx) {
          int b = plane0 + c;
          cl_v4i at = (cl_v4i){b, b + 2, b + 4, b + 6} + off;
          __builtin_memcpy(j->idx + o, &at, 16);
        }
      }
      if (jj + 4 >= ow) break;
    }
  }
}

static void max_tiles_task(void* ctx, int task, int backward) {
  const pool_job* j = ctx;
  int per = tile_rows(j->g), from = task * per;
  max_tiles(j, from, imin(from + per, j->g->planes * j->g->oh), backward);
}
static void max_tiles_fwd(void* ctx, int task, int thread) { (void)thread, max_tiles_task(ctx, task, 0); }
static void max_tiles_bwd(void* ctx, int task, int thread) { (void)thread, max_tiles_task(ctx, task, 1); }
static int tile_tasks(const cl_pool* g) {
  int rows = g->planes * g->oh, per = tile_rows(g);
  return (rows + per - 1) / per;
}

void cl_max_pool2d_forward(const cl_pool* g, const float* x, float* y, int32_t* indices) {
  pool_job j = {.g = g, .x = x, .y = y, .idx = indices};
  size_t traffic = (size_t)g->planes * (g->h * g->w + 2 * g->oh * g->ow);
  if (is_tiled(g) && g->planes * g->oh > 0)
    cl_np_run(tile_tasks(g), traffic, max_tiles_fwd, &j);
  else
    cl_np_run(g->planes, traffic, max_forward_task, &j);
}

/* The argmax of each window is found again from x (cheaper than keeping indices alive from the forward); windows
 * that tile the plane take max_tiles instead, which assigns every input and needs no zeroing pass. */
static void max_backward_task(void* ctx, int plane, int thread) {
  (void)thread;
  const pool_job* j = ctx;
  const cl_pool* g = j->g;
  size_t in = (size_t)g->h * g->w, out = (size_t)g->oh * g->ow;
  const float* x = j->x + plane * in;
  float* gx = j->gx + plane * in;
  const float* gy = j->gy + plane * out;
  float best[CHUNK];
  int32_t at[CHUNK];
  memset(gx, 0, in * sizeof(float));
  for (int i = 0; i < g->oh; i++)
    for (int j0 = 0; j0 < g->ow; j0 += CHUNK) {
      int j1 = imin(j0 + CHUNK, g->ow);
      max_row(g, x, i, j0, j1, best, at);
      const float* gr = gy + (size_t)i * g->ow;
      for (int jj = j0; jj < j1; jj++)
        if (at[jj - j0] >= 0) gx[at[jj - j0]] += gr[jj];
    }
}

void cl_max_pool2d_backward(const cl_pool* g, const float* x, const float* gy, float* gx) {
  pool_job j = {.g = g, .x = x, .gy = gy, .gx = gx};
  size_t traffic = (size_t)g->planes * (2 * g->h * g->w + g->oh * g->ow);
  if (is_tiled(g) && g->planes * g->oh > 0)
    cl_np_run(tile_tasks(g), traffic, max_tiles_bwd, &j);
  else
    cl_np_run(g->planes, traffic, max_backward_task, &j);
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
      int w = g->w;
      if (backward) {
        float v = j->gy[o] / div, *restrict gx = j->gx + plane * in;
        for (int yy = y0; yy < y1; yy++)
          for (int xx = x0; xx < x1; xx++) gx[yy * w + xx] += v;
      } else {
        const float* restrict x = j->x + plane * in;
        float acc = 0;
        for (int yy = y0; yy < y1; yy++)
          for (int xx = x0; xx < x1; xx++) acc += x[yy * w + xx];
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
