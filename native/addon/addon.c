/*
 * The Node addon: the contract's primitives over Float32Arrays, zero-copy. Geometry comes as an Int32Array in the
 * order of cl_geom / cl_deform; scratch is one grow-only arena reused by every call (fresh pages are expensive).
 */
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/convlab.h"
#include "../src/normpool.h"
#include "../src/eltwise.h"

static float* arena;
static size_t arenaFloats;
/* The arena and the pool are per process, but JavaScript may call from several worker threads: one call at a time. */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;

static float* workspace(size_t floats) {
  if (floats > arenaFloats) {
    free(arena);
    size_t want = floats + floats / 2;
    if (posix_memalign((void**)&arena, 64, want * sizeof(float)) != 0) arena = 0, want = 0;
    arenaFloats = want;
  }
  return arena;
}

static napi_value fail(napi_env env, const char* msg) {
  napi_throw_error(env, 0, msg);
  return 0;
}

/* The data of a Float32Array argument (null for JS null), or NULL with an exception pending. */
static float* f32(napi_env env, napi_value v, size_t need, int nullable, const char* what, int* ok) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (nullable && t == napi_null) return 0;
  napi_typedarray_type type;
  size_t len;
  void* data;
  int isTyped = 0;
  napi_is_typedarray(env, v, (bool*)&isTyped);
  if (isTyped) napi_get_typedarray_info(env, v, &type, &len, &data, 0, 0);
  if (!isTyped || type != napi_float32_array) {
    *ok = 0;
    char msg[160];
    snprintf(msg, sizeof msg, "convlab native: %s must be a Float32Array", what);
    fail(env, msg);
    return 0;
  }
  if (len < need) {
    *ok = 0;
    char msg[200];
    snprintf(msg, sizeof msg, "convlab native: %s has %zu elements but %zu are needed", what, len, need);
    fail(env, msg);
    return 0;
  }
  return data;
}

