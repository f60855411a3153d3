/*
 * The addon's thread pool: CONVLAB_THREADS threads (default: every online core), the caller being one of them.
 * A job is a task counter that every thread claims from. Between jobs a worker spins briefly (a job often follows
 * within microseconds, and a wake-up through the condition variable costs tens of them), then sleeps.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

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

int cl_threads(void) {
  if (nthreads == 0) {
    const char* env = getenv("CONVLAB_THREADS");
    long n = env && *env ? strtol(env, 0, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
  }
  return nthreads;
}

void cl_parallel_for(int tasks, cl_task_fn fn, void* ctx) {
  int t = cl_threads();
  if (t == 1 || tasks <= 1) {
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
