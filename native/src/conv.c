/*
 * Convolution forward on the packed GEMM engine, without an im2col matrix: the B packer reads receptive fields
 * straight from the input. Depthwise (one input channel per group, stride 1, 2-D) and narrow groups have their own
 * direct kernels. The gradients are in conv_backward.c.
 */
#include "conv.h"

#include "clmem.h"

/* Outputs per image up to which a batch runs as one GEMM (8×8; at 14×14 the per-image paths measured as fast). */
enum { BATCHED_MAX_POSITIONS = 64 };

/* Writes len values of im2col row r (channel, kd, kh, kw) for output positions p0 … p0+len. */
void cl_im2col_row(const im2col_src* s, int r, int p0, int len, float* dst) {
  const cl_geom* g = s->g;
  int kw = r % g->kernel[2], t = r / g->kernel[2];
  int kh = t % g->kernel[1];
  t /= g->kernel[1];
  int kd = t % g->kernel[0], c = t / g->kernel[0];
  const float* xc = s->x + (size_t)c * s->inPlane;
  int ow = p0 % g->out[2], oh = (p0 / g->out[2]) % g->out[1], od = p0 / (g->out[2] * g->out[1]);
  int sW = g->stride[2], iwOff = kw * g->dil[2] - g->pad[2];
  while (len > 0) {
    int seg = g->out[2] - ow < len ? g->out[2] - ow : len;
    int id = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
    int ih = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
    if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) {
      memset(dst, 0, (size_t)seg * sizeof(float));
    } else {
      const float* row = xc + ((size_t)id * g->in[1] + ih) * g->in[2];
      int iw0 = ow * sW + iwOff;
      if (sW == 1) {
        int lo = iw0 < 0 ? -iw0 : 0;
        int hi = g->in[2] - iw0 < seg ? g->in[2] - iw0 : seg;
        if (hi < lo) hi = lo;
        if (lo > seg) lo = hi = seg;
        memset(dst, 0, (size_t)lo * sizeof(float));
        memcpy(dst + lo, row + iw0 + lo, (size_t)(hi - lo) * sizeof(float));
        memset(dst + hi, 0, (size_t)(seg - hi) * sizeof(float));
      } else {
        for (int j = 0; j < seg; j++) {
          int iw = iw0 + j * sW;
          dst[j] = iw >= 0 && iw < g->in[2] ? row[iw] : 0.0f;
        }
      }
    }
    dst += seg;
    len -= seg;
    ow = 0;
    if (++oh == g->out[1]) oh = 0, od++;
  }
}

/* B = im2col matrix (rows: receptive-field elements, columns: output positions). Each row is gathered once over
 * the whole block (a few long copies) and then cut into the nr-wide strips. */
static void pack_im2col(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst) {
  float row[CL_NC + 64];
  int strips = (nc + nr - 1) / nr;
  for (int p = 0; p < kc; p++) {
    cl_im2col_row(src, k0 + p, n0, nc, row);
    for (int j = nc; j < strips * nr; j++) row[j] = 0;
    for (int s = 0; s < strips; s++) memcpy(dst + ((size_t)s * kc + p) * nr, row + s * nr, (size_t)nr * sizeof(float));
  }
}

void cl_batch_im2col_row(const cl_batch_src* b, int r, int p0, int len, float* dst) {
  while (len > 0) {
    int n = p0 / b->P, q = p0 % b->P, seg = b->P - q < len ? b->P - q : len;
    im2col_src s = {b->g, b->x + (size_t)n * b->image, cl_plane(b->g->in), b->P};
    cl_im2col_row(&s, r, q, seg, dst);
    dst += seg, p0 += seg, len -= seg;
  }
}

/* pack_im2col over the batch im2col matrix. */
static void pack_im2col_batch(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst) {
  float row[CL_NC + 64];
  int strips = (nc + nr - 1) / nr;
  for (int p = 0; p < kc; p++) {
    cl_batch_im2col_row(src, k0 + p, n0, nc, row);
    for (int j = nc; j < strips * nr; j++) row[j] = 0;
    for (int s = 0; s < strips; s++) memcpy(dst + ((size_t)s * kc + p) * nr, row + s * nr, (size_t)nr * sizeof(float));
  }
}

int cl_is_pointwise(const cl_geom* g) {
  for (int d = 0; d < 3; d++)
    if (g->kernel[d] != 1 || g->stride[d] != 1 || g->pad[d] != 0 || g->in[d] != g->out[d]) return 0;
  return 1;
}

