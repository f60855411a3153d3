/*
 * Element-wise arithmetic with broadcasting, activations and their gradients, reductions, softmax, the negative
 * log-likelihood and the SGD / Adam updates. All memory-bound but exp, log and tanh, so the loops are plain 8-lane
 * vector code through the compilers' vector extensions (two SIMD128 ops in WebAssembly, one ymm op with AVX2), and
 * on x86-64 GCC builds an x86-64-v3 clone (AVX2 + FMA) of the row kernels beside the baseline one, picked at load
 * (ifunc; "arch=haswell" would test for that exact CPU and pick the baseline on every AMD part). The baseline clone
 * is slow (GCC splits 32-byte vector compares into scalar code without AVX) but only CPUs before 2013 run it.
 *
 * Threads: a call splits only above a grain of elements per task, CL_SPLIT_ELEMENTS or CL_SPLIT_ELEMENTS_MATH of
 * the threshold table (convlab.h).
 */
#include "eltwise.h"

#include "convlab.h"

#define W 8
/* Elements per task: memory-bound ops, and ops that evaluate exp, log or tanh per element. */
#define GRAIN_MEM CL_SPLIT_ELEMENTS
#define GRAIN_MATH CL_SPLIT_ELEMENTS_MATH
typedef float V __attribute__((vector_size(32), aligned(4)));
typedef int32_t VI __attribute__((vector_size(32), aligned(4)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__wasm__)
#define ROW __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ROW
#endif
/* The 32-byte vectors never cross a call (every helper is always_inline), so the ABI note does not apply. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#define AI static inline __attribute__((always_inline))

AI V ld(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
AI void st(float* p, V v) { __builtin_memcpy(p, &v, sizeof v); }
AI V splat(float x) { return (V){x, x, x, x, x, x, x, x}; }
AI VI isplat(int32_t x) { return (VI){x, x, x, x, x, x, x, x}; }
/* The first n lanes from p, the rest `fill`. */
AI V ldn(const float* p, size_t n, float fill) {
  float t[W];
  for (size_t i = 0; i < W; i++) t[i] = i < n ? p[i] : fill;
  return ld(t);
}
AI void stn(float* p, V v, size_t n) {
  float t[W];
  st(t, v);
  for (size_t i = 0; i < n; i++) p[i] = t[i];
}
/* m ? a : b, lane by lane (m is a comparison result: all ones or all zeros). */
AI V sel(VI m, V a, V b) { return (V)(((VI)a & m) | ((VI)b & ~m)); }
AI VI isnan_(V x) { return x != x; }
/* Math.max / Math.min: NaN when either is NaN. */
AI V vmax(V a, V b) { return sel(isnan_(a) | isnan_(b), a + b, sel(a > b, a, b)); }
AI V vmin(V a, V b) { return sel(isnan_(a) | isnan_(b), a + b, sel(a < b, a, b)); }
AI V vabs(V x) { return (V)((VI)x & isplat(INT32_MAX)); }
AI float hsum(V v) {
  float s = 0;
  for (int l = 0; l < W; l++) s += v[l];
  return s;
}

/* exp: Cephes' range reduction and polynomial (about 1 ulp), 2^n applied in two halves so that the results
 * overflow to ∞ and underflow through the subnormals as expf does. */
AI V vexp(V x0) {
  V x = sel(x0 > splat(88.8f), splat(88.8f), x0);
  x = sel(x < splat(-104.0f), splat(-104.0f), x);
  V t = x * splat(1.44269504088896341f) + splat(12582912.0f);
  V n = t - splat(12582912.0f);
  VI ni = (VI)t - (VI)splat(12582912.0f);
  V r = x - n * splat(0.693359375f) + n * splat(2.12194440e-4f);
  V p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  p = p * (r * r) + r + splat(1.0f);
  VI n1 = ni >> 1, n2 = ni - n1;
  V y = p * (V)((n1 + 127) << 23) * (V)((n2 + 127) << 23);
  return sel(isnan_(x0), x0, y);
}

/* log: Cephes' logf (mantissa in [√½, √2), polynomial of degree 9), subnormals rescaled first. */
AI V vlog(V x0) {
  VI tiny = x0 < splat(1.17549435e-38f);
  V x = sel(tiny, x0 * splat(8388608.0f), x0);
  VI bits = (VI)x;
  VI e = ((bits >> 23) & 0xff) - 126 - (tiny & 23);
  V m = (V)((bits & 0x007fffff) | 0x3f000000);
  VI low = m < splat(0.707106781186547524f);
  e = e + low;
  V f = sel(low, m + m, m) - splat(1.0f);
  V ef = __builtin_convertvector(e, V);
  V z = f * f;
  V y = splat(7.0376836292e-2f);
  y = y * f - splat(1.1514610310e-1f);
  y = y * f + splat(1.1676998740e-1f);
  y = y * f - splat(1.2420140846e-1f);
  y = y * f + splat(1.4249322787e-1f);
  y = y * f - splat(1.6668057665e-1f);
  y = y * f + splat(2.0000714765e-1f);
  y = y * f - splat(2.4999993993e-1f);
  y = y * f + splat(3.3333331174e-1f);
  y = y * f * z;
  y = y + ef * splat(-2.12194440e-4f) - splat(0.5f) * z;
  V r = f + y + ef * splat(0.693359375f);
  r = sel(x0 == splat(0.0f), splat(-__builtin_inff()), r);
  r = sel(x0 < splat(0.0f), splat(__builtin_nanf("")), r);
  r = sel(x0 == splat(__builtin_inff()), x0, r);
  return sel(isnan_(x0), x0, r);
}

/* tanh: Cephes' odd polynomial below 0.625 (no cancellation near 0), 1 − 2/(e^{2|x|} + 1) above. */
AI V vtanh(V x) {
  V ax = vabs(x);
  V z = x * x;
  V s = splat(-5.70498872745e-3f);
  s = s * z + splat(2.06390887954e-2f);
  s = s * z - splat(5.37397155531e-2f);
  s = s * z + splat(1.33314422036e-1f);
  s = s * z - splat(3.33332819422e-1f);
  s = s * z * x + x;
  V l = splat(1.0f) - splat(2.0f) / (vexp(ax + ax) + splat(1.0f));
  l = (V)(((VI)l & isplat(INT32_MAX)) | ((VI)x & isplat(INT32_MIN)));
  return sel(ax < splat(0.625f), s, l);
}

AI V vsigmoid(V x) { return splat(1.0f) / (splat(1.0f) + vexp(-x)); }

AI V vsqrt(V x) {
  V r;
  for (int l = 0; l < W; l++) r[l] = __builtin_sqrtf(x[l]);
  return r;
}

/* ---- binary ops ---------------------------------------------------------------------------------------------- */

typedef void (*bin_row)(size_t n, const float* a, const float* b, float* y);

/* Three rows per op: both operands contiguous, b one value, a one value. */
#define BINARY(name, EXPR)                                                        \
  static ROW void name##_vv(size_t n, const float* a, const float* b, float* y) { \
    size_t i = 0;                                                                 \
    for (; i + W <= n; i += W) {                                                  \
      V x = ld(a + i), z = ld(b + i);                                             \
      st(y + i, EXPR);                                                            \
    }                                                                             \
    if (i < n) {                                                                  \
      V x = ldn(a + i, n - i, 1), z = ldn(b + i, n - i, 1);                       \
      stn(y + i, EXPR, n - i);                                                    \
    }                                                                             \
  }                                                                               \
  static ROW void name##_vs(size_t n, const float* a, const float* b, float* y) { \
    size_t i = 0;                                                                 \
    V z = splat(*b);                                                              \
    for (; i + W <= n; i += W) {                                                  \
      V x = ld(a + i);                                                            \
      st(y + i, EXPR);                                                            \
    }                                                                             \
    if (i < n) {                                                                  \
      V x = ldn(a + i, n - i, 1);                                                 \
      stn(y + i, EXPR, n - i);                                                    \
    }                                                                             \
  }                                                                               \
  static ROW void name##_sv(size_t n, const float* a, const float* b, float* y) { \
    size_t i = 0;                                                                 \
    V x = splat(*a);                                                              \
    for (; i + W <= n; i += W) {                                                  \
      V z = ld(b + i);                                                            \
      st(y + i, EXPR);                                                            \
    }                                                                             \
    if (i < n) {                                                                  \
      V z = ldn(b + i, n - i, 1);                                                 \
      stn(y + i, EXPR, n - i);                                                    \
    }                                                                             \
  }

