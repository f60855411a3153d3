/*
 * The gradients of convolution. Backward-data with stride 1 is the forward of the flipped kernel; with larger
 * strides it is stride² sub-pixel phases, each a forward convolution; otherwise (dilated and strided) a GEMM into a
 * per-thread column block and a scatter (col2im) of that block into its own input channels, so threads never race.
 * The filter gradient is a GEMM against the transposed im2col matrix, or a direct loop for depthwise.
 */
#include "clmem.h"
#include "conv.h"

/* B = im2colᵀ (rows: output positions, columns: receptive-field elements), for the filter gradient: a strip's
 * im2col rows are gathered whole, then transposed with contiguous stores. */
static void pack_im2col_t(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst) {
  float rows[CL_NR_MAX * 256];
  if (nr > CL_NR_MAX || kc > 256) {
    /* Tiles wider than the stack buffer: transpose one row at a time. */
    for (int j0 = 0; j0 < nc; j0 += nr, dst += (size_t)kc * nr)
      for (int j = 0; j < nr; j++) {
        if (j0 + j < nc) cl_im2col_row(src, n0 + j0 + j, k0, kc, rows);
        for (int p = 0; p < kc; p++) dst[(size_t)p * nr + j] = j0 + j < nc ? rows[p] : 0.0f;
      }
    return;
  }
  for (int j0 = 0; j0 < nc; j0 += nr) {
    int cols = nc - j0 < nr ? nc - j0 : nr;
    for (int j = 0; j < cols; j++) cl_im2col_row(src, n0 + j0 + j, k0, kc, rows + (size_t)j * kc);
    for (int j = cols; j < nr; j++) memset(rows + (size_t)j * kc, 0, (size_t)kc * sizeof(float));
    for (int p = 0; p < kc; p++) {
      float* d = dst + (size_t)p * nr;
      for (int j = 0; j < nr; j++) d[j] = rows[(size_t)j * kc + p];
    }
    dst += (size_t)kc * nr;
  }
}


/* im2colᵀ over the whole batch (cl_batch_im2col_row): the filter gradient's reduction runs over every position. */
static void pack_im2col_t_batch(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst) {
  float rows[CL_NR_MAX * 256];
  if (nr > CL_NR_MAX || kc > 256) {
    for (int j0 = 0; j0 < nc; j0 += nr, dst += (size_t)kc * nr)
      for (int j = 0; j < nr; j++) {
        if (j0 + j < nc) cl_batch_im2col_row(src, n0 + j0 + j, k0, kc, rows);
        for (int p = 0; p < kc; p++) dst[(size_t)p * nr + j] = j0 + j < nc ? rows[p] : 0.0f;
      }
    return;
  }
  for (int j0 = 0; j0 < nc; j0 += nr) {
    int cols = nc - j0 < nr ? nc - j0 : nr;
    for (int j = 0; j < cols; j++) cl_batch_im2col_row(src, n0 + j0 + j, k0, kc, rows + (size_t)j * kc);
    for (int j = cols; j < nr; j++) memset(rows + (size_t)j * kc, 0, (size_t)kc * sizeof(float));
    for (int p = 0; p < kc; p++) {
      float* d = dst + (size_t)p * nr;
      for (int j = 0; j < nr; j++) d[j] = rows[(size_t)j * kc + p];
    }
    dst += (size_t)kc * nr;
  }
}

/* Floats of a rearranged weight copy, rounded so that what follows it in a workspace stays 64-byte aligned. */
static size_t weight_floats(const cl_geom* g) {
  return ((size_t)g->k * (g->c / g->groups) * cl_ksize(g) + 16 + 15) / 16 * 16;
}

/* Backward data with stride 1 as a forward convolution of gy with the flipped, transposed kernel. */
static int flip_geom(const cl_geom* g, cl_geom* f) {
  for (int d = 0; d < 3; d++) {
    int p = g->dil[d] * (g->kernel[d] - 1) - g->pad[d];
    if (g->stride[d] != 1 || p < 0) return 0;
    f->in[d] = g->out[d], f->out[d] = g->in[d], f->kernel[d] = g->kernel[d];
    f->stride[d] = 1, f->pad[d] = p, f->dil[d] = g->dil[d];
  }
  f->n = g->n, f->c = g->k, f->k = g->c, f->groups = g->groups;
  return 1;
}


