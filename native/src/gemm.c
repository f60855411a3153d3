/*
 * Packed GEMM in the BLIS/XNNPACK organisation: for each kc-deep slice, A is packed into mr-row panels and B into
 * nr-column strips, then the microkernel of the current config runs over mr×nr tiles, a strip of B staying in L1
 * while the A panels stream from L2. Also the contract's gemm primitive on top of it.
 */
#include "gemm.h"

#include "clmem.h"

static int round_up(int x, int m) { return (x + m - 1) / m * m; }

size_t cl_gemm_core_workspace(const cl_config* cfg, int m) {
  /* B blocks are packed in whole nr-wide strips: CL_NC columns rounded up to the tile. */
  return (size_t)round_up(m, cfg->mr) * cfg->kc + (size_t)round_up(CL_NC, cfg->nr) * cfg->kc + 64;
}

/* The tallest register tile of any config (AVX-512's 8 × 48). */
#define CL_MR_MAX 8

/*
 * Panels of mr rows, k-major: dst[p·mr + i] = alpha·A[i0 + i, k0 + p]. A row-major A is read mr rows at a time so the
 * panel is written in order (one row at a time scattered each float mr floats apart: 7 % of a ResNet-50 forward).
 */
void cl_pack_a(const cl_mat* a, int m, int k0, int kc, int mr, float alpha, float* dst) {
  for (int i0 = 0; i0 < m; i0 += mr) {
    int rows = m - i0 < mr ? m - i0 : mr;
    if (!a->trans) {
      const float* src[CL_MR_MAX];
      for (int i = 0; i < mr; i++) src[i] = i < rows ? a->p + (size_t)(i0 + i) * a->ld + k0 : 0;
      if (rows == mr && alpha == 1.0f) {
        for (int p = 0; p < kc; p++, dst += mr)
          for (int i = 0; i < mr; i++) dst[i] = src[i][p];
      } else {
        for (int p = 0; p < kc; p++, dst += mr)
          for (int i = 0; i < mr; i++) dst[i] = i < rows ? alpha * src[i][p] : 0.0f;
      }
    } else {
      for (int p = 0; p < kc; p++, dst += mr) {
        const float* src = a->p + (size_t)(k0 + p) * a->ld + i0;
        for (int i = 0; i < mr; i++) dst[i] = i < rows ? alpha * src[i] : 0.0f;
      }
    }
  }
}

void cl_pack_b_matrix(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst) {
  const cl_mat* b = src;
  for (int j0 = 0; j0 < nc; j0 += nr) {
    int cols = nc - j0 < nr ? nc - j0 : nr;
    if (!b->trans) {
      for (int p = 0; p < kc; p++) {
        float* d = dst + (size_t)p * nr;
        memcpy(d, b->p + (size_t)(k0 + p) * b->ld + n0 + j0, cols * sizeof(float));
        for (int j = cols; j < nr; j++) d[j] = 0;
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const float* s = b->p + (size_t)(n0 + j0 + j) * b->ld + k0;
        for (int p = 0; p < kc; p++) dst[(size_t)p * nr + j] = s[p];
      }
      for (int p = 0; p < kc; p++)
        for (int j = cols; j < nr; j++) dst[(size_t)p * nr + j] = 0;
    }
    dst += (size_t)kc * nr;
  }
}

void cl_gemm_core(const cl_config* cfg, int m, int k, int n0, int n1, const cl_mat* a, float alpha, cl_pack_b pack,
                  const void* bsrc, float* c, int ldc, float* ws) {
  int small = m <= cfg->mr_small;
  cl_gemm_ukernel uk = small ? cfg->gemm_small : cfg->gemm;
  int mr = small ? cfg->mr_small : cfg->mr, nr = cfg->nr, kcMax = cfg->kc;
  float* apack = ws;
  float* bpack = ws + (size_t)round_up(m, cfg->mr) * kcMax;
  /* Row blocks start on a panel boundary (the panel of row i0 is at i0·kc): CL_MC rounded down to a multiple of mr,
   * since 128 is not one of 6 or 5 (the AVX2, SSE2 and WebAssembly tiles), whose rows past 128 read shifted panels. */
  int mc = CL_MC / mr * mr;
  for (int k0 = 0; k0 < k; k0 += kcMax) {
    int kc = k - k0 < kcMax ? k - k0 : kcMax;
    cl_pack_a(a, m, k0, kc, mr, alpha, apack);
    for (int nb = n0; nb < n1; nb += CL_NC) {
      int nc = n1 - nb < CL_NC ? n1 - nb : CL_NC;
      pack(bsrc, k0, kc, nb, nc, nr, bpack);
      for (int mb = 0; mb < m; mb += mc) {
        int me = m - mb < mc ? m : mb + mc;
        for (int j0 = 0; j0 < nc; j0 += nr) {
          const float* bs = bpack + (size_t)j0 * kc;
          size_t cols = (size_t)(nc - j0 < nr ? nc - j0 : nr);
          for (int i0 = mb; i0 < me; i0 += mr) {
            size_t rows = (size_t)(me - i0 < mr ? me - i0 : mr);
            uk(rows, cols, (size_t)kc, apack + (size_t)i0 * kc, bs, c + (size_t)i0 * ldc + nb + j0, (size_t)ldc);
          }
        }
      }
    }
  }
}