BINARY(add, x + z)
BINARY(sub, x - z)
BINARY(mul, x * z)
BINARY(div, x / z)
BINARY(maximum, vmax(x, z))
BINARY(minimum, vmin(x, z))

static const bin_row bin_rows[CL_BINARY_OPS][3] = {
    {add_vv, add_vs, add_sv},         {sub_vv, sub_vs, sub_sv},
    {mul_vv, mul_vs, mul_sv},         {div_vv, div_vs, div_sv},
    {maximum_vv, maximum_vs, maximum_sv}, {minimum_vv, minimum_vs, minimum_sv},
};

/* One element, for operands strided other than 0 or 1 in their last dim. */
static float bin_scalar(int op, float x, float z) {
  switch (op) {
    case CL_ADD: return x + z;
    case CL_SUB: return x - z;
    case CL_MUL: return x * z;
    case CL_DIV: return x / z;
    case CL_MAXIMUM: return x != x || z != z ? x + z : x > z ? x : z;
    default: return x != x || z != z ? x + z : x < z ? x : z;
  }
}

typedef struct {
  int op, nd;
  const int32_t *shape, *sa, *sb;
  const float *a, *b;
  float* y;
  size_t total, per;
} bin_ctx;

static void bin_range(const bin_ctx* c, size_t lo, size_t hi) {
  int nd = c->nd;
  size_t inner = (size_t)c->shape[nd - 1];
  ptrdiff_t ia = c->sa[nd - 1], ib = c->sb[nd - 1];
  int idx[CL_MAX_DIMS];
  ptrdiff_t offA = 0, offB = 0;
  size_t rest = lo / inner;
  for (int d = nd - 2; d >= 0; d--) {
    idx[d] = (int)(rest % (size_t)c->shape[d]);
    rest /= (size_t)c->shape[d];
    offA += (ptrdiff_t)idx[d] * c->sa[d];
    offB += (ptrdiff_t)idx[d] * c->sb[d];
  }
  size_t j = lo % inner;
  int pattern = ia == 1 && ib == 1 ? 0 : ia == 1 && ib == 0 ? 1 : ia == 0 && ib == 1 ? 2 : 3;
  for (size_t pos = lo; pos < hi;) {
    size_t len = inner - j < hi - pos ? inner - j : hi - pos;
    const float* a = c->a + offA + (ptrdiff_t)j * ia;
    const float* b = c->b + offB + (ptrdiff_t)j * ib;
    if (pattern < 3)
      bin_rows[c->op][pattern](len, a, b, c->y + pos);
    else
      for (size_t t = 0; t < len; t++) c->y[pos + t] = bin_scalar(c->op, a[(ptrdiff_t)t * ia], b[(ptrdiff_t)t * ib]);
    pos += len;
    j = 0;
    for (int d = nd - 2; d >= 0; d--) {
      offA += c->sa[d];
      offB += c->sb[d];
      if (++idx[d] < c->shape[d]) break;
      offA -= (ptrdiff_t)c->sa[d] * c->shape[d];
      offB -= (ptrdiff_t)c->sb[d] * c->shape[d];
      idx[d] = 0;
    }
  }
}

