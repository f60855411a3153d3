/*
 * Deformable convolution's sampling step (torchvision semantics): bilinear samples of the input at offset
 * positions, optionally modulated by a mask, and the adjoint of that step. Scalar: the work is gathers.
 */
#include "convlab.h"

static float at(const float* x, int h, int w, int yy, int xx) {
  return yy >= 0 && yy < h && xx >= 0 && xx < w ? x[(size_t)yy * w + xx] : 0.0f;
}

static float bilinear(const float* x, int h, int w, float py, float px) {
  if (py <= -1 || py >= h || px <= -1 || px >= w) return 0;
  float fy = __builtin_floorf(py), fx = __builtin_floorf(px);
  int y0 = (int)fy, x0 = (int)fx;
  float ly = py - fy, lx = px - fx;
  return (1 - ly) * (1 - lx) * at(x, h, w, y0, x0) + (1 - ly) * lx * at(x, h, w, y0, x0 + 1) +
         ly * (1 - lx) * at(x, h, w, y0 + 1, x0) + ly * lx * at(x, h, w, y0 + 1, x0 + 1);
}

typedef struct {
  const cl_deform* g;
  const float *x, *offset, *mask, *gcol;
  float *columns, *gx, *goffset, *gmask;
} deform_job;

/* One task per (image, channel): the rows of that channel in the columns of that image. */
static void im2col_task(void* ctx, int task, int thread) {
  (void)thread;
  deform_job* j = ctx;
  const cl_deform* g = j->g;
  int n = task / g->c, c = task % g->c, ks = g->kH * g->kW, P = g->outH * g->outW, og = c / (g->c / g->offsetGroups);
  size_t nCols = (size_t)g->n * P;
  const float* x = j->x + ((size_t)n * g->c + c) * g->inH * g->inW;
  const float* off = j->offset + (size_t)(n * g->offsetGroups + og) * 2 * ks * P;
  const float* mask = j->mask ? j->mask + (size_t)(n * g->offsetGroups + og) * ks * P : 0;
  for (int kh = 0; kh < g->kH; kh++)
    for (int kw = 0; kw < g->kW; kw++) {
      int t = kh * g->kW + kw;
      float* col = j->columns + (size_t)(c * ks + t) * nCols + (size_t)n * P;
      for (int oh = 0; oh < g->outH; oh++)
        for (int ow = 0; ow < g->outW; ow++) {
          int p = oh * g->outW + ow;
          float py = (float)(oh * g->sH - g->pH + kh * g->dH) + off[(size_t)2 * t * P + p];
          float px = (float)(ow * g->sW - g->pW + kw * g->dW) + off[(size_t)(2 * t + 1) * P + p];
          float m = mask ? mask[(size_t)t * P + p] : 1.0f;
          col[p] = m * bilinear(x, g->inH, g->inW, py, px);
        }
    }
}

void cl_deform_im2col(const cl_deform* g, const float* x, const float* offset, const float* mask, float* columns) {
  deform_job j = {g, x, offset, mask, 0, columns, 0, 0, 0};
  cl_parallel_for(g->n * g->c, im2col_task, &j);
}

/* One task per (image, offset group): it alone writes that group's offset and mask gradients and input planes. */
static void col2im_task(void* ctx, int task, int thread) {
  (void)thread;
  deform_job* j = ctx;
  const cl_deform* g = j->g;
  int n = task / g->offsetGroups, og = task % g->offsetGroups, ks = g->kH * g->kW, P = g->outH * g->outW;
  int cpg = g->c / g->offsetGroups, h = g->inH, w = g->inW;
  size_t nCols = (size_t)g->n * P;
  const float* off = j->offset + (size_t)(n * g->offsetGroups + og) * 2 * ks * P;
  const float* mask = j->mask ? j->mask + (size_t)(n * g->offsetGroups + og) * ks * P : 0;
  float* goff = j->goffset + (size_t)(n * g->offsetGroups + og) * 2 * ks * P;
  float* gmask = j->gmask ? j->gmask + (size_t)(n * g->offsetGroups + og) * ks * P : 0;
  for (size_t i = 0; i < (size_t)2 * ks * P; i++) goff[i] = 0;
  if (gmask)
    for (size_t i = 0; i < (size_t)ks * P; i++) gmask[i] = 0;
  for (int c = og * cpg; c < (og + 1) * cpg; c++) {
    const float* x = j->x + ((size_t)n * g->c + c) * h * w;
    float* gx = j->gx + ((size_t)n * g->c + c) * h * w;
    for (int kh = 0; kh < g->kH; kh++)
      for (int kw = 0; kw < g->kW; kw++) {
        int t = kh * g->kW + kw;
        const float* gcol = j->gcol + (size_t)(c * ks + t) * nCols + (size_t)n * P;
        for (int oh = 0; oh < g->outH; oh++)
          for (int ow = 0; ow < g->outW; ow++) {
            int p = oh * g->outW + ow;
            size_t oy = (size_t)2 * t * P + p, ox = oy + P, mi = (size_t)t * P + p;
            float py = (float)(oh * g->sH - g->pH + kh * g->dH) + off[oy];
            float px = (float)(ow * g->sW - g->pW + kw * g->dW) + off[ox];
            float gc = gcol[p], m = mask ? mask[mi] : 1.0f;
            if (gmask) gmask[mi] += gc * bilinear(x, h, w, py, px);
            if (py <= -1 || py >= h || px <= -1 || px >= w) continue;
            float fy = __builtin_floorf(py), fx = __builtin_floorf(px);
            int y0 = (int)fy, x0 = (int)fx;
            float ly = py - fy, lx = px - fx, mg = m * gc;
            /* corner (dy, dx): weight, and its derivatives along y and x */
            const float wt[4] = {(1 - ly) * (1 - lx), (1 - ly) * lx, ly * (1 - lx), ly * lx};
            const float dy[4] = {-(1 - lx), -lx, 1 - lx, lx};
            const float dx[4] = {-(1 - ly), 1 - ly, -ly, ly};
            for (int q = 0; q < 4; q++) {
              int yy = y0 + (q >> 1), xx = x0 + (q & 1);
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              size_t idx = (size_t)yy * w + xx;
              gx[idx] += mg * wt[q];
              goff[oy] += mg * dy[q] * x[idx];
              goff[ox] += mg * dx[q] * x[idx];
            }
          }
      }
  }
}

void cl_deform_col2im(const cl_deform* g, const float* x, const float* offset, const float* mask,
                      const float* gcol, float* gx, float* goffset, float* gmask) {
  deform_job j = {g, x, offset, mask, gcol, 0, gx, goffset, gmask};
  cl_parallel_for(g->n * g->offsetGroups, col2im_task, &j);
}