/* 2-D, stride 1 and at most 64 taps: the geometry the direct kernels handle. */
static int direct_ok(const cl_geom* g) {
  return g->in[0] == 1 && g->out[0] == 1 && g->kernel[0] == 1 && g->pad[0] == 0 && g->stride[1] == 1 &&
         g->stride[2] == 1 && g->kernel[1] * g->kernel[2] <= 64;
}

/* Depthwise fast path: one input channel per group. */
int cl_is_depthwise(const cl_geom* g) { return g->c == g->groups && direct_ok(g); }

/* Narrow groups (few output channels each): a GEMM would reuse each input value only k/groups times. The direct
 * kernels run whole vectors along output rows, so rows narrower than the widest vector (16) go to the GEMM, as do
 * ungrouped convolutions, which the in-place GEMM runs faster even with few outputs (8 → 8 at 56×56: 170 GFLOP/s
 * against 114; 8 → 16 at 14×14 through the direct kernels: 3). */
static int is_narrow(const cl_geom* g) {
  int cg = g->c / g->groups, kg = g->k / g->groups;
  return !cl_is_depthwise(g) && direct_ok(g) && g->groups > 1 && kg <= 8 && cg <= 64 && g->out[2] >= 16;
}


/* The zero-padded plane a stride-1 kernel reads: height oH + dH(kH−1), width oW + dW(kW−1). */
int cl_padded_h(const cl_geom* g) { return g->out[1] + g->dil[1] * (g->kernel[1] - 1); }
int cl_padded_w(const cl_geom* g) { return g->out[2] + g->dil[2] * (g->kernel[2] - 1); }

/* The zero-padded copy of one input plane, hp × wp. */
void cl_pad_plane(const cl_geom* g, const float* x, float* dst, int hp, int wp) {
  int lo = g->pad[2] < wp ? g->pad[2] : wp;
  int n = g->in[2] < wp - lo ? g->in[2] : wp - lo;
  for (int h = 0; h < hp; h++) {
    float* row = dst + (size_t)h * wp;
    int ih = h - g->pad[1];
    if (ih < 0 || ih >= g->in[1]) {
      memset(row, 0, (size_t)wp * sizeof(float));
      continue;
    }
    const float* src = x + (size_t)ih * g->in[2];
    for (int i = 0; i < lo; i++) row[i] = 0;
    for (int i = 0; i < n; i++) row[lo + i] = src[i];
    for (int i = lo + n; i < wp; i++) row[i] = 0;
  }
}

size_t cl_dw_plane_floats(const cl_geom* g) {
  int hp = cl_padded_h(g), wp = cl_padded_w(g) + 64;
  return (size_t)hp * wp;
}


/* 3×3 with "same" padding (as many zeros as the dilation): the plane keeps its size. */
static int same_3x3(const cl_geom* g) {
  return g->kernel[1] == 3 && g->kernel[2] == 3 && g->pad[1] == g->dil[1] && g->pad[2] == g->dil[2] &&
         g->out[1] == g->in[1] && g->out[2] == g->in[2];
}

static void dw_forward_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int n = task / g->k, k = task % g->k, kg = g->k / g->groups, c = k / kg;
  int hp = cl_padded_h(g), wp = cl_padded_w(g);
  float* padded = j->ws + (size_t)thread * j->wsPer;
  const float* x = j->x + ((size_t)n * g->c + c) * cl_plane(g->in);
  float b = j->bias ? j->bias[k] : 0.0f;
  float* y = j->y + ((size_t)n * g->k + k) * cl_plane(g->out);
  if (same_3x3(g)) {
    /* Read in place: copying the plane into a padded one would cost a third of the time. */
    memset(padded, 0, (size_t)g->in[2] * sizeof(float));
    cfg->dw3x3u((size_t)g->in[1], (size_t)g->in[2], j->w + (size_t)k * 9, x, (size_t)g->dil[1], (size_t)g->dil[2],
                padded, b, y);
    return;
  }
  cl_pad_plane(g, x, padded, hp, wp);
  ptrdiff_t off[64];
  int taps = g->kernel[1] * g->kernel[2];
  for (int t = 0; t < taps; t++)
    off[t] = (ptrdiff_t)(t / g->kernel[2]) * g->dil[1] * wp + (t % g->kernel[2]) * g->dil[2];
  if (taps == 9 && g->kernel[1] == 3) {
    cfg->dw3x3((size_t)g->out[1], (size_t)g->out[2], j->w + (size_t)k * 9, padded, (size_t)wp, (size_t)g->dil[1],
               (size_t)g->dil[2], b, y, (size_t)g->out[2]);
    return;
  }
  for (int oh = 0; oh < g->out[1]; oh++)
    cfg->dw_row((size_t)g->out[2], (size_t)taps, j->w + (size_t)k * taps, off, padded + (size_t)oh * wp, b,
                y + (size_t)oh * g->out[2]);
}