static void bin_task(void* ctx, int task, int thread) {
  (void)thread;
  const bin_ctx* c = ctx;
  size_t lo = (size_t)task * c->per, hi = lo + c->per < c->total ? lo + c->per : c->total;
  if (lo < hi) bin_range(c, lo, hi);
}

/* Tasks for `total` elements: one per grain, at most one per thread. */
static int tasks_for(size_t total, size_t grain) {
  size_t t = total / grain;
  int threads = cl_threads();
  return t < 1 ? 1 : t > (size_t)threads ? threads : (int)t;
}

/* Elements per task, a multiple of W so that tasks never split a vector. */
static size_t per_task(size_t total, int tasks) { return ((total + tasks - 1) / tasks + W - 1) / W * W; }

void cl_binary(int op, const int32_t* geom, const float* a, const float* b, float* y) {
  int nd = geom[0];
  if (op < 0 || op >= CL_BINARY_OPS || nd < 1 || nd > CL_MAX_DIMS) return;
  bin_ctx c = {op, nd, geom + 1, geom + 1 + nd, geom + 1 + 2 * nd, a, b, y, 1, 0};
  for (int d = 0; d < nd; d++) c.total *= (size_t)geom[1 + d];
  if (c.total == 0) return;
  int tasks = tasks_for(c.total, GRAIN_MEM);
  c.per = per_task(c.total, tasks);
  cl_parallel_for(tasks, bin_task, &c);
}