/* Floats of `items` m × k matrices packed whole (cl_pack_a_all). */
size_t cl_packed_a_stride(const cl_config* cfg, int m, int k) { return (size_t)round_up(m, cfg->mr) * k; }

size_t cl_packed_a_floats(const cl_config* cfg, int items, int m, int k) {
  return (size_t)items * cl_packed_a_stride(cfg, m, k) + 16;
}

typedef struct {
  const cl_config* cfg;
  const float* a;
  int m, k, slices, blocks;
  float* dst;
} pack_all_job;

static void pack_all_task(void* ctx, int task, int thread) {
  const pack_all_job* j = ctx;
  const cl_config* cfg = j->cfg;
  (void)thread;
  int mr = j->m <= cfg->mr_small ? cfg->mr_small : cfg->mr, mpad = round_up(j->m, cfg->mr);
  int block = task % j->blocks, slice = task / j->blocks % j->slices, item = task / j->blocks / j->slices, p0, p1;
  cl_chunk((j->m + mr - 1) / mr, j->blocks, block, &p0, &p1);
  int m0 = p0 * mr, m1 = p1 * mr < j->m ? p1 * mr : j->m, k0 = slice * cfg->kc;
  int kc = j->k - k0 < cfg->kc ? j->k - k0 : cfg->kc;
  if (m1 <= m0) return;
  cl_mat a = {j->a + ((size_t)item * j->m + m0) * j->k, j->k, 0};
  float* dst = j->dst + (size_t)item * mpad * j->k + (size_t)k0 * mpad + (size_t)m0 * kc;
  cl_pack_a(&a, m1 - m0, k0, kc, mr, 1.0f, dst);
}

void cl_pack_a_all(const cl_config* cfg, const float* a, int items, int m, int k, float* dst) {
  pack_all_job j = {cfg, a, m, k, (k + cfg->kc - 1) / cfg->kc, 1, dst};
  int mr = m <= cfg->mr_small ? cfg->mr_small : cfg->mr, panels = (m + mr - 1) / mr;
  int packs = items * j.slices, want = 4 * cl_threads();
  if (packs < want) j.blocks = (want + packs - 1) / packs < panels ? (want + packs - 1) / packs : panels;
  cl_parallel_for(packs * j.blocks, pack_all_task, &j);
}

void cl_gemm_packed(const cl_config* cfg, int m, int k, int m0, int m1, int n0, int n1, const float* apack,
                    cl_pack_b pack, const void* bsrc, float* c, int ldc, float* ws) {
  int small = m <= cfg->mr_small;
  cl_gemm_ukernel uk = small ? cfg->gemm_small : cfg->gemm;
  int mr = small ? cfg->mr_small : cfg->mr, nr = cfg->nr, kcMax = cfg->kc, mpad = round_up(m, cfg->mr);
  int mc = CL_MC / mr * mr;
  for (int k0 = 0; k0 < k; k0 += kcMax) {
    int kc = k - k0 < kcMax ? k - k0 : kcMax;
    const float* ap = apack + (size_t)k0 * mpad;
    for (int nb = n0; nb < n1; nb += CL_NC) {
      int nc = n1 - nb < CL_NC ? n1 - nb : CL_NC;
      pack(bsrc, k0, kc, nb, nc, nr, ws);
      for (int mb = m0; mb < m1; mb += mc) {
        int me = m1 - mb < mc ? m1 : mb + mc;
        for (int j0 = 0; j0 < nc; j0 += nr) {
          const float* bs = ws + (size_t)j0 * kc;
          size_t cols = (size_t)(nc - j0 < nr ? nc - j0 : nr);
          for (int i0 = mb; i0 < me; i0 += mr) {
            size_t rows = (size_t)(me - i0 < mr ? me - i0 : mr);
            uk(rows, cols, (size_t)kc, ap + (size_t)i0 * kc, bs, c + (size_t)i0 * ldc + nb + j0, (size_t)ldc);
          }
        }
      }
    }
  }
}

/* Tasks per thread: enough that a thread which starts late or is preempted (other processes share the CPUs) leaves
 * little for the others to wait on, few enough that each still runs whole tiles. */
enum { TASKS_PER_THREAD = 4 };

cl_split cl_split_tiles(int items, int m, int n, int mr, int nr, double acost, double bcost) {
  cl_split s = {items, 1, 1, mr, nr};
  int threads = cl_threads();
  if (threads == 1 || items <= 0) return s;
  int want = (TASKS_PER_THREAD * threads + items - 1) / items;
  if (want <= 1) return s;
  int panels = (m + mr - 1) / mr, strips = (n + nr - 1) / nr;
  int target = want < panels * strips ? want : panels * strips;
  /* Every row block packs B again, k × its columns, and every column block packs A again, its rows × k: with mp
   * row blocks and np column blocks that is k·(n·mp + m·np) floats, weighted by acost and bcost, which the split minimises
   * over the ways to make `target` blocks. */
  double best = -1;
  for (int mp = 1; mp <= panels && mp <= target; mp++) {
    int np = (target + mp - 1) / mp;
    if (np > strips) np = strips;
    if (mp * np < target) continue;
    double cost = bcost * n * mp + acost * m * np;
    if (best < 0 || cost < best) best = cost, s.mparts = mp, s.nparts = np;
  }
  return s;
}