/*
 * Strided backward-data (the transposed convolution) as stride² sub-pixel phases: output positions i = s·q + φ
 * receive only the taps r ≡ φ + p (mod s), so each phase is a stride-1 forward convolution of gy with a sub-kernel
 * of ⌈(k − r0)/s⌉ taps, written into every s-th position of gx. 2-D, dilation 1.
 */
typedef struct phase_dim {
  int r0, taps, pad, count; /* first tap, taps, zeros before, outputs of this phase */
} phase_dim;

/*
 * The weights of a backward-data pass run as a forward convolution: wf[grp·cg + c][k][t] = w[grp·kg + k][c][tap],
 * the kernel flipped (stride 1) or one phase's sub-kernel (h and v; see below). One task per input channel: the
 * widest layers of ResNet-50 have 2 M weights, milliseconds for one thread while the other waits.
 */
typedef struct {
  const cl_geom* g;
  const float* w;
  float* wf;
  const struct phase_dim *h, *v; /* null: flipped */
} rearrange_job;

static void rearrange_task(void* ctx, int i, int thread) {
  const rearrange_job* j = ctx;
  const cl_geom* g = j->g;
  (void)thread;
  int cg = g->c / g->groups, kg = g->k / g->groups, ks = cl_ksize(g), grp = i / cg, c = i % cg;
  int kW = g->kernel[2], sh = g->stride[1], sw = g->stride[2];
  int taps = j->h ? j->h->taps * j->v->taps : ks;
  for (int k = 0; k < kg; k++) {
    const float* src = j->w + ((size_t)(grp * kg + k) * cg + c) * ks;
    float* dst = j->wf + ((size_t)i * kg + k) * taps;
    if (!j->h) {
      for (int r = 0; r < ks; r++) dst[r] = src[ks - 1 - r];
      continue;
    }
    for (int th = 0; th < j->h->taps; th++)
      for (int tw = 0; tw < j->v->taps; tw++)
        dst[th * j->v->taps + tw] =
            src[(j->h->r0 + sh * (j->h->taps - 1 - th)) * kW + j->v->r0 + sw * (j->v->taps - 1 - tw)];
  }
}

static void flip_weight(const cl_geom* g, const float* w, float* wf) {
  rearrange_job j = {g, w, wf, 0, 0};
  cl_parallel_for(g->c, rearrange_task, &j);
}

static int phase_of(int in, int out, int k, int s, int p, int phi, phase_dim* d) {
  d->r0 = (phi + p) % s;
  d->taps = k > d->r0 ? (k - d->r0 + s - 1) / s : 0;
  int delta = (phi + p - d->r0) / s;
  d->pad = d->taps - 1 - delta;
  d->count = in > phi ? (in - phi + s - 1) / s : 0;
  (void)out;
  return d->taps == 0 || d->pad >= 0;
}

static int phases_ok(const cl_geom* g) {
  if (g->in[0] != 1 || g->out[0] != 1 || g->kernel[0] != 1 || g->stride[0] != 1 || g->pad[0] != 0) return 0;
  if (g->dil[1] != 1 || g->dil[2] != 1) return 0;
  for (int d = 1; d < 3; d++)
    for (int phi = 0; phi < g->stride[d]; phi++) {
      phase_dim pd;
      if (!phase_of(g->in[d], g->out[d], g->kernel[d], g->stride[d], g->pad[d], phi, &pd)) return 0;
    }
  return 1;
}

/* The geometry of a phase as a forward convolution (gy → gx phase), for the bounds a workspace needs. */
static cl_geom phase_geom(const cl_geom* g, const phase_dim* h, const phase_dim* w) {
  cl_geom f = {g->n, g->k, g->c, g->groups, {1, g->out[1], g->out[2]}, {1, h->count, w->count},
               {1, h->taps, w->taps}, {1, 1, 1}, {0, h->pad, w->pad}, {1, 1, 1}};
  return f;
}