/*
 * Depthwise with stride: the zero-padded input plane split into its sH × sW phases, phase (a, b) holding the padded
 * rows a, a + sH, … and columns b, b + sW, …, one after another in the workspace. Tap (kh, kw) of output (oh, ow)
 * reads padded row oh·sH + kh·dH = (oh + q)·sH + a, so it is row oh + q of a phase plane: each output row is then a
 * stride-1 depthwise row (the dw_row kernels) with one offset per tap into the phases. Through the per-group GEMM
 * (one output channel, nine taps) MobileNet's stride-2 layers ran at 1 GFLOP/s.
 */
static int is_depthwise_strided(const cl_geom* g) {
  return g->c == g->groups && g->in[0] == 1 && g->out[0] == 1 && g->kernel[0] == 1 && g->pad[0] == 0 &&
         (g->stride[1] > 1 || g->stride[2] > 1) && g->kernel[1] * g->kernel[2] <= 64;
}

/* Rows and columns of a phase plane (columns with room for a kernel reading a vector past the row's end). */
static int phase_h(const cl_geom* g) {
  int hp = (g->out[1] - 1) * g->stride[1] + g->dil[1] * (g->kernel[1] - 1) + 1;
  return (hp + g->stride[1] - 1) / g->stride[1];
}
static int phase_w(const cl_geom* g) {
  int wp = (g->out[2] - 1) * g->stride[2] + g->dil[2] * (g->kernel[2] - 1) + 1;
  return (wp + g->stride[2] - 1) / g->stride[2] + 16;
}
static size_t phases_floats(const cl_geom* g) {
  return (size_t)g->stride[1] * g->stride[2] * phase_h(g) * phase_w(g) + 16;
}

static void dw_strided_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int n = task / g->k, k = task % g->k, kg = g->k / g->groups, c = k / kg;
  int sH = g->stride[1], sW = g->stride[2], ph = phase_h(g), pw = phase_w(g);
  size_t pplane = (size_t)ph * pw;
  float* phases = j->ws + (size_t)thread * j->wsPer;
  const float* x = j->x + ((size_t)n * g->c + c) * cl_plane(g->in);
  for (int a = 0; a < sH; a++)
    for (int b = 0; b < sW; b++) {
      float* dst = phases + (size_t)(a * sW + b) * pplane;
      for (int i = 0; i < ph; i++) {
        float* row = dst + (size_t)i * pw;
        int ih = i * sH + a - g->pad[1];
        if (ih < 0 || ih >= g->in[1]) {
          memset(row, 0, (size_t)pw * sizeof(float));
          continue;
        }
        /* Columns jw read input column jw·sW + b − pad: zeros before the first in range and after the last. */
        const float* src = x + (size_t)ih * g->in[2] + b - g->pad[2];
        int lo = g->pad[2] - b > 0 ? (g->pad[2] - b + sW - 1) / sW : 0;
        int hi = (g->in[2] - 1 + g->pad[2] - b) / sW + 1;
        if (lo > pw) lo = pw;
        if (hi > pw) hi = pw;
        if (hi < lo) hi = lo;
        int jw = 0;
        for (; jw < lo; jw++) row[jw] = 0.0f;
        if (sW == 2)
          for (; jw < hi; jw++) row[jw] = src[2 * jw];
        else
          for (; jw < hi; jw++) row[jw] = src[jw * sW];
        for (; jw < pw; jw++) row[jw] = 0.0f;
      }
    }
  ptrdiff_t off[64];
  int taps = g->kernel[1] * g->kernel[2];
  for (int t = 0; t < taps; t++) {
    int rh = (t / g->kernel[2]) * g->dil[1], rw = (t % g->kernel[2]) * g->dil[2];
    off[t] = (ptrdiff_t)((rh % sH) * sW + rw % sW) * (ptrdiff_t)pplane + (ptrdiff_t)(rh / sH) * pw + rw / sW;
  }
  float bias = j->bias ? j->bias[k] : 0.0f;
  float* y = j->y + ((size_t)n * g->k + k) * cl_plane(g->out);
  for (int oh = 0; oh < g->out[1]; oh++)
    cfg->dw_row((size_t)g->out[2], (size_t)taps, j->w + (size_t)k * taps, off, phases + (size_t)oh * pw, bias,
                y + (size_t)oh * g->out[2]);
}