static int i32(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

static double f64(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

static int geom(napi_env env, napi_value v, int* out, size_t count) {
  napi_typedarray_type type;
  size_t len;
  void* data;
  bool is = 0;
  napi_is_typedarray(env, v, &is);
  if (!is) return 0;
  napi_get_typedarray_info(env, v, &type, &len, &data, 0, 0);
  if (type != napi_int32_array || len != count) return 0;
  memcpy(out, data, count * sizeof(int));
  return 1;
}

#define ARGS(n)          \
  size_t argc = n;       \
  napi_value argv[n];    \
  napi_get_cb_info(env, info, &argc, argv, 0, 0); \
  if (argc < n) return fail(env, "convlab native: too few arguments");

/* Floats a rows × cols matrix at off with leading dimension ld reaches: up to the end of its last row. */
static size_t span(int rows, int cols, int ld, int off) {
  return rows && cols ? (size_t)off + (size_t)(rows - 1) * ld + cols : 0;
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  ARGS(16);
  int ok = 1, ta = i32(env, argv[0]), tb = i32(env, argv[1]), m = i32(env, argv[2]), n = i32(env, argv[3]),
      k = i32(env, argv[4]);
  int lda = i32(env, argv[8]), ldb = i32(env, argv[11]), ldc = i32(env, argv[15]);
  int offA = i32(env, argv[7]), offB = i32(env, argv[10]), offC = i32(env, argv[14]);
  if (m < 0 || n < 0 || k < 0 || offA < 0 || offB < 0 || offC < 0 || lda < 0 || ldb < 0 || ldc < 0)
    return fail(env, "convlab native: gemm sizes, offsets and leading dimensions must not be negative");
  float* a = f32(env, argv[6], span(ta ? k : m, ta ? m : k, lda, offA), 0, "a", &ok);
  float* b = ok ? f32(env, argv[9], span(tb ? n : k, tb ? k : n, ldb, offB), 0, "b", &ok) : 0;
  float* c = ok ? f32(env, argv[13], span(m, n, ldc, offC), 0, "c", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  float* ws = workspace(cl_gemm_workspace(m, n, k));
  if (ws) cl_gemm(ta, tb, m, n, k, (float)f64(env, argv[5]), a + offA, lda, b + offB, ldb,
          (float)f64(env, argv[12]), c + offC, ldc, ws);
  pthread_mutex_unlock(&busy);
  return ws ? 0 : fail(env, "convlab native: out of memory for the workspace");
}

static size_t vol(const int* s) { return (size_t)s[0] * s[1] * s[2]; }

static int read_geom(napi_env env, napi_value v, cl_geom* g) {
  if (!geom(env, v, (int*)g, sizeof *g / sizeof(int))) {
    fail(env, "convlab native: geometry must be an Int32Array of 22 values");
    return 0;
  }
  return 1;
}

static size_t wcount(const cl_geom* g) { return (size_t)g->k * (g->c / g->groups) * vol(g->kernel); }

static napi_value ConvForward(napi_env env, napi_callback_info info) {
  ARGS(5);
  cl_geom g;
  if (!read_geom(env, argv[0], &g)) return 0;
  int ok = 1;
  float* x = f32(env, argv[1], (size_t)g.n * g.c * vol(g.in), 0, "x", &ok);
  float* w = ok ? f32(env, argv[2], wcount(&g), 0, "w", &ok) : 0;
  float* b = ok ? f32(env, argv[3], g.k, 1, "bias", &ok) : 0;
  float* y = ok ? f32(env, argv[4], (size_t)g.n * g.k * vol(g.out), 0, "y", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  float* ws = workspace(cl_conv_workspace(&g));
  if (ws) cl_conv_forward(&g, x, w, b, y, ws);
  pthread_mutex_unlock(&busy);
  return ws ? 0 : fail(env, "convlab native: out of memory for the workspace");
}

static napi_value ConvBackwardData(napi_env env, napi_callback_info info) {
  ARGS(4);
  cl_geom g;
  if (!read_geom(env, argv[0], &g)) return 0;
  int ok = 1;
  float* gy = f32(env, argv[1], (size_t)g.n * g.k * vol(g.out), 0, "gy", &ok);
  float* w = ok ? f32(env, argv[2], wcount(&g), 0, "w", &ok) : 0;
  float* gx = ok ? f32(env, argv[3], (size_t)g.n * g.c * vol(g.in), 0, "gx", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  float* ws = workspace(cl_conv_workspace(&g));
  if (ws) cl_conv_backward_data(&g, gy, w, gx, ws);
  pthread_mutex_unlock(&busy);
  return ws ? 0 : fail(env, "convlab native: out of memory for the workspace");
}

static napi_value ConvBackwardFilter(napi_env env, napi_callback_info info) {
  ARGS(4);
  cl_geom g;
  if (!read_geom(env, argv[0], &g)) return 0;
  int ok = 1;
  float* x = f32(env, argv[1], (size_t)g.n * g.c * vol(g.in), 0, "x", &ok);
  float* gy = ok ? f32(env, argv[2], (size_t)g.n * g.k * vol(g.out), 0, "gy", &ok) : 0;
  float* gw = ok ? f32(env, argv[3], wcount(&g), 0, "gw", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  float* ws = workspace(cl_conv_workspace(&g));
  if (ws) cl_conv_backward_filter(&g, x, gy, gw, ws);
  pthread_mutex_unlock(&busy);
  return ws ? 0 : fail(env, "convlab native: out of memory for the workspace");
}

static int read_deform(napi_env env, napi_value v, cl_deform* g) {
  if (!geom(env, v, (int*)g, sizeof *g / sizeof(int))) {
    fail(env, "convlab native: deformable geometry must be an Int32Array of 15 values");
    return 0;
  }
  return 1;
}

static napi_value DeformIm2col(napi_env env, napi_callback_info info) {
  ARGS(5);
  cl_deform g;
  if (!read_deform(env, argv[0], &g)) return 0;
  size_t P = (size_t)g.outH * g.outW, ks = (size_t)g.kH * g.kW;
  int ok = 1;
  float* x = f32(env, argv[1], (size_t)g.n * g.c * g.inH * g.inW, 0, "x", &ok);
  float* off = ok ? f32(env, argv[2], (size_t)g.n * g.offsetGroups * 2 * ks * P, 0, "offset", &ok) : 0;
  float* mask = ok ? f32(env, argv[3], (size_t)g.n * g.offsetGroups * ks * P, 1, "mask", &ok) : 0;
  float* col = ok ? f32(env, argv[4], (size_t)g.c * ks * g.n * P, 0, "columns", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_deform_im2col(&g, x, off, mask, col);
  pthread_mutex_unlock(&busy);
  return 0;
}

static napi_value DeformCol2im(napi_env env, napi_callback_info info) {
  ARGS(8);
  cl_deform g;
  if (!read_deform(env, argv[0], &g)) return 0;
  size_t P = (size_t)g.outH * g.outW, ks = (size_t)g.kH * g.kW, xs = (size_t)g.n * g.c * g.inH * g.inW;
  size_t os = (size_t)g.n * g.offsetGroups * 2 * ks * P;
  int ok = 1;
  float* x = f32(env, argv[1], xs, 0, "x", &ok);
  float* off = ok ? f32(env, argv[2], os, 0, "offset", &ok) : 0;
  float* mask = ok ? f32(env, argv[3], os / 2, 1, "mask", &ok) : 0;
  float* gcol = ok ? f32(env, argv[4], (size_t)g.c * ks * g.n * P, 0, "gColumns", &ok) : 0;
  float* gx = ok ? f32(env, argv[5], xs, 0, "gx", &ok) : 0;
  float* goff = ok ? f32(env, argv[6], os, 0, "gOffset", &ok) : 0;
  float* gmask = ok ? f32(env, argv[7], os / 2, 1, "gMask", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_deform_col2im(&g, x, off, mask, gcol, gx, goff, gmask);
  pthread_mutex_unlock(&busy);
  return 0;
}

/* ---- Batch norm, pooling, resampling, strided copies (native/src/normpool.h) ---- */

/* The data of an Int32Array argument of at least `need` elements (NULL for JS null), or NULL with an exception
 * pending. */
static int32_t* i32s(napi_env env, napi_value v, size_t need, const char* what, int* ok) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null) return 0;
  napi_typedarray_type type;
  size_t len;
  void* data;
  bool is = 0;
  napi_is_typedarray(env, v, &is);
  if (is) napi_get_typedarray_info(env, v, &type, &len, &data, 0, 0);
  char msg[200];
  if (!is || type != napi_int32_array)
    snprintf(msg, sizeof msg, "convlab native: %s must be an Int32Array", what);
  else if (len < need)
    snprintf(msg, sizeof msg, "convlab native: %s has %zu elements but %zu are needed", what, len, need);
  else
    return data;
  *ok = 0;
  fail(env, msg);
  return 0;
}

static napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  ARGS(14);
  int n = i32(env, argv[0]), c = i32(env, argv[1]), inner = i32(env, argv[2]), training = i32(env, argv[8]);
  if (n < 0 || c < 0 || inner < 0) return fail(env, "convlab native: batchNormForward sizes must not be negative");
  size_t all = (size_t)n * c * inner;
  int ok = 1;
  float* x = f32(env, argv[3], all, 0, "x", &ok);
  float* w = ok ? f32(env, argv[4], c, 1, "weight", &ok) : 0;
  float* b = ok ? f32(env, argv[5], c, 1, "bias", &ok) : 0;
  float* rm = ok ? f32(env, argv[6], c, !training, "runningMean", &ok) : 0;
  float* rv = ok ? f32(env, argv[7], c, !training, "runningVar", &ok) : 0;
  float* y = ok ? f32(env, argv[11], all, 0, "y", &ok) : 0;
  float* sm = ok ? f32(env, argv[12], c, 0, "saveMean", &ok) : 0;
  float* si = ok ? f32(env, argv[13], c, 0, "saveInvStd", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_batch_norm_forward(n, c, inner, x, w, b, rm, rv, training, (float)f64(env, argv[9]), (float)f64(env, argv[10]),
                        y, sm, si);
  pthread_mutex_unlock(&busy);
  return 0;
}

static napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  ARGS(12);
  int n = i32(env, argv[0]), c = i32(env, argv[1]), inner = i32(env, argv[2]);
  if (n < 0 || c < 0 || inner < 0) return fail(env, "convlab native: batchNormBackward sizes must not be negative");
  size_t all = (size_t)n * c * inner;
  int ok = 1;
  float* x = f32(env, argv[3], all, 0, "x", &ok);
  float* gy = ok ? f32(env, argv[4], all, 0, "gy", &ok) : 0;
  float* w = ok ? f32(env, argv[5], c, 1, "weight", &ok) : 0;
  float* sm = ok ? f32(env, argv[6], c, 0, "saveMean", &ok) : 0;
  float* si = ok ? f32(env, argv[7], c, 0, "saveInvStd", &ok) : 0;
  float* gx = ok ? f32(env, argv[9], all, 1, "gx", &ok) : 0;
  float* gw = ok ? f32(env, argv[10], c, 1, "gWeight", &ok) : 0;
  float* gb = ok ? f32(env, argv[11], c, 1, "gBias", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_batch_norm_backward(n, c, inner, x, gy, w, sm, si, i32(env, argv[8]), gx, gw, gb);
  pthread_mutex_unlock(&busy);
  return 0;
}

static int read_pool(napi_env env, napi_value v, cl_pool* g) {
  if (!geom(env, v, (int*)g, CL_POOL_FIELDS)) {
    fail(env, "convlab native: pooling geometry must be an Int32Array of 13 values");
    return 0;
  }
  int bad = g->planes < 0 || g->h < 1 || g->w < 1 || g->oh < 1 || g->ow < 1;
  if (bad) fail(env, "convlab native: pooling sizes must be positive");
  return !bad;
}

/* Pooling-shaped calls: (geometry, …ints, in, out[, indices]) with `in` of h·w and `out` of oh·ow per plane, or
 * the reverse for a backward. */
enum { MAX_F, MAX_B, AVG_F, AVG_B, ADA_F, ADA_B, RES_F, RES_B };

static napi_value pool_call(napi_env env, napi_callback_info info, int which) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, 0, 0);
  int ints = which == MAX_F || which == MAX_B || which == ADA_F || which == ADA_B ? 0 : which <= AVG_B ? 2 : 4;
  int arrays = which == MAX_F || which == MAX_B ? 3 : 2;
  if (argc < (size_t)(1 + ints + arrays)) return fail(env, "convlab native: too few arguments");
  cl_pool g;
  if (!read_pool(env, argv[0], &g)) return 0;
  size_t in = (size_t)g.planes * g.h * g.w, out = (size_t)g.planes * g.oh * g.ow;
  int bwd = which & 1, ok = 1;
  napi_value* a = argv + 1 + ints;
  float* src = which == MAX_B ? 0 : f32(env, a[0], bwd ? out : in, 0, bwd ? "gy" : "x", &ok);
  int32_t* idx = 0;
  float* dst;
  float* gy = 0; /* the backward of max pooling reads x and gy */
  if (which == MAX_B) {
    src = ok ? f32(env, a[0], in, 0, "x", &ok) : 0;
    gy = ok ? f32(env, a[1], out, 0, "gy", &ok) : 0;
    dst = ok ? f32(env, a[2], in, 0, "gx", &ok) : 0;
  } else {
    dst = ok ? f32(env, a[1], bwd ? in : out, 0, bwd ? "gx" : "y", &ok) : 0;
    if (which == MAX_F) idx = ok ? i32s(env, a[2], out, "indices", &ok) : 0;
  }
  if (!ok) return 0;
  int i0 = ints ? i32(env, argv[1]) : 0, i1 = ints ? i32(env, argv[2]) : 0;
  double s0 = ints > 2 ? f64(env, argv[3]) : 0, s1 = ints > 2 ? f64(env, argv[4]) : 0;
  pthread_mutex_lock(&busy);
  switch (which) {
    case MAX_F: cl_max_pool2d_forward(&g, src, dst, idx); break;
    case MAX_B: cl_max_pool2d_backward(&g, src, gy, dst); break;
    case AVG_F: cl_avg_pool2d_forward(&g, i0, i1, src, dst); break;
    case AVG_B: cl_avg_pool2d_backward(&g, i0, i1, src, dst); break;
    case ADA_F: cl_adaptive_avg_pool2d_forward(&g, src, dst); break;
    case ADA_B: cl_adaptive_avg_pool2d_backward(&g, src, dst); break;
    case RES_F: cl_interpolate2d_forward(&g, i0, i1, s0, s1, src, dst); break;
    case RES_B: cl_interpolate2d_backward(&g, i0, i1, s0, s1, src, dst); break;
  }
  pthread_mutex_unlock(&busy);
  return 0;
}

static napi_value MaxPool2dForward(napi_env env, napi_callback_info info) { return pool_call(env, info, MAX_F); }
static napi_value MaxPool2dBackward(napi_env env, napi_callback_info info) { return pool_call(env, info, MAX_B); }
static napi_value AvgPool2dForward(napi_env env, napi_callback_info info) { return pool_call(env, info, AVG_F); }
static napi_value AvgPool2dBackward(napi_env env, napi_callback_info info) { return pool_call(env, info, AVG_B); }
static napi_value AdaptiveForward(napi_env env, napi_callback_info info) { return pool_call(env, info, ADA_F); }
static napi_value AdaptiveBackward(napi_env env, napi_callback_info info) { return pool_call(env, info, ADA_B); }
static napi_value ResampleForward(napi_env env, napi_callback_info info) { return pool_call(env, info, RES_F); }
static napi_value ResampleBackward(napi_env env, napi_callback_info info) { return pool_call(env, info, RES_B); }

/* stridedCopy(dims: Int32Array [nd, shape…, srcStrides…, dstStrides…], src, srcOffset, dst, dstOffset) */
static napi_value StridedCopy(napi_env env, napi_callback_info info) {
  ARGS(5);
  int ok = 1, d[1 + 3 * CL_COPY_MAX_DIMS] = {0};
  napi_typedarray_type type;
  size_t len = 0;
  void* data = 0;
  bool is = 0;
  napi_is_typedarray(env, argv[0], &is);
  if (is) napi_get_typedarray_info(env, argv[0], &type, &len, &data, 0, 0);
  if (!is || type != napi_int32_array || len < 1) return fail(env, "convlab native: stridedCopy dims must be an Int32Array");
  memcpy(d, data, (len < sizeof d / sizeof *d ? len : sizeof d / sizeof *d) * sizeof(int));
  int nd = d[0];
  if (nd < 0 || nd > CL_COPY_MAX_DIMS || len != (size_t)(1 + 3 * nd))
    return fail(env, "convlab native: stridedCopy takes at most 8 dims, as [nd, shape, srcStrides, dstStrides]");
  int srcOff = i32(env, argv[2]), dstOff = i32(env, argv[4]);
  size_t sEnd = (size_t)srcOff + 1, dEnd = (size_t)dstOff + 1;
  for (int k = 0; k < nd; k++) {
    if (d[1 + k] < 0 || d[1 + nd + k] < 0 || d[1 + 2 * nd + k] < 0)
      return fail(env, "convlab native: stridedCopy sizes and strides must not be negative");
    if (d[1 + k] == 0) return 0;
    sEnd += (size_t)(d[1 + k] - 1) * d[1 + nd + k];
    dEnd += (size_t)(d[1 + k] - 1) * d[1 + 2 * nd + k];
  }
  if (srcOff < 0 || dstOff < 0) return fail(env, "convlab native: stridedCopy offsets must not be negative");
  float* src = f32(env, argv[1], sEnd, 0, "src", &ok);
  float* dst = ok ? f32(env, argv[3], dEnd, 0, "dst", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_strided_copy(nd, d + 1, src + srcOff, d + 1 + nd, dst + dstOff, d + 1 + 2 * nd);
  pthread_mutex_unlock(&busy);
  return 0;
}

/* ---- Element-wise ops, reductions, softmax, nll, optimizer updates (native/src/eltwise.h) ---- */

/* The length of a Float32Array argument (0 for null or anything else; f32 then reports the type). */
static size_t f32len(napi_env env, napi_value v) {
  bool is = 0;
  napi_typedarray_type type;
  size_t len = 0;
  napi_is_typedarray(env, v, &is);
  if (is) napi_get_typedarray_info(env, v, &type, &len, 0, 0, 0);
  return is && type == napi_float32_array ? len : 0;
}

/* eltBinary(op, geom: Int32Array [nd, shape…, aStrides…, bStrides…], a, b, y) */
static napi_value EltBinary(napi_env env, napi_callback_info info) {
  ARGS(5);
  int ok = 1, op = i32(env, argv[0]);
  int32_t g[1 + 3 * CL_MAX_DIMS];
  int32_t* d = i32s(env, argv[1], 1, "binary geometry", &ok);
  if (!ok) return 0;
  if (!d) return fail(env, "convlab native: binary geometry must be an Int32Array, got null");
  int nd = d[0];
  if (op < 0 || op >= CL_BINARY_OPS) return fail(env, "convlab native: binary op code out of range");
  if (nd < 1 || nd > CL_MAX_DIMS) return fail(env, "convlab native: binary takes 1 to 8 dims");
  d = i32s(env, argv[1], 1 + 3 * (size_t)nd, "binary geometry", &ok);
  if (!ok) return 0;
  memcpy(g, d, (1 + 3 * (size_t)nd) * sizeof *g);
  size_t total = 1, aEnd = 1, bEnd = 1;
  for (int k = 0; k < nd; k++) {
    if (g[1 + k] < 0 || g[1 + nd + k] < 0 || g[1 + 2 * nd + k] < 0)
      return fail(env, "convlab native: binary sizes and strides must not be negative");
    if (g[1 + k] == 0) return 0;
    total *= (size_t)g[1 + k];
    aEnd += (size_t)(g[1 + k] - 1) * g[1 + nd + k];
    bEnd += (size_t)(g[1 + k] - 1) * g[1 + 2 * nd + k];
  }
  float* a = f32(env, argv[2], aEnd, 0, "a", &ok);
  float* b = ok ? f32(env, argv[3], bEnd, 0, "b", &ok) : 0;
  float* y = ok ? f32(env, argv[4], total, 0, "y", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_binary(op, g, a, b, y);
  pthread_mutex_unlock(&busy);
  return 0;
}

/* eltUnary(op, x, y, alpha, beta) over y.length elements */
static napi_value EltUnary(napi_env env, napi_callback_info info) {
  ARGS(5);
  int ok = 1, op = i32(env, argv[0]);
  if (op < 0 || op >= CL_UNARY_OPS) return fail(env, "convlab native: unary op code out of range");
  size_t n = f32len(env, argv[2]);
  float* x = f32(env, argv[1], n, 0, "x", &ok);
  float* y = ok ? f32(env, argv[2], n, 0, "y", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_unary(op, n, x, y, (float)f64(env, argv[3]), (float)f64(env, argv[4]));
  pthread_mutex_unlock(&busy);
  return 0;
}

/* eltUnaryBackward(op, g, x | null, y | null, gx, alpha, beta) over gx.length elements */
static napi_value EltUnaryBackward(napi_env env, napi_callback_info info) {
  ARGS(7);
  int ok = 1, op = i32(env, argv[0]);
  if (op < 0 || op >= CL_UNARY_OPS) return fail(env, "convlab native: unary op code out of range");
  size_t n = f32len(env, argv[4]);
  float* g = f32(env, argv[1], n, 0, "g", &ok);
  float* x = ok ? f32(env, argv[2], n, 1, "x", &ok) : 0;
  float* y = ok ? f32(env, argv[3], n, 1, "y", &ok) : 0;
  float* gx = ok ? f32(env, argv[4], n, 0, "gx", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_unary_backward(op, n, g, x, y, gx, (float)f64(env, argv[5]), (float)f64(env, argv[6]));
  pthread_mutex_unlock(&busy);
  return 0;
}

/* The three sizes of an [outer, n, inner] view at argv[at…], checked; 0 with an exception pending. */
static int axis_sizes(napi_env env, napi_value* argv, int at, int* outer, int* n, int* inner, size_t* all) {
  *outer = i32(env, argv[at]), *n = i32(env, argv[at + 1]), *inner = i32(env, argv[at + 2]);
  if (*outer < 0 || *n < 1 || *inner < 0) {
    fail(env, "convlab native: an [outer, n, inner] view needs outer, inner >= 0 and n >= 1");
    return 0;
  }
  *all = (size_t)*outer * *n * *inner;
  return 1;
}

/* eltReduce(op, outer, n, inner, x, y, index | null) */
static napi_value EltReduce(napi_env env, napi_callback_info info) {
  ARGS(7);
  int ok = 1, op = i32(env, argv[0]), outer, n, inner;
  size_t all;
  if (op < CL_SUM || op > CL_MIN) return fail(env, "convlab native: reduce op code out of range");
  if (!axis_sizes(env, argv, 1, &outer, &n, &inner, &all)) return 0;
  float* x = f32(env, argv[4], all, 0, "x", &ok);
  float* y = ok ? f32(env, argv[5], (size_t)outer * inner, 0, "y", &ok) : 0;
  napi_valuetype t;
  napi_typeof(env, argv[6], &t);
  int32_t* index = ok && t != napi_null ? i32s(env, argv[6], (size_t)outer * inner, "index", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_reduce(op, outer, n, inner, x, y, index);
  pthread_mutex_unlock(&busy);
  return 0;
}

/* eltSoftmax(log, outer, n, inner, x, y) and eltSoftmaxBackward(log, outer, n, inner, g, y, gx) */
static napi_value EltSoftmax(napi_env env, napi_callback_info info) {
  ARGS(6);
  int ok = 1, outer, n, inner;
  size_t all;
  if (!axis_sizes(env, argv, 1, &outer, &n, &inner, &all)) return 0;
  float* x = f32(env, argv[4], all, 0, "x", &ok);
  float* y = ok ? f32(env, argv[5], all, 0, "y", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_softmax(i32(env, argv[0]), outer, n, inner, x, y);
  pthread_mutex_unlock(&busy);
  return 0;
}

static napi_value EltSoftmaxBackward(napi_env env, napi_callback_info info) {
  ARGS(7);
  int ok = 1, outer, n, inner;
  size_t all;
  if (!axis_sizes(env, argv, 1, &outer, &n, &inner, &all)) return 0;
  float* g = f32(env, argv[4], all, 0, "g", &ok);
  float* y = ok ? f32(env, argv[5], all, 0, "y", &ok) : 0;
  float* gx = ok ? f32(env, argv[6], all, 0, "gx", &ok) : 0;
  if (!ok) return 0;
  pthread_mutex_lock(&busy);
  cl_softmax_backward(i32(env, argv[0]), outer, n, inner, g, y, gx);
  pthread_mutex_unlock(&busy);
  return 0;
}

/* eltNll(n, c, inner, logProbs, target, y) and eltNllBackward(n, c, inner, g, target, gx); every target is checked
 * here too, since a bad index would write outside gx. */
static napi_value nll_call(napi_env env, napi_callback_info info, int backward) {
  ARGS(6);
  int ok = 1, n = i32(env, argv[0]), c = i32(env, argv[1]), inner = i32(env, argv[2]);
  if (n < 0 || c < 1 || inner < 0) return fail(env, "convlab native: nllLoss needs n, inner >= 0 and c >= 1");
  size_t all = (size_t)n * c * inner, rows = (size_t)n * inner;
  float* src = f32(env, argv[3], backward ? rows : all, 0, backward ? "g" : "logProbs", &ok);
  float* target = ok ? f32(env, argv[4], rows, 0, "target", &ok) : 0;
  float* dst = ok ? f32(env, argv[5], backward ? all : rows, 0, backward ? "gx" : "y", &ok) : 0;
  if (!ok) return 0;
  for (size_t i = 0; i < rows; i++)
    if (!(target[i] >= 0 && target[i] < c) || target[i] != (float)(int)target[i])
      return fail(env, "convlab native: nllLoss target holds a value that is not a class index");
  if (backward)
    cl_nll_backward(n, c, inner, src, target, dst);
  else
    cl_nll(n, c, inner, src, target, dst);
  return 0;
}

static napi_value EltNll(napi_env env, napi_callback_info info) { return nll_call(env, info, 0); }
static napi_value EltNllBackward(napi_env env, napi_callback_info info) { return nll_call(env, info, 1); }

/* eltSgd(w, g, buf | null, lr, momentum, dampening, weightDecay, nesterov, first) */
static napi_value EltSgd(napi_env env, napi_callback_info info) {
  ARGS(9);
  int ok = 1;
  size_t n = f32len(env, argv[0]);
  float* w = f32(env, argv[0], n, 0, "w", &ok);
  float* g = ok ? f32(env, argv[1], n, 0, "g", &ok) : 0;
  float* buf = ok ? f32(env, argv[2], n, 1, "buf", &ok) : 0;
  if (!ok) return 0;
  cl_sgd(n, w, g, buf, f64(env, argv[3]), f64(env, argv[4]), f64(env, argv[5]), f64(env, argv[6]), i32(env, argv[7]),
         i32(env, argv[8]));
  return 0;
}

/* eltAdam(w, g, m, v, lr, beta1, beta2, eps, weightDecay, bias1, bias2) */
static napi_value EltAdam(napi_env env, napi_callback_info info) {
  ARGS(11);
  int ok = 1;
  size_t n = f32len(env, argv[0]);
  float* w = f32(env, argv[0], n, 0, "w", &ok);
  float* g = ok ? f32(env, argv[1], n, 0, "g", &ok) : 0;
  float* m = ok ? f32(env, argv[2], n, 0, "m", &ok) : 0;
  float* v = ok ? f32(env, argv[3], n, 0, "v", &ok) : 0;
  if (!ok) return 0;
  cl_adam(n, w, g, m, v, f64(env, argv[4]), f64(env, argv[5]), f64(env, argv[6]), f64(env, argv[7]), f64(env, argv[8]),
          f64(env, argv[9]), f64(env, argv[10]));
  return 0;
}

/* The kernel configs this CPU runs, best first. */
static napi_value Configs(napi_env env, napi_callback_info info) {
  (void)info;
  int count;
  const cl_config* c = cl_configs(&count);
  napi_value arr;
  napi_create_array(env, &arr);
  const cl_config* keep = cl_current();
  uint32_t j = 0;
  for (int i = 0; i < count; i++) {
    if (!cl_select(c[i].name)) continue;
    napi_value s;
    napi_create_string_utf8(env, c[i].name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, j++, s);
  }
  cl_select(keep->name);
  return arr;
}

static napi_value Select(napi_env env, napi_callback_info info) {
  ARGS(1);
  char name[32] = {0};
  size_t len;
  napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len);
  napi_value r;
  napi_get_boolean(env, cl_select(name), &r);
  return r;
}

static napi_value Current(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  napi_create_string_utf8(env, cl_current()->name, NAPI_AUTO_LENGTH, &s);
  return s;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, cl_threads(), &r);
  return r;
}

void cl_tune_malloc(void); /* pool.c */

static napi_value Init(napi_env env, napi_value exports) {
  cl_tune_malloc();
  napi_property_descriptor props[] = {
      {"gemm", 0, Gemm, 0, 0, 0, napi_default, 0},
      {"convForward", 0, ConvForward, 0, 0, 0, napi_default, 0},
      {"convBackwardData", 0, ConvBackwardData, 0, 0, 0, napi_default, 0},
      {"convBackwardFilter", 0, ConvBackwardFilter, 0, 0, 0, napi_default, 0},
      {"deformIm2col", 0, DeformIm2col, 0, 0, 0, napi_default, 0},
      {"deformCol2im", 0, DeformCol2im, 0, 0, 0, napi_default, 0},
      {"batchNormForward", 0, BatchNormForward, 0, 0, 0, napi_default, 0},
      {"batchNormBackward", 0, BatchNormBackward, 0, 0, 0, napi_default, 0},
      {"maxPool2dForward", 0, MaxPool2dForward, 0, 0, 0, napi_default, 0},
      {"maxPool2dBackward", 0, MaxPool2dBackward, 0, 0, 0, napi_default, 0},
      {"avgPool2dForward", 0, AvgPool2dForward, 0, 0, 0, napi_default, 0},
      {"avgPool2dBackward", 0, AvgPool2dBackward, 0, 0, 0, napi_default, 0},
      {"adaptiveAvgPool2dForward", 0, AdaptiveForward, 0, 0, 0, napi_default, 0},
      {"adaptiveAvgPool2dBackward", 0, AdaptiveBackward, 0, 0, 0, napi_default, 0},
      {"interpolate2dForward", 0, ResampleForward, 0, 0, 0, napi_default, 0},
      {"interpolate2dBackward", 0, ResampleBackward, 0, 0, 0, napi_default, 0},
      {"stridedCopy", 0, StridedCopy, 0, 0, 0, napi_default, 0},
      {"eltBinary", 0, EltBinary, 0, 0, 0, napi_default, 0},
      {"eltUnary", 0, EltUnary, 0, 0, 0, napi_default, 0},
      {"eltUnaryBackward", 0, EltUnaryBackward, 0, 0, 0, napi_default, 0},
      {"eltReduce", 0, EltReduce, 0, 0, 0, napi_default, 0},
      {"eltSoftmax", 0, EltSoftmax, 0, 0, 0, napi_default, 0},
      {"eltSoftmaxBackward", 0, EltSoftmaxBackward, 0, 0, 0, napi_default, 0},
      {"eltNll", 0, EltNll, 0, 0, 0, napi_default, 0},
      {"eltNllBackward", 0, EltNllBackward, 0, 0, 0, napi_default, 0},
      {"eltSgd", 0, EltSgd, 0, 0, 0, napi_default, 0},
      {"eltAdam", 0, EltAdam, 0, 0, 0, napi_default, 0},
      {"configs", 0, Configs, 0, 0, 0, napi_default, 0},
      {"select", 0, Select, 0, 0, 0, napi_default, 0},
      {"current", 0, Current, 0, 0, 0, napi_default, 0},
      {"threads", 0, Threads, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