/* Floats of a phase's output, rounded so that the forward's workspace after it stays 64-byte aligned. */
static size_t phase_out_floats(const cl_geom* g, const phase_dim* h, const phase_dim* v) {
  return ((size_t)g->n * g->c * h->count * v->count + 16 + 15) / 16 * 16;
}

/* The largest phase's needs: each phase chooses its own path (in place, narrow, packed), so every one is sized. */
static size_t phase_ws(const cl_geom* g) {
  size_t most = 0;
  for (int ph = 0; ph < g->stride[1]; ph++)
    for (int pw = 0; pw < g->stride[2]; pw++) {
      phase_dim h, v;
      phase_of(g->in[1], g->out[1], g->kernel[1], g->stride[1], g->pad[1], ph, &h);
      phase_of(g->in[2], g->out[2], g->kernel[2], g->stride[2], g->pad[2], pw, &v);
      if (h.count == 0 || v.count == 0 || h.taps == 0 || v.taps == 0) continue;
      cl_geom f = phase_geom(g, &h, &v);
      size_t need = phase_out_floats(g, &h, &v) + cl_forward_workspace(&f);
      if (need > most) most = need;
    }
  return weight_floats(g) + most;
}

/* Writes a phase's output planes into every s-th position of gx, one plane per task (zeros without yp). */
typedef struct {
  const cl_geom* g;
  const float* yp;
  float* gx;
  const phase_dim *h, *v;
  int ph, pw;
} phase_scatter;

static void scatter_task(void* ctx, int i, int thread) {
  const phase_scatter* sc = ctx;
  const cl_geom* g = sc->g;
  (void)thread;
  for (int q = 0; q < sc->h->count; q++) {
    float* out = sc->gx + (size_t)i * cl_plane(g->in) + (size_t)(g->stride[1] * q + sc->ph) * g->in[2] + sc->pw;
    if (!sc->yp) {
      for (int r = 0; r < sc->v->count; r++) out[(size_t)g->stride[2] * r] = 0.0f;
      continue;
    }
    const float* row = sc->yp + ((size_t)i * sc->h->count + q) * sc->v->count;
    for (int r = 0; r < sc->v->count; r++) out[(size_t)g->stride[2] * r] = row[r];
  }
}

static void phases_backward_data(const cl_geom* g, const float* gy, const float* w, float* gx, float* ws) {
  int kH = g->kernel[1], kW = g->kernel[2];
  int sh = g->stride[1], sw = g->stride[2];
  float* wp = ws;
  float* yp = ws + weight_floats(g);
  for (int ph = 0; ph < sh; ph++)
    for (int pw = 0; pw < sw; pw++) {
      phase_dim h, v;
      phase_of(g->in[1], g->out[1], kH, sh, g->pad[1], ph, &h);
      phase_of(g->in[2], g->out[2], kW, sw, g->pad[2], pw, &v);
      if (h.count == 0 || v.count == 0) continue;
      if (h.taps == 0 || v.taps == 0) {
        /* No tap reaches these positions (a 1×1 kernel with stride 2 reaches one in four): zeros. */
        phase_scatter sc = {g, 0, gx, &h, &v, ph, pw};
        cl_parallel_for(g->n * g->c, scatter_task, &sc);
        continue;
      }
      cl_geom f = phase_geom(g, &h, &v);
      /* w'[group·cg + c, k, th, tw] = w[group·kg + k, c, r0h + s(Th−1−th), r0w + s(Tw−1−tw)] */
      rearrange_job rj = {g, w, wp, &h, &v};
      cl_parallel_for(g->c, rearrange_task, &rj);
      float* fws = yp + phase_out_floats(g, &h, &v);
      cl_conv_forward(&f, gy, wp, 0, yp, fws);
      phase_scatter sc = {g, yp, gx, &h, &v, ph, pw};
      cl_parallel_for(g->n * g->c, scatter_task, &sc);
    }
}

/* Channels per column block of the GEMM + col2im path. */
static int col_block(const cl_geom* g) {
  int cg = g->c / g->groups;
  return cg < 8 ? cg : 8;
}

