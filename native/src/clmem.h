/* memcpy/memset: from libc natively; the freestanding WASM build defines them over bulk-memory instructions. */
#ifndef CL_MEM_H
#define CL_MEM_H
#ifdef __wasm__
#include <stddef.h>
void* memcpy(void* dst, const void* src, size_t n);
void* memset(void* dst, int v, size_t n);
#else
#include <string.h>
#endif
#endif