static void narrow_forward_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int n = task / g->groups, grp = task % g->groups, cg = g->c / g->groups, kg = g->k / g->groups;
  int hp = cl_padded_h(g), wp = cl_padded_w(g);
  int taps = g->kernel[1] * g->kernel[2], P = cl_plane(g->out);
  size_t xs = cl_dw_plane_floats(g);
  float* padded = j->ws + (size_t)thread * j->wsPer;
  const float* x = j->x + ((size_t)n * g->c + (size_t)grp * cg) * cl_plane(g->in);
  for (int c = 0; c < cg; c++) cl_pad_plane(g, x + (size_t)c * cl_plane(g->in), padded + c * xs, hp, wp);
  ptrdiff_t off[64];
  for (int t = 0; t < taps; t++)
    off[t] = (ptrdiff_t)(t / g->kernel[2]) * g->dil[1] * wp + (t % g->kernel[2]) * g->dil[2];
  float bias[4];
  for (int k0 = 0; k0 < kg;) {
    int kb = kg - k0 >= 4 ? 4 : 1;
    int k = grp * kg + k0;
    for (int i = 0; i < kb; i++) bias[i] = j->bias ? j->bias[k + i] : 0.0f;
    const float* w = j->w + (size_t)k * cg * taps;
    float* y = j->y + ((size_t)n * g->k + k) * P;
    for (int oh = 0; oh < g->out[1]; oh++)
      (kb == 4 ? cfg->dconv4 : cfg->dconv1)((size_t)g->out[2], (size_t)cg, (size_t)taps, w, (size_t)cg * taps, off,
                                             padded + (size_t)oh * wp, xs, bias, y + (size_t)oh * g->out[2],
                                             (size_t)P);
    k0 += kb;
  }
}

static void forward_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, rows = cg * cl_ksize(g), P = cl_plane(g->out);
  int ng, m0, m1, lo, hi;
  cl_split_task(&j->split, task, kg, P, &ng, &m0, &m1, &lo, &hi);
  if (hi <= lo || m1 <= m0) return;
  int grp = ng % g->groups, n = ng / g->groups;
  float* y = j->y + ((size_t)n * g->k + (size_t)grp * kg + m0) * P;
  for (int k = m0; k < m1; k++) {
    float b = j->bias ? j->bias[grp * kg + k] : 0.0f;
    for (int p = lo; p < hi; p++) y[(size_t)(k - m0) * P + p] = b;
  }
  const float* x = j->x + ((size_t)n * g->c + (size_t)grp * cg) * cl_plane(g->in);
  const float* a = j->apack + (size_t)grp * cl_packed_a_stride(cfg, kg, rows);
  float* ws = j->ws + (size_t)thread * j->wsPer;
  y -= (size_t)m0 * P; /* cl_gemm_packed takes the group's first row */
  if (cl_is_pointwise(g)) {
    cl_mat b = {x, P, 0};
    cl_gemm_packed(cfg, kg, rows, m0, m1, lo, hi, a, cl_pack_b_matrix, &b, y, P, ws);
  } else {
    im2col_src s = {g, x, cl_plane(g->in), P};
    cl_gemm_packed(cfg, kg, rows, m0, m1, lo, hi, a, pack_im2col, &s, y, P, ws);
  }
}

/*
 * Small feature maps of a batch as one GEMM per group: C[k][n·P] = W · im2col over every image, then scattered to
 * [n][k][P]. Per image, a 4×4 or 7×7 map gives the GEMM 16 or 49 columns: a 16-wide tile wastes up to a third of
 * them and the weights are packed again for every image.
 */
static int batched_ok(const cl_geom* g) {
  return g->n >= 2 && cl_plane(g->out) <= BATCHED_MAX_POSITIONS;
}

static size_t batched_out_floats(const cl_geom* g) {
  return ((size_t)g->k * g->n * cl_plane(g->out) + 15) / 16 * 16;
}

static void batched_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, rows = cg * cl_ksize(g), NP = g->n * cl_plane(g->out);
  int grp, m0, m1, lo, hi;
  cl_split_task(&j->split, task, kg, NP, &grp, &m0, &m1, &lo, &hi);
  if (hi <= lo || m1 <= m0) return;
  float* c = j->ws + (size_t)grp * kg * NP;
  for (int k = m0; k < m1; k++) {
    float b = j->bias ? j->bias[grp * kg + k] : 0.0f;
    for (int p = lo; p < hi; p++) c[(size_t)k * NP + p] = b;
  }
  const float* a = j->apack + (size_t)grp * cl_packed_a_stride(cfg, kg, rows);
  cl_batch_src s = {g, j->x + (size_t)grp * cg * cl_plane(g->in), (size_t)g->c * cl_plane(g->in), cl_plane(g->out)};
  float* ws = (float*)j->apack + cl_packed_a_floats(cfg, g->groups, kg, rows) + (size_t)thread * j->wsPer;
  cl_gemm_packed(cfg, kg, rows, m0, m1, lo, hi, a, pack_im2col_batch, &s, c, NP, ws);
}