/* ---- unary maps and their gradients -------------------------------------------------------------------------- */

#define UNARY(name, EXPR)                                                                   \
  static ROW void name##_f(size_t n, const float* xp, float* y, float alpha, float beta) {  \
    V al = splat(alpha), be = splat(beta);                                                  \
    (void)al, (void)be;                                                                     \
    size_t i = 0;                                                                           \
    for (; i + W <= n; i += W) {                                                            \
      V x = ld(xp + i);                                                                     \
      st(y + i, EXPR);                                                                      \
    }                                                                                       \
    if (i < n) {                                                                            \
      V x = ldn(xp + i, n - i, 1);                                                          \
      stn(y + i, EXPR, n - i);                                                              \
    }                                                                                       \
  }

UNARY(relu, sel(x <= splat(0.0f), splat(0.0f), x))
UNARY(leaky, sel(x > splat(0.0f), x, x * al))
UNARY(sigmoid, vsigmoid(x))
UNARY(tanh, vtanh(x))
UNARY(exp, vexp(x))
UNARY(log, vlog(x))
UNARY(sqrt, vsqrt(x))
UNARY(abs, vabs(x))
UNARY(neg, -x)
UNARY(clamp, sel(x < al, al, sel(x > be, be, x)))

typedef void (*un_row)(size_t, const float*, float*, float, float);
static const un_row un_rows[CL_UNARY_OPS] = {relu_f, leaky_f, sigmoid_f, tanh_f, exp_f,
                                             log_f,  sqrt_f,  abs_f,     neg_f,  clamp_f};

/* g times the derivative, from the input x or the output y (contract.ts says which). */
#define GRAD(name, EXPR)                                                                                      \
  static ROW void name##_b(size_t n, const float* gp, const float* xp, const float* yp, float* gx, float alpha, \
                           float beta) {                                                                      \
    V al = splat(alpha), be = splat(beta), one = splat(1.0f), zero = splat(0.0f);                             \
    (void)al, (void)be, (void)one, (void)zero;                                                                \
    size_t i = 0;                                                                                             \
    for (; i + W <= n; i += W) {                                                                              \
      V g = ld(gp + i), x = xp ? ld(xp + i) : zero, y = yp ? ld(yp + i) : zero;                               \
      (void)x, (void)y;                                                                                       \
      st(gx + i, EXPR);                                                                                       \
    }                                                                                                         \
    if (i < n) {                                                                                              \
      V g = ldn(gp + i, n - i, 0), x = xp ? ldn(xp + i, n - i, 1) : zero, y = yp ? ldn(yp + i, n - i, 1) : zero; \
      (void)x, (void)y;                                                                                       \
      stn(gx + i, EXPR, n - i);                                                                               \
    }                                                                                                         \
  }

GRAD(relu, g* sel(x > zero, one, zero))
GRAD(leaky, g* sel(x > zero, one, al))
GRAD(sigmoid, g*(y * (one - y)))
GRAD(tanh, g*(one - y * y))
GRAD(exp, g* y)
GRAD(log, g / x)
GRAD(sqrt, g / (y + y))
GRAD(abs, g* sel(x > zero, one, sel(x < zero, -one, x * zero)))
GRAD(neg, -g)
GRAD(clamp, g* sel((x >= al) & (x <= be), one, zero))

typedef void (*grad_row)(size_t, const float*, const float*, const float*, float*, float, float);
static const grad_row grad_rows[CL_UNARY_OPS] = {relu_b, leaky_b, sigmoid_b, tanh_b, exp_b,
                                                 log_b,  sqrt_b,  abs_b,     neg_b,  clamp_b};

typedef struct {
  int op;
  size_t n, per;
  const float *g, *x, *y;
  float* out;
  float alpha, beta;
} un_ctx;

static void un_task(void* ctx, int task, int thread) {
  (void)thread;
  const un_ctx* c = ctx;
  size_t lo = (size_t)task * c->per, hi = lo + c->per < c->n ? lo + c->per : c->n;
  if (lo >= hi) return;
  if (c->g == 0)
    un_rows[c->op](hi - lo, c->x + lo, c->out + lo, c->alpha, c->beta);
  else
    grad_rows[c->op](hi - lo, c->g + lo, c->x ? c->x + lo : 0, c->y ? c->y + lo : 0, c->out + lo, c->alpha, c->beta);
}