static void col2im_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, ks = cl_ksize(g), rows = cg * ks, P = cl_plane(g->out);
  int cb = col_block(g), blocks = (cg + cb - 1) / cb;
  int blk = task % blocks, ng = task / blocks, grp = ng % g->groups, n = ng / g->groups;
  int c0 = blk * cb, c1 = c0 + cb < cg ? c0 + cb : cg, m = (c1 - c0) * ks;
  float* cols = j->ws + (size_t)thread * j->wsPer;
  float* gws = cols + (size_t)m * P;
  memset(cols, 0, (size_t)m * P * sizeof(float));
  cl_mat a = {j->w + (size_t)grp * kg * rows + (size_t)c0 * ks, rows, 1};
  cl_mat b = {j->gy + ((size_t)n * g->k + (size_t)grp * kg) * P, P, 0};
  cl_gemm_core(cfg, m, kg, 0, P, &a, 1.0f, cl_pack_b_matrix, &b, cols, P, gws);
  int iP = cl_plane(g->in);
  float* gx = j->y + ((size_t)n * g->c + (size_t)grp * cg + c0) * iP;
  memset(gx, 0, (size_t)(c1 - c0) * iP * sizeof(float));
  for (int r = 0; r < m; r++) {
    int kw = r % g->kernel[2], t = r / g->kernel[2], kh = t % g->kernel[1];
    t /= g->kernel[1];
    int kd = t % g->kernel[0], c = t / g->kernel[0];
    float* xc = gx + (size_t)c * iP;
    const float* col = cols + (size_t)r * P;
    for (int od = 0; od < g->out[0]; od++) {
      int id = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
      for (int oh = 0; oh < g->out[1]; oh++, col += g->out[2]) {
        int ih = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
        if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) continue;
        float* row = xc + ((size_t)id * g->in[1] + ih) * g->in[2];
        for (int ow = 0; ow < g->out[2]; ow++) {
          int iw = ow * g->stride[2] - g->pad[2] + kw * g->dil[2];
          if (iw >= 0 && iw < g->in[2]) row[iw] += col[ow];
        }
      }
    }
  }
}

static size_t col2im_ws_per(const cl_geom* g) {
  int m = col_block(g) * cl_ksize(g);
  return (size_t)m * cl_plane(g->out) + cl_gemm_core_workspace(cl_current(), m);
}


static void backward_data(const cl_geom* g, const float* gy, const float* w, float* gx, float* ws);
static void backward_filter(const cl_geom* g, const float* x, const float* gy, float* gw, float* ws);

void cl_conv_backward_data(const cl_geom* g, const float* gy, const float* w, float* gx, float* ws) {
  int serial = cl_conv_flops(g) < CL_SPLIT_FLOPS;
  cl_serial(serial);
  backward_data(g, gy, w, gx, ws);
  cl_serial(-serial);
}

void cl_conv_backward_filter(const cl_geom* g, const float* x, const float* gy, float* gw, float* ws) {
  int serial = cl_conv_flops(g) < CL_SPLIT_FLOPS;
  cl_serial(serial);
  backward_filter(g, x, gy, gw, ws);
  cl_serial(-serial);
}

static void backward_data(const cl_geom* g, const float* gy, const float* w, float* gx, float* ws) {
  cl_geom f;
  if (flip_geom(g, &f)) {
    flip_weight(g, w, ws);
    cl_conv_forward(&f, gy, ws, 0, gx, ws + weight_floats(g));
    return;
  }
  if (phases_ok(g)) {
    phases_backward_data(g, gy, w, gx, ws);
    return;
  }
  conv_job j = {g, 0, w, 0, gy, gx, ws, col2im_ws_per(g)};
  int cg = g->c / g->groups, blocks = (cg + col_block(g) - 1) / col_block(g);
  cl_parallel_for(g->n * g->groups * blocks, col2im_task, &j);
}

