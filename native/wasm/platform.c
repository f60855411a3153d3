/*
 * The WebAssembly platform layer: a grow-only bump heap over the imported shared memory, and a parallel loop
 * handed to JavaScript, which runs tasks on worker instances of this same module sharing the memory.
 */
#include "convlab.h" /* -Isrc */

extern unsigned char __heap_base;
static uintptr_t heap_top = 0;
static int threads = 1;

__attribute__((import_module("env"), import_name("parallel_for"))) void js_parallel_for(int tasks, cl_task_fn fn,
                                                                                          void* ctx);

/* Freestanding: the compiler lowers these to memory.copy / memory.fill (bulk memory). */
void* memcpy(void* dst, const void* src, size_t n) {
  __builtin_memcpy(dst, src, n);
  return dst;
}
void* memset(void* dst, int v, size_t n) {
  __builtin_memset(dst, v, n);
  return dst;
}

/* Bytes from the heap, 64-byte aligned; grows the memory as needed. Never freed: callers keep and reuse them. */
__attribute__((export_name("cl_alloc"))) void* cl_alloc(size_t bytes) {
  if (heap_top == 0) heap_top = ((uintptr_t)&__heap_base + 63) & ~(uintptr_t)63;
  uintptr_t p = heap_top, end = p + ((bytes + 63) & ~(size_t)63);
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1) return 0;
  heap_top = end;
  return (void*)p;
}

__attribute__((export_name("cl_set_threads"))) void cl_set_threads(int n) { threads = n < 1 ? 1 : n; }
int cl_threads(void) { return threads; }

static int serial;

void cl_serial(int delta) { serial += delta; }

void cl_parallel_for(int tasks, cl_task_fn fn, void* ctx) {
  if (threads == 1 || tasks <= 1 || serial > 0)
    for (int i = 0; i < tasks; i++) fn(ctx, i, 0);
  else
    js_parallel_for(tasks, fn, ctx);
}

/* Called by JavaScript on whichever instance claimed the task. */
__attribute__((export_name("cl_run_task"))) void cl_run_task(cl_task_fn fn, void* ctx, int task, int thread) {
  fn(ctx, task, thread);
}

__attribute__((export_name("cl_select_name"))) int cl_select_name(const char* name) { return cl_select(name); }

/* The name of config i (0 when past the end), so JavaScript can list and select them. */
__attribute__((export_name("cl_config_name"))) const char* cl_config_name(int i) {
  int count;
  const cl_config* c = cl_configs(&count);
  return i < count ? c[i].name : 0;
}

__attribute__((export_name("cl_current_name"))) const char* cl_current_name(void) { return cl_current()->name; }