static void batched_scatter_task(void* ctx, int i, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  (void)thread;
  int n = i / g->k, k = i % g->k, P = cl_plane(g->out);
  memcpy(j->y + (size_t)i * P, j->ws + ((size_t)k * g->n + n) * P, (size_t)P * sizeof(float));
}

static void batched_forward(const cl_geom* g, const float* x, const float* w, const float* bias, float* y, float* ws) {
  const cl_config* cfg = cl_current();
  int kg = g->k / g->groups, rows = g->c / g->groups * cl_ksize(g);
  conv_job j = {g, x, w, bias, 0, y, ws, cl_gemm_core_workspace(cfg, kg)};
  float* apack = ws + batched_out_floats(g);
  cl_pack_a_all(cfg, w, g->groups, kg, rows, apack);
  j.apack = apack;
  j.split = cl_split_gemm(cfg, g->groups, kg, g->n * cl_plane(g->out), 0.0, CL_GATHER_COST);
  cl_parallel_for(cl_split_tasks(&j.split), batched_task, &j);
  cl_parallel_for(g->n * g->k, batched_scatter_task, &j);
}

/*
 * Stride-1 2-D convolution without im2col. With the input zero-padded to hp × wp (wp = oW + dW·(kW − 1)), row
 * (c, kh, kw) of the im2col matrix over the positions q = oh·wp + ow is the padded input shifted by
 * c·plane + kh·dH·wp + kw·dW, so the GEMM reads B in place through a table of row offsets (igemm). The columns
 * ow ≥ oW are computed and dropped; an unpadded input is read as it is.
 */
typedef struct {
  const cl_geom* g;
  const float *x, *bias;
  float* y;
  const float* w;
  float* padded;    /* one padded image per thread (unused when the input needs no padding) */
  size_t image, plane, imageStride; /* floats per image and per plane of src; between the threads' padded images */
  int n, wp, rows, mpad, q, strips; /* n: the image of this pass (split mode) */
  cl_split split;                    /* split mode's tasks: blocks of output channels times blocks of positions */
  int packSlices, packBlocks;        /* the weights' packing tasks: passes over k times blocks of panels */
  const float* apack; /* the weights packed in mr-row panels, group after group */
  const float* init;  /* what each output starts from: the bias or zeros */
  const ptrdiff_t* off;
  float* ws;
  size_t wsPer;
} shifted_job;

enum { SHIFT_BLOCK = 4 }; /* strips per block of output positions */

/* Depth of one pass over k: whole when at most 640 (B is never packed, so only the A panel and the passes over C
 * depend on it), else balanced passes. */
static int shifted_kc(int rows) {
  int passes = (rows + 639) / 640;
  return (rows + passes - 1) / passes;
}

int cl_shifted_ok(const cl_geom* g) { return direct_ok(g) && !cl_is_depthwise(g) && !is_narrow(g); }

static int shifted_padded(const cl_geom* g) {
  return cl_padded_h(g) != g->in[1] || cl_padded_w(g) != g->in[2] || g->pad[1] || g->pad[2];
}

/* Floats between the threads' padded images (with nr zeros after each for the last windows). */
static size_t shifted_image_stride(const cl_geom* g, const cl_config* cfg) {
  if (!shifted_padded(g)) return 0;
  return ((size_t)g->c * cl_padded_h(g) * cl_padded_w(g) + cfg->nr + 15) / 16 * 16;
}

/* Workspace floats: the offsets, the packed weights and the zero bias (shared), then per thread a padded image, a
 * block of C and a packed tail strip. */
static size_t shifted_ws_shared(const cl_geom* g, const cl_config* cfg) {
  int cg = g->c / g->groups, kg = g->k / g->groups, rows = cg * g->kernel[1] * g->kernel[2];
  size_t offs = (size_t)rows * sizeof(ptrdiff_t) / sizeof(float) + 16;
  return shifted_image_stride(g, cfg) * cl_threads() + offs +
         (size_t)g->groups * ((kg + cfg->mr - 1) / cfg->mr * cfg->mr) * rows + 16 + g->k + 16;
}
static size_t shifted_ws_per(const cl_geom* g, const cl_config* cfg) {
  int kg = g->k / g->groups;
  int rows = g->c / g->groups * g->kernel[1] * g->kernel[2];
  size_t block = (size_t)((kg + cfg->mr - 1) / cfg->mr * cfg->mr) * SHIFT_BLOCK * cfg->nr;
  return block + (size_t)shifted_kc(rows) * cfg->nr + 16;
}