static int transcendental(int op) { return op == CL_SIGMOID || op == CL_TANH || op == CL_EXP || op == CL_LOG; }

void cl_unary(int op, size_t n, const float* x, float* y, float alpha, float beta) {
  if (op < 0 || op >= CL_UNARY_OPS || n == 0) return;
  int tasks = tasks_for(n, transcendental(op) ? GRAIN_MATH : GRAIN_MEM);
  un_ctx c = {op, n, per_task(n, tasks), 0, x, 0, y, alpha, beta};
  cl_parallel_for(tasks, un_task, &c);
}

void cl_unary_backward(int op, size_t n, const float* g, const float* x, const float* y, float* gx, float alpha,
                       float beta) {
  if (op < 0 || op >= CL_UNARY_OPS || n == 0) return;
  int tasks = tasks_for(n, GRAIN_MEM); /* no gradient rule evaluates a transcendental */
  un_ctx c = {op, n, per_task(n, tasks), g, x, y, gx, alpha, beta};
  cl_parallel_for(tasks, un_task, &c);
}

/* ---- rows and columns of an [outer, n, inner] view: reductions and softmax ----------------------------------- */

/* A row sum: float vector partials over blocks of 1024, added in double, so long sums do not drift. */
static ROW float row_sum(size_t n, const float* x) {
  double acc = 0;
  for (size_t i = 0; i < n;) {
    size_t end = n - i > 1024 ? i + 1024 : n;
    V s0 = splat(0), s1 = splat(0);
    for (; i + 2 * W <= end; i += 2 * W) s0 += ld(x + i), s1 += ld(x + i + W);
    for (; i + W <= end; i += W) s0 += ld(x + i);
    if (i < end) s1 += ldn(x + i, end - i, 0), i = end;
    acc += hsum(s0 + s1);
  }
  return (float)acc;
}

/* y[i] = Σ_k x[k·inner + i] for the columns [lo, hi). */
static ROW void col_sum(size_t n, size_t inner, size_t lo, size_t hi, const float* x, float* y) {
  for (size_t i = lo; i < hi; i += W) {
    size_t cnt = hi - i < W ? hi - i : W;
    V s = splat(0);
    for (size_t k = 0; k < n; k++) s += cnt == W ? ld(x + k * inner + i) : ldn(x + k * inner + i, cnt, 0);
    stn(y + i, s, cnt);
  }
}

/* max / min with the index of the first best, the first NaN winning (as the ts backend and PyTorch). */
static void extremum(int op, size_t n, size_t inner, size_t lo, size_t hi, const float* x, float* y,
                     int32_t* index) {
  for (size_t i = lo; i < hi; i++) {
    float best = x[i];
    int32_t at = 0;
    for (size_t k = 1; k < n && best == best; k++) {
      float v = x[k * inner + i];
      if ((op == CL_MAX ? v > best : v < best) || v != v) best = v, at = (int32_t)k;
    }
    y[i] = best;
    if (index) index[i] = at;
  }
}

static ROW void softmax_row(int log, size_t n, const float* x, float* y) {
  V m = splat(-__builtin_inff());
  size_t i = 0;
  for (; i + W <= n; i += W) m = vmax(m, ld(x + i));
  if (i < n) m = vmax(m, ldn(x + i, n - i, -__builtin_inff()));
  float mx = m[0];
  for (int l = 1; l < W; l++) mx = mx != mx || m[l] != m[l] ? mx + m[l] : mx > m[l] ? mx : m[l];
  V mv = splat(mx), s = splat(0);
  for (i = 0; i + W <= n; i += W) s += vexp(ld(x + i) - mv);
  if (i < n) s += vexp(ldn(x + i, n - i, -__builtin_inff()) - mv);
  float sum = hsum(s);
  V sv = splat(sum), logs = vlog(sv);
  for (i = 0; i + W <= n; i += W) {
    V z = ld(x + i) - mv;
    st(y + i, log ? z - logs : vexp(z) / sv);
  }
  if (i < n) {
    V z = ldn(x + i, n - i, 0) - mv;
    stn(y + i, log ? z - logs : vexp(z) / sv, n - i);
  }
}

