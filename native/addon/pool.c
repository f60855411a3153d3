/*
 * The addon's thread pool: CONVLAB_THREADS threads (default: the CPUs this process may use), the caller being one
 * of them.
 *
 * A job is published as one 64-bit word, (job number << 32) | next task, that every thread claims tasks from by
 * compare-and-swap, and the caller waits for its *tasks* to be done, not for the workers to check in. A worker
 * that wakes late (asleep, or its CPU taken by another process: this machine is shared) finds the job claimed and
 * costs nothing; when every worker waited for every job, one descheduled worker stalled each op for a scheduler
 * time slice, and two threads ran slower than one. A claim succeeds only while the word still names the job whose
 * description the thread read, so a late worker never runs a task of a finished job.
 *
 * Between jobs a worker spins for a while (the next op usually follows within tens of microseconds, and a futex
 * wake-up costs as much), offering the CPU to other runnable processes while it does, then sleeps.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../src/convlab.h"

/* How long an idle worker spins before it sleeps: a model's next op usually comes within it. Kept short since the
 * spinning thread shares its process's CPU time with the caller when other processes load the machine (the
 * scheduler's autogroups), and a worker that wakes late costs nothing now. */
#define IDLE_SPIN_NS 500000L
/* How long the caller spins for tasks still running on other threads before it sleeps. */
#define WAIT_SPIN_NS 2000000L
/* Pauses between looks at the clock and offers of the CPU (a pause is ~60 ns here, clock_gettime ~80 ns). */
#define SPIN_BATCH 64

typedef struct {
  cl_task_fn fn;
  void* ctx;
  int tasks;
} job_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, finished = PTHREAD_COND_INITIALIZER;
static int nthreads = 0, started = 0;
/* Job j's description lives in jobs[j & 1]: it is rewritten only for job j + 2, after job j + 1 was published. */
static job_t jobs[2];
static uint64_t word;  /* (job << 32) | next task to claim */
static int done;       /* tasks of the current job finished */
static int sleepers;   /* workers asleep on `wake` */
static int waiting;    /* the caller asleep on `finished` */

