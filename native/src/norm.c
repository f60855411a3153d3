/*
 * Fused batch norm: per channel, the statistics (two passes: mean, then squared deviations, which stays exact where
 * E[x²] − E[x]² cancels), then y = x·scale + shift in one pass. A channel's rows are read three times, so channels
 * are the tasks: one channel of a 64×16×28×28 activation (200 KB) stays in L2 between passes. Rows sum in float
 * vectors, rows into doubles.
 */
#include "normpool.h"

/* Floats of traffic below which one thread runs the whole op. Measured with the addon on a Zen 4 (2 cores, shared):
 * batch norm forward over 256 Ki floats took 0.10 ms on one thread and 0.22 ms split over two; over 1 Mi floats
 * 0.69-0.80 against 0.77-0.92; over 4 Mi floats 6.4 against 3.9-7.3. A second core pays only for copies and passes
 * of several MB, where the op is bound by memory bandwidth one core cannot use up. */
#define PAR_MIN CL_SPLIT_FLOATS_NORMPOOL /* the threshold table, convlab.h */

void cl_np_run(int tasks, size_t floats, cl_task_fn fn, void* ctx) {
  if (tasks > 1 && floats >= PAR_MIN && cl_threads() > 1)
    cl_parallel_for(tasks, fn, ctx);
  else
    for (int t = 0; t < tasks; t++) fn(ctx, t, 0);
}

static inline float hsum4(cl_v4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }
static inline cl_v4 splat4(float x) { return (cl_v4){x, x, x, x}; }
static inline cl_v4 load4(const float* p) {
  cl_v4 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void store4(float* p, cl_v4 v) { __builtin_memcpy(p, &v, sizeof v); }

static float row_sum(const float* x, size_t len) {
  cl_v4 a = splat4(0), b = splat4(0);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) a += load4(x + i), b += load4(x + i + 4);
  float s = hsum4(a + b);
  for (; i < len; i++) s += x[i];
  return s;
}

static float row_sqdev(const float* x, size_t len, float mean) {
  cl_v4 a = splat4(0), b = splat4(0), m = splat4(mean);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    cl_v4 d0 = load4(x + i) - m, d1 = load4(x + i + 4) - m;
    a += d0 * d0, b += d1 * d1;
  }
  float s = hsum4(a + b);
  for (; i < len; i++) s += (x[i] - mean) * (x[i] - mean);
  return s;
}

/* y = a·x + b·z + k over a row (z may be null: y = a·x + k). */
static void row_axpbz(float* restrict y, const float* restrict x, const float* restrict z, size_t len, float a, float b,
                      float k) {
  cl_v4 va = splat4(a), vb = splat4(b), vk = splat4(k);
  size_t i = 0;
  if (z)
    for (; i + 4 <= len; i += 4) store4(y + i, load4(x + i) * va + load4(z + i) * vb + vk);
  else
    for (; i + 4 <= len; i += 4) store4(y + i, load4(x + i) * va + vk);
  for (; i < len; i++) y[i] = x[i] * a + (z ? z[i] * b : 0) + k;
}

/* Σ gy and Σ gy·(x − mean) over a row. */
static void row_dots(const float* gy, const float* x, size_t len, float mean, double* sg, double* sgx) {
  cl_v4 a = splat4(0), b = splat4(0), m = splat4(mean);
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    cl_v4 g = load4(gy + i);
    a += g, b += g * (load4(x + i) - m);
  }
  float s = hsum4(a), t = hsum4(b);
  for (; i < len; i++) s += gy[i], t += gy[i] * (x[i] - mean);
  *sg += s, *sgx += t;
}

typedef struct {
  int n, c, inner, training;
  const float *x, *gy, *weight, *bias;
  float *runningMean, *runningVar, *y, *gx, *gWeight, *gBias;
  const float *saveMeanIn, *saveInvStdIn;
  float *saveMean, *saveInvStd;
  float momentum, eps;
} bn_job;