/* Softmax down the columns [lo, hi) of an [n, inner] block, W columns at a time. */
static ROW void softmax_cols(int log, size_t n, size_t inner, size_t lo, size_t hi, const float* x, float* y) {
  for (size_t i = lo; i < hi; i += W) {
    size_t cnt = hi - i < W ? hi - i : W;
    V m = splat(-__builtin_inff()), s = splat(0);
    for (size_t k = 0; k < n; k++) m = vmax(m, ldn(x + k * inner + i, cnt, 0));
    for (size_t k = 0; k < n; k++) s += vexp(ldn(x + k * inner + i, cnt, 0) - m);
    V logs = vlog(s);
    for (size_t k = 0; k < n; k++) {
      V z = ldn(x + k * inner + i, cnt, 0) - m;
      stn(y + k * inner + i, log ? z - logs : vexp(z) / s, cnt);
    }
  }
}

static ROW void softmax_back_cols(int log, size_t n, size_t inner, size_t lo, size_t hi, const float* g,
                                  const float* y, float* gx) {
  for (size_t i = lo; i < hi; i += W) {
    size_t cnt = hi - i < W ? hi - i : W;
    V s = splat(0);
    for (size_t k = 0; k < n; k++) {
      V gk = ldn(g + k * inner + i, cnt, 0);
      s += log ? gk : gk * ldn(y + k * inner + i, cnt, 0);
    }
    for (size_t k = 0; k < n; k++) {
      V gk = ldn(g + k * inner + i, cnt, 0), yk = ldn(y + k * inner + i, cnt, 0);
      stn(gx + k * inner + i, log ? gk - vexp(yk) * s : yk * (gk - s), cnt);
    }
  }
}

static ROW void softmax_back_row(int log, size_t n, const float* g, const float* y, float* gx) {
  V s = splat(0);
  size_t i = 0;
  for (; i + W <= n; i += W) s += log ? ld(g + i) : ld(g + i) * ld(y + i);
  if (i < n) s += log ? ldn(g + i, n - i, 0) : ldn(g + i, n - i, 0) * ldn(y + i, n - i, 0);
  V sv = splat(hsum(s));
  for (i = 0; i + W <= n; i += W) {
    V gk = ld(g + i), yk = ld(y + i);
    st(gx + i, log ? gk - vexp(yk) * sv : yk * (gk - sv));
  }
  if (i < n) {
    V gk = ldn(g + i, n - i, 0), yk = ldn(y + i, n - i, 0);
    stn(gx + i, log ? gk - vexp(yk) * sv : yk * (gk - sv), n - i);
  }
}

enum { K_SUM, K_MAX, K_MIN, K_SOFTMAX, K_SOFTMAX_BACK };

/* One [outer, n, inner] job: a task takes a range of outer rows or, when there are fewer rows than tasks, a range
 * of columns of every row. */
typedef struct {
  int kind, op, log, tasks;
  size_t outer, n, inner;
  const float *x, *g;
  float* y;
  int32_t* index;
} axis_ctx;

static void axis_rows(const axis_ctx* c, size_t o, size_t lo, size_t hi) {
  size_t n = c->n, inner = c->inner, in = o * n * inner, out = o * inner;
  switch (c->kind) {
    case K_SUM:
      if (inner == 1)
        c->y[o] = row_sum(n, c->x + in);
      else
        col_sum(n, inner, lo, hi, c->x + in, c->y + out);
      break;
    case K_MAX:
    case K_MIN:
      extremum(c->op, n, inner, lo, hi, c->x + in, c->y + out, c->index ? c->index + out : 0);
      break;
    case K_SOFTMAX:
      if (inner == 1)
        softmax_row(c->log, n, c->x + in, c->y + in);
      else
        softmax_cols(c->log, n, inner, lo, hi, c->x + in, c->y + in);
      break;
    case K_SOFTMAX_BACK:
      if (inner == 1)
        softmax_back_row(c->log, n, c->g + in, c->y + in, (float*)c->x + in);
      else
        softmax_back_cols(c->log, n, inner, lo, hi, c->g + in, c->y + in, (float*)c->x + in);
      break;
  }
}

static void axis_task(void* ctx, int task, int thread) {
  (void)thread;
  const axis_ctx* c = ctx;
  size_t t = (size_t)task, tasks = (size_t)c->tasks;
  if (c->outer >= tasks) {
    for (size_t o = c->outer * t / tasks; o < c->outer * (t + 1) / tasks; o++) axis_rows(c, o, 0, c->inner);
  } else {
    size_t cols = (c->inner + W - 1) / W;
    size_t lo = cols * t / tasks * W, hi = cols * (t + 1) / tasks * W;
    if (hi > c->inner) hi = c->inner;
    if (lo < hi)
      for (size_t o = 0; o < c->outer; o++) axis_rows(c, o, lo, hi);
  }
}