/* Depthwise filter gradient: per channel, a dot product of gy with each shifted window of the padded input. */
static void dw_filter_task(void* ctx, int k, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  int kg = g->k / g->groups, c = k / kg, taps = g->kernel[1] * g->kernel[2], oW = g->out[2];
  int hp = cl_padded_h(g), wp = cl_padded_w(g);
  float* padded = j->ws + (size_t)thread * j->wsPer;
  float* gw = j->y + (size_t)k * taps;
  for (int t = 0; t < taps; t++) gw[t] = 0;
  for (int n = 0; n < g->n; n++) {
    cl_pad_plane(g, j->x + ((size_t)n * g->c + c) * cl_plane(g->in), padded, hp, wp);
    const float* gy = j->gy + ((size_t)n * g->k + k) * cl_plane(g->out);
    for (int t = 0; t < taps; t++) {
      const float* base = padded + (size_t)(t / g->kernel[2]) * g->dil[1] * wp + (t % g->kernel[2]) * g->dil[2];
      float acc[8] = {0};
      for (int oh = 0; oh < g->out[1]; oh++) {
        const float* xr = base + (size_t)oh * wp;
        const float* gr = gy + (size_t)oh * oW;
        int ow = 0;
        for (; ow + 8 <= oW; ow += 8)
          for (int v = 0; v < 8; v++) acc[v] += xr[ow + v] * gr[ow + v];
        for (; ow < oW; ow++) acc[0] += xr[ow] * gr[ow];
      }
      gw[t] += acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
    }
  }
}

/*
 * Filter gradient as one GEMM per group over the whole batch: gw[k][r] = Σ_p gy[k][p] · im2col[r][p], p running over
 * every output position of every image (A = gy gathered as [k][n·P], B = im2colᵀ packed straight from the input).
 * One long reduction instead of a short one per image: at 4×4 or 7×7 outputs a per-image GEMM reloads the C tile
 * every 16 or 49 steps.
 */
static void gather_gy_task(void* ctx, int i, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  (void)thread;
  int n = i / g->k, k = i % g->k, P = cl_plane(g->out);
  memcpy(j->ws + (size_t)k * g->n * P + (size_t)n * P, j->gy + (size_t)i * P, (size_t)P * sizeof(float));
}

static size_t gy_floats(const cl_geom* g) { return ((size_t)g->k * g->n * cl_plane(g->out) + 15) / 16 * 16; }

static void filter_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, rows = cg * cl_ksize(g), NP = g->n * cl_plane(g->out);
  int grp, m0, m1, lo, hi;
  cl_split_task(&j->split, task, kg, rows, &grp, &m0, &m1, &lo, &hi);
  if (hi <= lo || m1 <= m0) return;
  float* gw = j->y + ((size_t)grp * kg + m0) * rows;
  for (int k = m0; k < m1; k++) memset(gw + (size_t)(k - m0) * rows + lo, 0, (size_t)(hi - lo) * sizeof(float));
  float* ws = j->ws + gy_floats(g) + (size_t)thread * j->wsPer;
  cl_mat a = {j->ws + ((size_t)grp * kg + m0) * NP, NP, 0};
  cl_batch_src s = {g, j->x + (size_t)grp * cg * cl_plane(g->in), (size_t)g->c * cl_plane(g->in), cl_plane(g->out)};
  cl_gemm_core(cfg, m1 - m0, NP, lo, hi, &a, 1.0f, pack_im2col_t_batch, &s, gw, rows, ws);
}

/*
 * The same GEMM with its reduction split into chunks of positions (images, mostly): chunk c sums its positions into
 * gw (c = 0) or a partial sum of its own, added in chunk order at the end. Each chunk packs only its part of gy and
 * of im2colᵀ, where blocks of output channels or input rows would each pack one of them whole again: the first
 * layer of ResNet-50 b8 112² (64 outputs, 147 inputs, 25 088 positions) was packing-bound and gained 1.1-1.2× from
 * a second thread that way. Chunks keep at least FILTER_CHUNK_MIN positions, two packed panels deep.
 */
enum { FILTER_CHUNK_MIN = 512 };

