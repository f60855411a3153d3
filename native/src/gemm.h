/* The packed GEMM engine shared by every primitive: A from a matrix, B from any packer (matrix or im2col view). */
#ifndef CL_GEMM_H
#define CL_GEMM_H
#include "convlab.h"

/* Columns of B per packed block: with kc rows it stays in L2 while the A panel streams. */
#define CL_NC 512
#define CL_MC 128
/* The widest tile of any config (stack buffers of the packers are sized by it; WebAssembly's stack is small). */
#ifdef __wasm__
#define CL_NR_MAX 8
#else
#define CL_NR_MAX 48
#endif

typedef struct {
  const float* p;
  int ld, trans; /* element (i, k) is p[i*ld + k], or p[k*ld + i] when trans */
} cl_mat;

/* Packs B rows [k0, k0+kc) × columns [n0, n0+nc) into nr-wide strips of kc·nr floats, zero-padded. */
typedef void (*cl_pack_b)(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst);

/* Packs rows [0, m) × columns [k0, k0+kc) of alpha·A into mr-row panels of kc·mr floats, zero-padded to whole
 * panels. */
void cl_pack_a(const cl_mat* a, int m, int k0, int kc, int mr, float alpha, float* dst);

void cl_pack_b_matrix(const void* src, int k0, int kc, int n0, int nc, int nr, float* dst);

/* Floats of workspace one cl_gemm_core call needs for an m-row A. */
size_t cl_gemm_core_workspace(const cl_config* cfg, int m);

/* C[0..m) × [n0, n1) += alpha · A[m × k] · B[k × (n0..n1)]; single-threaded, the caller partitions. */
void cl_gemm_core(const cl_config* cfg, int m, int k, int n0, int n1, const cl_mat* a, float alpha, cl_pack_b pack,
                  const void* bsrc, float* c, int ldc, float* ws);

/*
 * The A of every task packed once, by every thread: `items` row-major m × k matrices one after another, each as
 * cl_gemm_core packs it (passes of cfg->kc over k, panels of mr rows), cl_packed_a_floats floats in all. Tasks that
 * split a GEMM's columns then share it instead of each packing all of A again.
 */
size_t cl_packed_a_floats(const cl_config* cfg, int items, int m, int k);
/* Floats from one item's packed A to the next's. */
size_t cl_packed_a_stride(const cl_config* cfg, int m, int k);
void cl_pack_a_all(const cl_config* cfg, const float* a, int items, int m, int k, float* dst);
/* Rows [m0, m1) × columns [n0, n1) of C += A · B for an A packed by cl_pack_a_all (item's start) and an m-row C;
 * ws holds one packed B block (cl_gemm_core_workspace). Single-threaded. */
void cl_gemm_packed(const cl_config* cfg, int m, int k, int m0, int m1, int n0, int n1, const float* apack,
                    cl_pack_b pack, const void* bsrc, float* c, int ldc, float* ws);

/* Splits `units` into at most `parts` contiguous chunks; returns the bounds of chunk i. */
static inline void cl_chunk(int units, int parts, int i, int* lo, int* hi) {
  int base = units / parts, extra = units % parts;
  *lo = i * base + (i < extra ? i : extra);
  *hi = *lo + base + (i < extra ? 1 : 0);
}

/*
 * How `items` independent GEMMs of m × n outputs split into tasks: each into mparts blocks of rows (whole mr
 * panels) times nparts blocks of columns (whole nr strips). A task packs the A rows and B columns it reads, so
 * splitting columns repacks A and splitting rows repacks B: the split cuts the side that costs least to repeat.
 */
typedef struct {
  int items, mparts, nparts, mr, nr;
} cl_split;

/* The split of `items` GEMMs of m × n outputs computed in mr × nr tiles (about 4 tasks per thread), where packing
 * an element of A again costs acost (0 when A is packed once for all tasks) and one of B bcost. */
cl_split cl_split_tiles(int items, int m, int n, int mr, int nr, double acost, double bcost);
/* The same for the packed GEMM's tiles. B gathered from an image (im2col) costs about four times a copied matrix:
 * a profile of ResNet-50 b8 112² on two threads spent 3.5 times as long gathering as one thread did when the split
 * counted them alike. */
enum { CL_GATHER_COST = 4 };
static inline cl_split cl_split_gemm(const cl_config* cfg, int items, int m, int n, double acost, double bcost) {
  return cl_split_tiles(items, m, n, cfg->mr, cfg->nr, acost, bcost);
}
/* Tasks of a split: items × mparts × nparts. */
static inline int cl_split_tasks(const cl_split* s) { return s->items * s->mparts * s->nparts; }
/* Task t's item, rows [*m0, *m1) and columns [*n0, *n1) (empty when the split has more blocks than tiles). */
void cl_split_task(const cl_split* s, int t, int m, int n, int* item, int* m0, int* m1, int* n0, int* n1);
#endif