static void pad_image(const shifted_job* j, int n, float* dst, int c0, int c1) {
  for (int c = c0; c < c1; c++)
    cl_pad_plane(j->g, j->x + ((size_t)n * j->g->c + c) * cl_plane(j->g->in), dst + (size_t)c * j->plane,
                 cl_padded_h(j->g), j->wp);
}

static void pad_task(void* ctx, int c, int thread) {
  shifted_job* j = ctx;
  (void)thread;
  pad_image(j, j->n, j->padded, c, c + 1);
}

/* Output positions [lo, hi) of image n, group grp, read from image (its padded copy, or x's image n) whose readable
 * floats end at end. */
static void shifted_range(const shifted_job* j, int n, int grp, int m0, int m1, int lo, int hi, const float* image,
                          const float* end, int thread) {
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, P = cl_plane(g->out), oW = g->out[2], nr = cfg->nr;
  int small = kg <= cfg->mr_small, mr = small ? cfg->mr_small : cfg->mr;
  cl_igemm_ukernel uk = small ? cfg->igemm_small : cfg->igemm;
  const float* src = image + (size_t)grp * cg * j->plane;
  const float* apack = j->apack + (size_t)grp * j->mpad * j->rows;
  const float* init = j->init + grp * kg; /* the bias, or zeros */
  float* y = j->y + ((size_t)n * g->k + (size_t)grp * kg) * P;
  int direct = j->wp == oW; /* positions q are output positions: write straight into y */
  float* cs = j->ws + (size_t)thread * j->wsPer;
  float* tail = cs + (size_t)j->mpad * SHIFT_BLOCK * nr;
  ptrdiff_t reach = j->off[j->rows - 1] + nr;
  int kcMax = shifted_kc(j->rows);
  for (int qb = lo; qb < hi; qb += SHIFT_BLOCK * nr) {
    int nb = hi - qb < SHIFT_BLOCK * nr ? hi - qb : SHIFT_BLOCK * nr;
    float* c = direct ? y + qb : cs;
    size_t ldc = direct ? (size_t)P : (size_t)SHIFT_BLOCK * nr;
    for (int k0 = 0; k0 < j->rows; k0 += kcMax) {
      int kc = j->rows - k0 < kcMax ? j->rows - k0 : kcMax;
      const float* ap = apack + (size_t)k0 * j->mpad;
      for (int s = 0; s < nb; s += nr) {
        size_t cols = (size_t)(nb - s < nr ? nb - s : nr);
        const float* b = src + qb + s;
        if (b + reach > end) {
          /* The last strip of an unpadded input would read past its end: gather it packed instead. */
          for (int p = 0; p < kc; p++)
            for (int t = 0; t < nr; t++) {
              const float* e = b + j->off[k0 + p] + t;
              tail[p * nr + t] = e < end ? *e : 0.0f;
            }
          cl_gemm_ukernel pk = small ? cfg->gemm_small : cfg->gemm;
          for (int i0 = m0; i0 < m1; i0 += mr) {
            if (k0 == 0)
              for (int i = i0; i < m1 && i < i0 + mr; i++)
                for (size_t t = 0; t < cols; t++) c[i * ldc + s + t] = init[i];
            pk((size_t)(m1 - i0 < mr ? m1 - i0 : mr), cols, (size_t)kc, ap + (size_t)i0 * kc, tail, c + i0 * ldc + s,
               ldc);
          }
          continue;
        }
        for (int i0 = m0; i0 < m1; i0 += mr)
          uk((size_t)(m1 - i0 < mr ? m1 - i0 : mr), cols, (size_t)kc, ap + (size_t)i0 * kc, b, j->off + k0,
             c + i0 * ldc + s, ldc, k0 == 0 ? init + i0 : 0);
      }
    }
    if (direct) continue;
    /* Keep the columns ow < oW of each output row the block touches. */
    for (int q = qb; q < qb + nb;) {
      int oh = q / j->wp, ow = q % j->wp, end = oh * j->wp + oW;
      int stop = end < qb + nb ? end : qb + nb;
      if (ow < oW)
        for (int k = m0; k < m1; k++)
          memcpy(y + (size_t)k * P + (size_t)oh * oW + ow, cs + (size_t)k * ldc + (q - qb),
                 (size_t)(stop - q) * sizeof(float));
      q = (oh + 1) * j->wp;
    }
  }
}

/* The readable end of an unpadded input: the windows of the last image must not read past it. */
static const float* input_end(const shifted_job* j) { return j->x + (size_t)j->g->n * j->image; }