static int filter_chunks(const cl_geom* g) {
  int t = cl_threads(), np = g->n * cl_plane(g->out), chunks = 2 * t;
  if (t == 1 || g->groups >= 2 * t) return 1;
  while (chunks > 1 && np / chunks < FILTER_CHUNK_MIN) chunks--;
  return chunks;
}

typedef struct {
  const cl_batch_src* s;
  int p0;
} chunk_src;

static void pack_chunk(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst) {
  const chunk_src* c = src;
  pack_im2col_t_batch(c->s, c->p0 + k0, kc, n0, nc, nr, dst);
}

/* Where chunk c ≥ 1 sums: after the gathered gy and the threads' GEMM workspaces. */
static float* chunk_sum(const conv_job* j, int c) {
  return j->ws + gy_floats(j->g) + (size_t)cl_threads() * j->wsPer + (size_t)(c - 1) * weight_floats(j->g);
}

static void filter_chunk_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  int cg = g->c / g->groups, kg = g->k / g->groups, rows = cg * cl_ksize(g), NP = g->n * cl_plane(g->out);
  int chunk = task % j->split.items, grp = task / j->split.items, p0, p1;
  cl_chunk(NP, j->split.items, chunk, &p0, &p1);
  float* gw = (chunk ? chunk_sum(j, chunk) : j->y) + (size_t)grp * kg * rows;
  memset(gw, 0, (size_t)kg * rows * sizeof(float));
  if (p1 <= p0) return;
  float* ws = j->ws + gy_floats(g) + (size_t)thread * j->wsPer;
  cl_mat a = {j->ws + (size_t)grp * kg * NP + p0, NP, 0};
  cl_batch_src s = {g, j->x + (size_t)grp * cg * cl_plane(g->in), (size_t)g->c * cl_plane(g->in), cl_plane(g->out)};
  chunk_src c = {&s, p0};
  cl_gemm_core(cfg, kg, p1 - p0, 0, rows, &a, 1.0f, pack_chunk, &c, gw, rows, ws);
}

/* Adds the chunks' partial sums into gw, a block of weights per task. */
static void chunk_add_task(void* ctx, int task, int thread) {
  conv_job* j = ctx;
  (void)thread;
  size_t total = (size_t)j->g->k * (j->g->c / j->g->groups) * cl_ksize(j->g), block = (total + 63) / 64;
  size_t lo = (size_t)task * block, hi = lo + block < total ? lo + block : total;
  for (int c = 1; c < j->split.items; c++) {
    const float* part = chunk_sum(j, c);
    for (size_t i = lo; i < hi; i++) j->y[i] += part[i];
  }
}

/*
 * Filter gradient of a stride-1 2-D convolution, read in place like its forward (conv.c): with the input zero-padded
 * to hp × wp and gy copied to the padded width (zeros at ow ≥ oW), gw[k][(c, kh, kw)] = Σ_q gy[k][q] ·
 * xpad[c][q + kh·dH·wp + kw·dW], row dot products of two unpacked operands (the dots kernels). The images of the
 * batch lie back to back in each channel's row ([c][n][hp·wp], and gy as [k][n][hp·wp] with zeros past the outputs),
 * so one dot product runs over the whole batch: a 4×4 feature map at batch 8 gives rows of 128 positions, not eight
 * rows of 16 each reduced on its own. Windows that run into the next image meet zeros of gy.
 */
enum { DOTS_CHUNK = 2048 }; /* positions per pass: a pass's rows of gy and of the input stay in L2 */

typedef struct {
  const cl_geom* g;
  const float *x, *gy;
  float *gw, *xpad, *gypad;
  size_t plane, row; /* floats per padded plane; per channel (or gy) row: every image's plane, whole vectors */
  int wp, rows;
  cl_split split;
  const ptrdiff_t* off;
} dots_job;

/* Plane i = (n, c) of x, padded into row c at image n. */
static void dots_pad_x(void* ctx, int i, int thread) {
  dots_job* j = ctx;
  const cl_geom* g = j->g;
  (void)thread;
  int n = i / g->c, c = i % g->c;
  cl_pad_plane(g, j->x + (size_t)i * cl_plane(g->in), j->xpad + (size_t)c * j->row + (size_t)n * j->plane,
               cl_padded_h(g), j->wp);
}

