/*
 * The addon's thread pool: CONVLAB_THREADS threads (default: every online core), the caller being one of them.
 * A job is a task counter that every thread claims from. Between jobs a worker spins briefly (a job often follows
 * within microseconds, and a wake-up through the condition variable costs tens of them), then sleeps.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../src/convlab.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, finished = PTHREAD_COND_INITIALIZER;
static int nthreads = 0, started = 0;
static unsigned long generation = 0;
static cl_task_fn job_fn;
static void* job_ctx;
static int job_tasks, job_next, job_busy;

#define SPINS 4000

static void pause_cpu(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static int claim(void) { return __atomic_fetch_add(&job_next, 1, __ATOMIC_RELAXED); }

static void* worker(void* arg) {
  int id = (int)(size_t)arg;
  unsigned long seen = 0;
  for (;;) {
    for (int i = 0; i < SPINS && __atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen; i++) pause_cpu();
    if (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen) {
      pthread_mutex_lock(&lock);
      while (generation == seen) pthread_cond_wait(&wake, &lock);
      pthread_mutex_unlock(&lock);
    }
    seen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
    for (int t; (t = claim()) < job_tasks;) job_fn(job_ctx, t, id);
    if (__atomic_sub_fetch(&job_busy, 1, __ATOMIC_ACQ_REL) == 0) {
      pthread_mutex_lock(&lock);
      pthread_cond_signal(&finished);
      pthread_mutex_unlock(&lock);
    }
  }
  return 0;
}

/* The first number in a file (cgroup limits), or -1. */
static long read_long(const char* path, long* second) {
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  char word[32];
  long first = -1;
  if (fscanf(f, "%31s", word) == 1) first = word[0] == 'm' ? 0 : strtol(word, 0, 10); /* "max": no quota */
  if (second && fscanf(f, "%ld", second) != 1) *second = 0;
  fclose(f);
  return first;
}

/*
 * CPUs this process may use: the affinity mask (taskset, cpusets), capped by a CFS quota (containers: cgroup v2's
 * cpu.max or v1's cfs_quota_us / cfs_period_us). More threads than that only time-slice against each other.
 */
static int usable_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) n = CPU_COUNT(&set);
  long period = 0, quota = read_long("/sys/fs/cgroup/cpu.max", &period);
  if (quota <= 0) {
    quota = read_long("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", 0);
    period = read_long("/sys/fs/cgroup/cpu/cpu.cfs_period_us", 0);
  }
  if (quota > 0 && period > 0) {
    long q = (quota + period - 1) / period;
    if (q < n) n = q;
  }
#endif
  return n < 1 ? 1 : (int)n;
}

int cl_threads(void) {
  if (nthreads == 0) {
    const char* env = getenv("CONVLAB_THREADS");
    long n = env && *env ? strtol(env, 0, 10) : usable_cpus();
    nthreads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
  }
  return nthreads;
}

/*
 * Keeps freed memory mapped. glibc returns large blocks to the kernel (mmap per block above 128 KiB to 32 MiB,
 * and trimming the heap top), so every feature map that V8 frees and the next op allocates is faulted in again,
 * page by page: ~2 ms for a 3.2 MB map here, against 0.1 ms when the memory stays mapped. Called once, when the
 * addon loads; it changes only thresholds, and CONVLAB_MALLOC=default leaves glibc's own.
 */
void cl_tune_malloc(void) {
#if defined(__GLIBC__)
  const char* env = getenv("CONVLAB_MALLOC");
  if (env && *env && env[0] == 'd') return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

static int serial; /* calls into the addon are serialized (addon.c), so a plain counter */

void cl_serial(int delta) { serial += delta; }

void cl_parallel_for(int tasks, cl_task_fn fn, void* ctx) {
  int t = cl_threads();
  if (t == 1 || tasks <= 1 || serial > 0) {
    for (int i = 0; i < tasks; i++) fn(ctx, i, 0);
    return;
  }
  while (started < t - 1) {
    pthread_t th;
    pthread_create(&th, 0, worker, (void*)(size_t)(started + 1));
    pthread_detach(th);
    started++;
  }
  pthread_mutex_lock(&lock);
  job_fn = fn, job_ctx = ctx, job_tasks = tasks, job_next = 0, job_busy = t - 1;
  __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  for (int i; (i = claim()) < tasks;) fn(ctx, i, 0);
  for (int i = 0; i < SPINS && __atomic_load_n(&job_busy, __ATOMIC_ACQUIRE) > 0; i++) pause_cpu();
  pthread_mutex_lock(&lock);
  while (__atomic_load_n(&job_busy, __ATOMIC_ACQUIRE) > 0) pthread_cond_wait(&finished, &lock);
  pthread_mutex_unlock(&lock);
}
