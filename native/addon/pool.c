/*
 * The addon's thread pool: CONVLAB_THREADS threads (default: every online core), the caller being one of them.
 * A job is a task counter that every thread claims from; workers sleep on a condition variable between jobs.
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

static int claim(void) { return __atomic_fetch_add(&job_next, 1, __ATOMIC_RELAXED); }

static void* worker(void* arg) {
  int id = (int)(size_t)arg;
  unsigned long seen = 0;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (generation == seen) pthread_cond_wait(&wake, &lock);
    seen = generation;
    pthread_mutex_unlock(&lock);
    for (int t; (t = claim()) < job_tasks;) job_fn(job_ctx, t, id);
    pthread_mutex_lock(&lock);
    if (--job_busy == 0) pthread_cond_signal(&finished);
    pthread_mutex_unlock(&lock);
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
  generation++;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  for (int i; (i = claim()) < tasks;) fn(ctx, i, 0);
  pthread_mutex_lock(&lock);
  while (job_busy > 0) pthread_cond_wait(&finished, &lock);
  pthread_mutex_unlock(&lock);
}