static void pause_cpu(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

/*
 * Claims and runs tasks of the job the word names until none is left; returns how many it ran. The description is
 * read before the claim: if the claim succeeds the word still named that job, which therefore was not finished and
 * its description not yet reused. Tasks are claimed a run at a time, about an eighth of a thread's share: a job of
 * thousands of tiny tasks (copying planes) would otherwise spend its time passing the word's cache line between the
 * cores.
 */
static int run_tasks(int id) {
  int ran = 0;
  uint64_t w = __atomic_load_n(&word, __ATOMIC_ACQUIRE);
  for (;;) {
    const job_t* j = &jobs[(w >> 32) & 1];
    cl_task_fn fn = __atomic_load_n(&j->fn, __ATOMIC_ACQUIRE);
    void* ctx = __atomic_load_n(&j->ctx, __ATOMIC_ACQUIRE);
    int tasks = __atomic_load_n(&j->tasks, __ATOMIC_ACQUIRE);
    int t = (int)(uint32_t)w;
    if (t >= tasks) return ran;
    int run = tasks / (8 * nthreads);
    run = run < 1 ? 1 : run > tasks - t ? tasks - t : run;
    if (!__atomic_compare_exchange_n(&word, &w, w + (uint64_t)run, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    for (int i = t; i < t + run; i++) fn(ctx, i, id);
    ran += run;
    /* The last task done wakes the caller if it went to sleep (it cannot sleep while a task runs unseen: it reads
     * `done` under the lock after setting `waiting`). */
    if (__atomic_add_fetch(&done, run, __ATOMIC_SEQ_CST) == tasks && __atomic_load_n(&waiting, __ATOMIC_SEQ_CST)) {
      pthread_mutex_lock(&lock);
      pthread_cond_signal(&finished);
      pthread_mutex_unlock(&lock);
    }
    w = __atomic_load_n(&word, __ATOMIC_ACQUIRE);
  }
}

static uint32_t job_of(uint64_t w) { return (uint32_t)(w >> 32); }

static void* worker(void* arg) {
  int id = (int)(size_t)arg;
  uint32_t seen = job_of(__atomic_load_n(&word, __ATOMIC_ACQUIRE));
  long spin = IDLE_SPIN_NS;
  for (;;) {
    long start = now_ns();
    while (job_of(__atomic_load_n(&word, __ATOMIC_ACQUIRE)) == seen && now_ns() - start < spin) {
      for (int i = 0; i < SPIN_BATCH; i++) pause_cpu();
      sched_yield(); /* a process waiting for this CPU gets it; without one this returns at once */
    }
    if (job_of(__atomic_load_n(&word, __ATOMIC_ACQUIRE)) == seen) {
      pthread_mutex_lock(&lock);
      __atomic_add_fetch(&sleepers, 1, __ATOMIC_SEQ_CST);
      while (job_of(__atomic_load_n(&word, __ATOMIC_SEQ_CST)) == seen) pthread_cond_wait(&wake, &lock);
      __atomic_sub_fetch(&sleepers, 1, __ATOMIC_SEQ_CST);
      pthread_mutex_unlock(&lock);
    }
    seen = job_of(__atomic_load_n(&word, __ATOMIC_ACQUIRE));
    /* A worker that finds its job claimed came too late to help, mostly because other processes hold the CPUs:
     * it spins half as long the next time (spinning would only take time from its caller's share) and the full
     * time again after a job it helped with. */
    spin = run_tasks(id) > 0 ? IDLE_SPIN_NS : spin / 2;
  }
  return 0;
}

/* The first number in a file (cgroup limits; "max" reads as 0, no limit), the second in *second; -1 without it. */
static long read_long(const char* path, long* second) {
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  char word[32];
  long first = -1;
  if (fscanf(f, "%31s", word) == 1) first = word[0] == 'm' ? 0 : strtol(word, 0, 10);
  if (second && fscanf(f, "%ld", second) != 1) *second = 0;
  fclose(f);
  return first;
}

/* CPUs a CFS quota of quota µs per period µs allows (rounded up), or `n` when there is none or it is larger. */
static long quota_cap(long n, long quota, long period) {
  if (quota > 0 && period > 0) {
    long q = (quota + period - 1) / period;
    if (q < n) return q;
  }
  return n;
}

/*
 * The CFS quota of this process's cgroup and of every cgroup above it (a parent's limit binds its children): cgroup
 * v2's cpu.max, or v1's cpu.cfs_quota_us over cpu.cfs_period_us in the hierarchy that has the cpu controller. The
 * paths come from /proc/self/cgroup ("0::/path" for v2, "N:cpu,cpuacct:/path" for v1); in a container they are "/".
 */
static long cgroup_cap(long n) {
  char v2[400] = "", v1[400] = "", line[512];
  FILE* f = fopen("/proc/self/cgroup", "r");
  if (!f) return n;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char* ctl = strchr(line, ':');
    char* path = ctl ? strchr(ctl + 1, ':') : 0;
    if (!path || strlen(path + 1) >= sizeof v2) continue;
    *path++ = 0, ctl++;
    if (*ctl == 0) strcpy(v2, path);
    for (char* c = strtok(ctl, ","); c; c = strtok(0, ","))
      if (strcmp(c, "cpu") == 0) strcpy(v1, path);
  }
  fclose(f);
  for (int version = 2; version >= 1; version--) {
    char dir[420];
    snprintf(dir, sizeof dir, "%s", version == 2 ? v2 : v1);
    if (version == 1 && !*dir) break;
    for (;;) {
      char file[480];
      long quota, period = 0;
      if (version == 2) {
        snprintf(file, sizeof file, "/sys/fs/cgroup%s/cpu.max", dir);
        quota = read_long(file, &period);
      } else {
        snprintf(file, sizeof file, "/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", dir);
        quota = read_long(file, 0);
        snprintf(file, sizeof file, "/sys/fs/cgroup/cpu%s/cpu.cfs_period_us", dir);
        period = read_long(file, 0);
      }
      n = quota_cap(n, quota, period);
      char* slash = strrchr(dir, '/');
      if (!slash) break;
      *slash = 0; /* "/a/b" → "/a" → "" (the root) → done */
    }
  }
  return n;
}

/*
 * CPUs this process may use: the affinity mask (taskset, cpusets), capped by a CFS quota (containers).
 * More threads than that only time-slice against each other.
 */
static int usable_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) n = CPU_COUNT(&set);
  n = cgroup_cap(n);
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
    if (pthread_create(&th, 0, worker, (void*)(size_t)(started + 1)) != 0) break;
    pthread_detach(th);
    started++;
  }
  uint64_t w = __atomic_load_n(&word, __ATOMIC_RELAXED);
  uint32_t next = job_of(w) + 1;
  job_t* j = &jobs[next & 1];
  __atomic_store_n(&j->fn, fn, __ATOMIC_RELEASE);
  __atomic_store_n(&j->ctx, ctx, __ATOMIC_RELEASE);
  __atomic_store_n(&j->tasks, tasks, __ATOMIC_RELEASE);
  __atomic_store_n(&done, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&word, (uint64_t)next << 32, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
  }
  run_tasks(0);
  /* Every task is claimed; wait for those still running on other threads. */
  long start = now_ns();
  while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < tasks && now_ns() - start < WAIT_SPIN_NS)
    for (int i = 0; i < SPIN_BATCH && __atomic_load_n(&done, __ATOMIC_ACQUIRE) < tasks; i++) pause_cpu();
  if (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < tasks) {
    pthread_mutex_lock(&lock);
    __atomic_store_n(&waiting, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&done, __ATOMIC_SEQ_CST) < tasks) pthread_cond_wait(&finished, &lock);
    __atomic_store_n(&waiting, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&lock);
  }
}