/* Split mode (few images): a part of one group of image j->n, read from the shared padded copy. */
void cl_window_offsets(const cl_geom* g, int wp, size_t plane, ptrdiff_t* off) {
  int taps = g->kernel[1] * g->kernel[2], rows = g->c / g->groups * taps;
  for (int r = 0; r < rows; r++) {
    int c = r / taps, t = r % taps;
    off[r] = (ptrdiff_t)c * (ptrdiff_t)plane + (ptrdiff_t)(t / g->kernel[2]) * g->dil[1] * wp +
             (t % g->kernel[2]) * g->dil[2];
  }
}

static void shifted_task(void* ctx, int task, int thread) {
  const shifted_job* j = ctx;
  int nr = cl_current()->nr, grp, m0, m1, lo, hi;
  cl_split_task(&j->split, task, j->g->k / j->g->groups, j->q, &grp, &m0, &m1, &lo, &hi);
  if (hi <= lo || m1 <= m0) return;
  if (j->imageStride)
    shifted_range(j, j->n, grp, m0, m1, lo, hi, j->padded, j->padded + j->image + nr, thread);
  else
    shifted_range(j, j->n, grp, m0, m1, lo, hi, j->x + (size_t)j->n * j->image, input_end(j), thread);
}

/* Image mode (at least two images per thread): a whole image per task, padded into the thread's own buffer. */
static void image_task(void* ctx, int n, int thread) {
  const shifted_job* j = ctx;
  int nr = cl_current()->nr;
  const float* image = j->x + (size_t)n * j->image;
  const float* end = input_end(j);
  if (j->imageStride) {
    float* mine = j->padded + (size_t)thread * j->imageStride;
    pad_image(j, n, mine, 0, j->g->c);
    image = mine;
    end = mine + j->image + nr;
  }
  int kg = j->g->k / j->g->groups;
  for (int grp = 0; grp < j->g->groups; grp++) shifted_range(j, n, grp, 0, kg, 0, j->q, image, end, thread);
}

/* Packs the weights of one group's pass over k, panels of one block (a layer's weights reach 9 MB: ResNet-50's last
 * 3×3 layers, which at batch 1 cost a third of the convolution's time when one thread packed them). */
static void pack_task(void* ctx, int task, int thread) {
  const shifted_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  (void)thread;
  int kg = g->k / g->groups, mr = kg <= cfg->mr_small ? cfg->mr_small : cfg->mr, kcMax = shifted_kc(j->rows);
  int block = task % j->packBlocks, slice = task / j->packBlocks % j->packSlices;
  int grp = task / j->packBlocks / j->packSlices, p0, p1;
  cl_chunk((kg + mr - 1) / mr, j->packBlocks, block, &p0, &p1);
  int m0 = p0 * mr, m1 = p1 * mr < kg ? p1 * mr : kg, k0 = slice * kcMax;
  int kc = j->rows - k0 < kcMax ? j->rows - k0 : kcMax;
  if (m1 <= m0) return;
  cl_mat a = {j->w + ((size_t)grp * kg + m0) * j->rows, j->rows, 0};
  float* dst = (float*)j->apack + (size_t)grp * j->mpad * j->rows + (size_t)k0 * j->mpad + (size_t)m0 * kc;
  cl_pack_a(&a, m1 - m0, k0, kc, mr, 1.0f, dst);
}

static void shifted_forward(const cl_geom* g, const float* x, const float* w, const float* bias, float* y,
                            float* ws) {
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, taps = g->kernel[1] * g->kernel[2], rows = cg * taps;
  int small = kg <= cfg->mr_small, mr = small ? cfg->mr_small : cfg->mr;
  shifted_job j = {g, x, bias, y, w};
  j.wp = cl_padded_w(g);
  j.plane = (size_t)cl_padded_h(g) * j.wp;
  j.rows = rows;
  j.mpad = (kg + cfg->mr - 1) / cfg->mr * cfg->mr;
  j.q = (g->out[1] - 1) * j.wp + g->out[2];
  j.strips = (j.q + cfg->nr - 1) / cfg->nr;
  j.image = (size_t)g->c * j.plane;
  float* next = ws;
  j.imageStride = shifted_image_stride(g, cfg);
  j.padded = next;
  next += j.imageStride * cl_threads();
  /* The nr floats after each padded image are read (by windows whose columns are dropped): keep them finite. */
  for (int t = 0; j.imageStride && t < cl_threads(); t++)
    memset(j.padded + t * j.imageStride + j.image, 0, (size_t)cfg->nr * sizeof(float));
  ptrdiff_t* off = (ptrdiff_t*)next;
  cl_window_offsets(g, j.wp, j.plane, off);
  j.off = off;
  next += (size_t)rows * sizeof(ptrdiff_t) / sizeof(float) + 16;
  float* apack = next;
  j.apack = apack;
  j.w = w;
  j.packSlices = (rows + shifted_kc(rows) - 1) / shifted_kc(rows);
  int panels = (kg + mr - 1) / mr, packs = g->groups * j.packSlices, want = 4 * cl_threads();
  j.packBlocks = packs >= want ? 1 : (want + packs - 1) / packs < panels ? (want + packs - 1) / packs : panels;
  cl_parallel_for(packs * j.packBlocks, pack_task, &j);
  float* zeros = apack + (size_t)g->groups * j.mpad * rows + 16;
  if (!bias) memset(zeros, 0, (size_t)g->k * sizeof(float));
  j.init = bias ? bias : zeros;
  j.ws = zeros + g->k + 16;
  j.wsPer = shifted_ws_per(g, cfg);
  if (g->n >= 2 * cl_threads()) {
    cl_parallel_for(g->n, image_task, &j);
    return;
  }
  /* Few images: one at a time, padded by every thread into one copy that is still in cache when the GEMM reads it. */
  j.split = cl_split_gemm(cfg, g->groups, kg, j.q, 1.0, 1.0);
  for (j.n = 0; j.n < g->n; j.n++) {
    if (j.imageStride) cl_parallel_for(g->c, pad_task, &j);
    cl_parallel_for(cl_split_tasks(&j.split), shifted_task, &j);
  }
}

