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

/* The data of an Int32Array argument of at least `need` elements, or NULL with an exception pending. */
static int32_t* i32s(napi_env env, napi_value v, size_t need, const char* what, int* ok) {
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
  float* src = f32(env, a[0], bwd ? out : in, 0, bwd ? "gy" : "x", &ok);
  int32_t* idx = 0;
  float* dst;
  if (which == MAX_B) {
    idx = ok ? i32s(env, a[1], out, "indices", &ok) : 0;
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
    case MAX_B: cl_max_pool2d_backward(&g, src, idx, dst); break;
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

static napi_value Init(napi_env env, napi_value exports) {
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
      {"configs", 0, Configs, 0, 0, 0, napi_default, 0},
      {"select", 0, Select, 0, 0, 0, napi_default, 0},
      {"current", 0, Current, 0, 0, 0, napi_default, 0},
      {"threads", 0, Threads, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