void cl_split_task(const cl_split* s, int t, int m, int n, int* item, int* m0, int* m1, int* n0, int* n1) {
  int per = s->mparts * s->nparts, b = t % per;
  *item = t / per;
  cl_chunk((m + s->mr - 1) / s->mr, s->mparts, b / s->nparts, m0, m1);
  cl_chunk((n + s->nr - 1) / s->nr, s->nparts, b % s->nparts, n0, n1);
  *m0 *= s->mr, *m1 = *m1 * s->mr < m ? *m1 * s->mr : m;
  *n0 *= s->nr, *n1 = *n1 * s->nr < n ? *n1 * s->nr : n;
}

/* The contract's gemm: C = alpha·op(A)·op(B) + beta·C, split in blocks of rows and columns across threads. */
typedef struct {
  const cl_config* cfg;
  int m, n, k;
  cl_split split;
  cl_mat a, b;
  float alpha;
  float* c;
  int ldc;
  float* ws;
  size_t wsPer;
} gemm_job;

static void gemm_task(void* ctx, int task, int thread) {
  gemm_job* j = ctx;
  float* ws = j->ws + (size_t)thread * j->wsPer;
  int item, m0, m1, n0, n1;
  cl_split_task(&j->split, task, j->m, j->n, &item, &m0, &m1, &n0, &n1);
  if (m1 <= m0 || n1 <= n0) return;
  cl_mat a = j->a;
  a.p += a.trans ? (size_t)m0 : (size_t)m0 * a.ld;
  cl_gemm_core(j->cfg, m1 - m0, j->k, n0, n1, &a, j->alpha, cl_pack_b_matrix, &j->b, j->c + (size_t)m0 * j->ldc,
               j->ldc, ws);
}

/*
 * A few rows of A against a B stored as its transpose (a Linear layer at batch 1: y = x·Wᵀ): dot products of rows
 * read once, no packing. Through the packed path one row used a sixth of every tile and all of W was repacked.
 */
enum { GEMV_MAX_ROWS = 2 };

typedef struct {
  int m, n, k, lda, ldb, ldc, parts;
  const float *a, *b;
  float alpha;
  float* c;
} gemv_job;

static float dot(const float* x, const float* y, int k) {
  float s[8] = {0};
  int p = 0;
  for (; p + 8 <= k; p += 8)
    for (int v = 0; v < 8; v++) s[v] += x[p + v] * y[p + v];
  float t = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
  for (; p < k; p++) t += x[p] * y[p];
  return t;
}

static void gemv_task(void* ctx, int part, int thread) {
  gemv_job* j = ctx;
  (void)thread;
  int lo, hi;
  cl_chunk(j->n, j->parts, part, &lo, &hi);
  for (int i = 0; i < j->m; i++)
    for (int col = lo; col < hi; col++)
      j->c[(size_t)i * j->ldc + col] +=
          j->alpha * dot(j->a + (size_t)i * j->lda, j->b + (size_t)col * j->ldb, j->k);
}

size_t cl_gemm_workspace(int m, int n, int k) {
  (void)n, (void)k;
  return cl_gemm_core_workspace(cl_current(), m) * (size_t)cl_threads();
}

void cl_gemm(int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
             int ldb, float beta, float* c, int ldc, float* ws) {
  for (int i = 0; i < m; i++) {
    float* row = c + (size_t)i * ldc;
    if (beta == 0)
      memset(row, 0, (size_t)n * sizeof(float));
    else if (beta != 1)
      for (int j = 0; j < n; j++) row[j] *= beta;
  }
  if (k == 0 || alpha == 0 || m == 0 || n == 0) return;
  if (m <= GEMV_MAX_ROWS && !transA && transB) {
    gemv_job v = {m, n, k, lda, ldb, ldc, 1, a, b, alpha, c};
    if (cl_threads() > 1 && 2.0 * m * n * k >= CL_SPLIT_FLOPS) v.parts = n < cl_threads() ? n : cl_threads();
    cl_parallel_for(v.parts, gemv_task, &v);
    return;
  }
  gemm_job j = {cl_current(), m, n, k, {1, 1, 1, 1, 1}, {a, lda, transA}, {b, ldb, transB}, alpha, c, ldc, ws, 0};
  j.wsPer = cl_gemm_core_workspace(j.cfg, m);
  if (2.0 * m * n * k >= CL_SPLIT_FLOPS) j.split = cl_split_gemm(j.cfg, 1, m, n, 1.0, 1.0);
  cl_parallel_for(cl_split_tasks(&j.split), gemm_task, &j);
}