size_t cl_forward_workspace(const cl_geom* g) {
  if (is_depthwise_strided(g)) return phases_floats(g) * cl_threads();
  int kg = g->k / g->groups, rows = g->c / g->groups * cl_ksize(g);
  if (!cl_is_depthwise(g) && !is_narrow(g) && batched_ok(g))
    return batched_out_floats(g) + cl_packed_a_floats(cl_current(), g->groups, kg, rows) +
           cl_gemm_core_workspace(cl_current(), kg) * cl_threads();
  if (cl_shifted_ok(g)) return shifted_ws_shared(g, cl_current()) + shifted_ws_per(g, cl_current()) * cl_threads();
  if (cl_is_depthwise(g) || is_narrow(g)) return cl_forward_ws_per(g) * cl_threads();
  return cl_packed_a_floats(cl_current(), g->groups, kg, rows) + cl_forward_ws_per(g) * cl_threads();
}

size_t cl_forward_ws_per(const cl_geom* g) {
  if (cl_is_depthwise(g)) return cl_dw_plane_floats(g);
  if (is_narrow(g)) return cl_dw_plane_floats(g) * (g->c / g->groups);
  return cl_gemm_core_workspace(cl_current(), g->k / g->groups);
}

static void conv_forward(const cl_geom* g, const float* x, const float* w, const float* bias, float* y, float* ws);

double cl_conv_flops(const cl_geom* g) {
  return 2.0 * g->n * g->k * cl_plane(g->out) * (g->c / g->groups) * cl_ksize(g);
}

void cl_conv_forward(const cl_geom* g, const float* x, const float* w, const float* bias, float* y, float* ws) {
  int serial = cl_conv_flops(g) < CL_SPLIT_FLOPS;
  cl_serial(serial);
  conv_forward(g, x, w, bias, y, ws);
  cl_serial(-serial);
}

static void conv_forward(const cl_geom* g, const float* x, const float* w, const float* bias, float* y, float* ws) {
  conv_job j = {g, x, w, bias, 0, y, ws, cl_forward_ws_per(g)};
  if (cl_is_depthwise(g)) {
    cl_parallel_for(g->n * g->k, dw_forward_task, &j);
    return;
  }
  if (is_depthwise_strided(g)) {
    j.wsPer = phases_floats(g);
    cl_parallel_for(g->n * g->k, dw_strided_task, &j);
    return;
  }
  if (is_narrow(g)) {
    cl_parallel_for(g->n * g->groups, narrow_forward_task, &j);
    return;
  }
  if (batched_ok(g)) {
    batched_forward(g, x, w, bias, y, ws);
    return;
  }
  if (cl_shifted_ok(g)) {
    shifted_forward(g, x, w, bias, y, ws);
    return;
  }
  const cl_config* cfg = cl_current();
  int kg = g->k / g->groups, rows = g->c / g->groups * cl_ksize(g);
  j.apack = ws;
  cl_pack_a_all(cfg, w, g->groups, kg, rows, ws);
  j.ws = ws + cl_packed_a_floats(cfg, g->groups, kg, rows);
  j.split = cl_split_gemm(cfg, g->n * g->groups, kg, cl_plane(g->out), 0.0,
                          cl_is_pointwise(g) ? 1.0 : CL_GATHER_COST);
  cl_parallel_for(cl_split_tasks(&j.split), forward_task, &j);
}