/* Plane i = (n, k) of gy, at the padded width into row k at image n; zeros elsewhere. */
static void dots_pad_gy(void* ctx, int i, int thread) {
  dots_job* j = ctx;
  const cl_geom* g = j->g;
  (void)thread;
  int n = i / g->k, k = i % g->k;
  float* dst = j->gypad + (size_t)k * j->row + (size_t)n * j->plane;
  const float* src = j->gy + (size_t)i * cl_plane(g->out);
  memset(dst, 0, j->plane * sizeof(float));
  for (int oh = 0; oh < g->out[1]; oh++)
    memcpy(dst + (size_t)oh * j->wp, src + (size_t)oh * g->out[2], (size_t)g->out[2] * sizeof(float));
  if (n == g->n - 1) memset(dst + j->plane, 0, (j->row - (size_t)g->n * j->plane) * sizeof(float));
}

static void dots_task(void* ctx, int task, int thread) {
  dots_job* j = ctx;
  const cl_geom* g = j->g;
  const cl_config* cfg = cl_current();
  (void)thread;
  int cg = g->c / g->groups, kg = g->k / g->groups, grp, k0, k1, lo, hi;
  cl_split_task(&j->split, task, kg, j->rows, &grp, &k0, &k1, &lo, &hi);
  if (hi <= lo || k1 <= k0) return;
  float* gw = j->gw + (size_t)grp * kg * j->rows;
  for (int k = k0; k < k1; k++) memset(gw + (size_t)k * j->rows + lo, 0, (size_t)(hi - lo) * sizeof(float));
  const float* x = j->xpad + (size_t)grp * cg * j->row;
  const float* gy = j->gypad + (size_t)grp * kg * j->row;
  for (size_t q0 = 0; q0 < j->row; q0 += DOTS_CHUNK) {
    size_t len = j->row - q0 < DOTS_CHUNK ? j->row - q0 : DOTS_CHUNK;
    for (int r = lo; r < hi; r += cfg->dots_n)
      for (int k = k0; k < k1; k += cfg->dots_m)
        cfg->dots((size_t)(k1 - k < cfg->dots_m ? k1 - k : cfg->dots_m),
                  (size_t)(hi - r < cfg->dots_n ? hi - r : cfg->dots_n), len, gy + (size_t)k * j->row + q0, j->row,
                  x + q0, j->off + r, gw + (size_t)k * j->rows + r, (size_t)j->rows);
  }
}

/* Floats per row: every image's padded plane, rounded up to whole vectors (16 floats, the widest). */
static size_t dots_row(const cl_geom* g) {
  size_t q = (size_t)g->n * cl_padded_h(g) * cl_padded_w(g);
  return (q + 15) / 16 * 16;
}

static size_t dots_ws(const cl_geom* g) {
  int rows = g->c / g->groups * g->kernel[1] * g->kernel[2];
  size_t xpad = (size_t)g->c * dots_row(g) + 32;
  size_t gypad = (size_t)g->k * dots_row(g) + 16;
  return xpad + gypad + (size_t)rows * sizeof(ptrdiff_t) / sizeof(float) + 64;
}

/*
 * Dot products where the feature maps are large and their padding small (≥ 1024 outputs, ≥ 85 % of the padded plane),
 * or where there are few output channels: no im2col gather, and the rows are long. The batched GEMM gathers each
 * element of B once for every output channel it meets, so it pays from about 64 of them (measured on Zen 3,
 * ResNet-50 b8 112²: 4×4 and 7×7 maps 2.5–4× faster, 28×28 on a par; 56×56 at batch 1 the dots are 1.2× faster, and
 * 16 → 32 channels at 14×14, batch 64, 1.5× faster).
 */
static int dots_ok(const cl_geom* g) {
  long outputs = (long)g->out[1] * g->out[2], padded = (long)cl_padded_h(g) * cl_padded_w(g);
  /* A depthwise layer with several outputs per channel (a first layer on one input channel is one) fills the dots
   * tiles too; with one output per channel the per-channel loop below is as fast. */
  int fits = cl_shifted_ok(g) || (cl_is_depthwise(g) && g->k / g->groups >= 2);
  return fits && ((outputs >= 1024 && outputs * 100 >= padded * 85) || g->k / g->groups < 64);
}