static void run_axis(axis_ctx* c) {
  if (c->outer == 0 || c->inner == 0) return;
  int math = c->kind == K_SOFTMAX || (c->kind == K_SOFTMAX_BACK && c->log);
  int tasks = tasks_for(c->outer * c->n * c->inner, math ? GRAIN_MATH : GRAIN_MEM);
  /* An inner == 1 row cannot be split by columns. */
  if (c->inner == 1 && (size_t)tasks > c->outer) tasks = (int)c->outer;
  if (c->outer < (size_t)tasks && (c->inner + W - 1) / W < (size_t)tasks) tasks = 1;
  c->tasks = tasks < 1 ? 1 : tasks;
  cl_parallel_for(c->tasks, axis_task, c);
}

void cl_reduce(int op, int outer, int n, int inner, const float* x, float* y, int32_t* index) {
  if (op < CL_SUM || op > CL_MIN || n < 1) return;
  axis_ctx c = {op == CL_SUM ? K_SUM : op == CL_MAX ? K_MAX : K_MIN, op, 0, 1, (size_t)outer, (size_t)n,
                (size_t)inner, x, 0, y, index};
  run_axis(&c);
}

void cl_softmax(int log, int outer, int n, int inner, const float* x, float* y) {
  if (n < 1) return;
  axis_ctx c = {K_SOFTMAX, 0, log, 1, (size_t)outer, (size_t)n, (size_t)inner, x, 0, y, 0};
  run_axis(&c);
}

void cl_softmax_backward(int log, int outer, int n, int inner, const float* g, const float* y, float* gx) {
  if (n < 1) return;
  /* gx travels in the x slot (written, not read). */
  axis_ctx c = {K_SOFTMAX_BACK, 0, log, 1, (size_t)outer, (size_t)n, (size_t)inner, gx, g, (float*)y, 0};
  run_axis(&c);
}

/* ---- negative log-likelihood --------------------------------------------------------------------------------- */

void cl_nll(int n, int c, int inner, const float* logp, const float* target, float* y) {
  for (size_t i = 0; i < (size_t)n; i++)
    for (size_t j = 0; j < (size_t)inner; j++) {
      size_t cls = (size_t)target[i * inner + j];
      y[i * inner + j] = -logp[(i * c + cls) * inner + j];
    }
}

void cl_nll_backward(int n, int c, int inner, const float* g, const float* target, float* gx) {
  __builtin_memset(gx, 0, (size_t)n * c * inner * sizeof(float));
  for (size_t i = 0; i < (size_t)n; i++)
    for (size_t j = 0; j < (size_t)inner; j++) {
      size_t cls = (size_t)target[i * inner + j];
      gx[(i * c + cls) * inner + j] = -g[i * inner + j];
    }
}

/* ---- optimizer updates --------------------------------------------------------------------------------------- */
/* In double, rounded to float at each store, in the order of the ts backend's loop, so the bits agree; a fused
 * multiply-add would round differently, so contraction is off here. */

void cl_sgd(size_t n, float* w, const float* g, float* buf, double lr, double momentum, double dampening,
            double weightDecay, int nesterov, int first) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
  for (size_t i = 0; i < n; i++) {
    double d = (double)g[i] + weightDecay * (double)w[i];
    if (buf) {
      buf[i] = first ? (float)d : (float)(momentum * (double)buf[i] + (1 - dampening) * d);
      d = nesterov ? d + momentum * (double)buf[i] : (double)buf[i];
    }
    w[i] = (float)((double)w[i] - lr * d);
  }
}

void cl_adam(size_t n, float* w, const float* g, float* m, float* v, double lr, double beta1, double beta2, double eps,
             double weightDecay, double bias1, double bias2) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
  for (size_t i = 0; i < n; i++) {
    double d = (double)g[i] + weightDecay * (double)w[i];
    m[i] = (float)(beta1 * (double)m[i] + (1 - beta1) * d);
    v[i] = (float)(beta2 * (double)v[i] + (1 - beta2) * d * d);
    w[i] = (float)((double)w[i] - (lr * ((double)m[i] / bias1)) / (__builtin_sqrt((double)v[i] / bias2) + eps));
  }
}
