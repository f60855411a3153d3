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
      {"configs", 0, Configs, 0, 0, 0, napi_default, 0},
      {"select", 0, Select, 0, 0, 0, napi_default, 0},
      {"current", 0, Current, 0, 0, 0, napi_default, 0},
      {"threads", 0, Threads, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