static void dots_backward_filter(const cl_geom* g, const float* x, const float* gy, float* gw, float* ws) {
  const cl_config* cfg = cl_current();
  int taps = g->kernel[1] * g->kernel[2];
  dots_job j = {g, x, gy, gw};
  j.wp = cl_padded_w(g);
  j.plane = (size_t)cl_padded_h(g) * j.wp;
  j.row = dots_row(g);
  j.rows = g->c / g->groups * taps;
  size_t xfloats = ((size_t)g->c * j.row + 32 + 15) / 16 * 16;
  j.xpad = ws;
  /* Past each row's last image, and past the last row: the last windows read up to 15 floats beyond. */
  for (int c = 0; c < g->c; c++)
    memset(j.xpad + (size_t)c * j.row + (size_t)g->n * j.plane, 0, (j.row - (size_t)g->n * j.plane) * sizeof(float));
  memset(j.xpad + (size_t)g->c * j.row, 0, 32 * sizeof(float));
  j.gypad = ws + xfloats;
  ptrdiff_t* off = (ptrdiff_t*)(j.gypad + ((size_t)g->k * j.row + 16 + 15) / 16 * 16);
  cl_window_offsets(g, j.wp, j.row, off);
  j.off = off;
  cl_parallel_for(g->n * g->c, dots_pad_x, &j);
  cl_parallel_for(g->n * g->k, dots_pad_gy, &j);
  /* Blocks of output channels (each reads the whole input) times blocks of input rows (each reads all of gy). */
  j.split = cl_split_tiles(g->groups, g->k / g->groups, j.rows, cfg->dots_m, cfg->dots_n, 1.0, 1.0);
  cl_parallel_for(cl_split_tasks(&j.split), dots_task, &j);
}

static void backward_filter(const cl_geom* g, const float* x, const float* gy, float* gw, float* ws) {
  if (dots_ok(g)) {
    dots_backward_filter(g, x, gy, gw, ws);
    return;
  }
  if (cl_is_depthwise(g)) {
    conv_job j = {g, x, 0, 0, gy, gw, ws, cl_dw_plane_floats(g)};
    cl_parallel_for(g->k, dw_filter_task, &j);
    return;
  }
  conv_job j = {g, x, 0, 0, gy, gw, ws, cl_gemm_core_workspace(cl_current(), g->k / g->groups)};
  cl_parallel_for(g->n * g->k, gather_gy_task, &j);
  int chunks = filter_chunks(g);
  if (chunks > 1) {
    j.split.items = chunks; /* chunks per group */
    cl_parallel_for(g->groups * chunks, filter_chunk_task, &j);
    cl_parallel_for(64, chunk_add_task, &j);
    return;
  }
  j.split = cl_split_gemm(cl_current(), g->groups, g->k / g->groups, g->c / g->groups * cl_ksize(g), 1.0,
                          CL_GATHER_COST);
  cl_parallel_for(cl_split_tasks(&j.split), filter_task, &j);
}

size_t cl_conv_workspace(const cl_geom* g) {
  size_t t = (size_t)cl_threads();
  size_t fwd = cl_forward_workspace(g);
  size_t flt = dots_ok(g)            ? dots_ws(g)
               : cl_is_depthwise(g) ? cl_dw_plane_floats(g) * t
                                    : gy_floats(g) + cl_gemm_core_workspace(cl_current(), g->k / g->groups) * t +
                                          (size_t)(filter_chunks(g) - 1) * weight_floats(g);
  cl_geom f;
  size_t bwd = flip_geom(g, &f) ? weight_floats(g) + cl_forward_workspace(&f)
               : phases_ok(g)    ? phase_ws(g)
                                 : col2im_ws_per(g) * t;
  size_t m = fwd > flt ? fwd : flt;
  return (m > bwd ? m : bwd) + 64;
}