static void bn_forward_task(void* ctx, int ch, int thread) {
  (void)thread;
  const bn_job* j = ctx;
  size_t inner = j->inner, stride = (size_t)j->c * inner;
  const float* x = j->x + ch * inner;
  float mean, var;
  if (j->training) {
    double count = (double)j->n * inner, sum = 0, sq = 0;
    for (int b = 0; b < j->n; b++) sum += row_sum(x + b * stride, inner);
    mean = (float)(sum / count);
    for (int b = 0; b < j->n; b++) sq += row_sqdev(x + b * stride, inner, mean);
    var = (float)(sq / count);
    if (j->runningMean) j->runningMean[ch] = (1 - j->momentum) * j->runningMean[ch] + j->momentum * mean;
    if (j->runningVar) {
      float unbiased = count > 1 ? (float)(sq / (count - 1)) : __builtin_nanf("");
      j->runningVar[ch] = (1 - j->momentum) * j->runningVar[ch] + j->momentum * unbiased;
    }
  } else {
    mean = j->runningMean[ch];
    var = j->runningVar[ch];
  }
  float invStd = (float)(1.0 / __builtin_sqrt((double)var + j->eps));
  j->saveMean[ch] = mean;
  j->saveInvStd[ch] = invStd;
  float scale = invStd * (j->weight ? j->weight[ch] : 1.0f);
  float shift = (j->bias ? j->bias[ch] : 0.0f) - mean * scale;
  for (int b = 0; b < j->n; b++) row_axpbz(j->y + ch * inner + b * stride, x + b * stride, 0, inner, scale, 0, shift);
}

void cl_batch_norm_forward(int n, int c, int inner, const float* x, const float* weight, const float* bias,
                           float* runningMean, float* runningVar, int training, float momentum, float eps, float* y,
                           float* saveMean, float* saveInvStd) {
  bn_job j = {.n = n, .c = c, .inner = inner, .training = training, .x = x, .weight = weight, .bias = bias,
              .runningMean = runningMean, .runningVar = runningVar, .y = y, .saveMean = saveMean,
              .saveInvStd = saveInvStd, .momentum = momentum, .eps = eps};
  cl_np_run(c, (size_t)n * c * inner * (training ? 3 : 2), bn_forward_task, &j);
}

static void bn_backward_task(void* ctx, int ch, int thread) {
  (void)thread;
  const bn_job* j = ctx;
  size_t inner = j->inner, stride = (size_t)j->c * inner, off = ch * inner;
  float mean = j->saveMeanIn[ch], invStd = j->saveInvStdIn[ch];
  double sg = 0, sgx = 0;
  for (int b = 0; b < j->n; b++) row_dots(j->gy + off + b * stride, j->x + off + b * stride, inner, mean, &sg, &sgx);
  if (j->gWeight) j->gWeight[ch] = (float)(sgx * invStd);
  if (j->gBias) j->gBias[ch] = (float)sg;
  if (!j->gx) return;
  double count = (double)j->n * inner;
  float k = invStd * (j->weight ? j->weight[ch] : 1.0f);
  /* gx = k·(gy − mean(gy) − (x − mean)·proj), as a·gy + b·x + c */
  float meanGy = j->training ? (float)(sg / count) : 0, proj = j->training ? (float)(sgx / count) * invStd * invStd : 0;
  for (int b = 0; b < j->n; b++)
    row_axpbz(j->gx + off + b * stride, j->gy + off + b * stride, j->x + off + b * stride, inner, k, -k * proj,
              k * (mean * proj - meanGy));
}

void cl_batch_norm_backward(int n, int c, int inner, const float* x, const float* gy, const float* weight,
                            const float* saveMean, const float* saveInvStd, int training, float* gx, float* gWeight,
                            float* gBias) {
  bn_job j = {.n = n, .c = c, .inner = inner, .training = training, .x = x, .gy = gy, .weight = weight, .gx = gx,
              .gWeight = gWeight, .gBias = gBias, .saveMeanIn = saveMean, .saveInvStdIn = saveInvStd};
  cl_np_run(c, (size_t)n * c * inner * 3, bn_backward_task, &j);
}
