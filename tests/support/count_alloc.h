/*
 * count_alloc.h - a counting allocator for proving that a code path does
 * not allocate. Linking count_alloc.c into a program replaces malloc,
 * calloc, realloc and free for the whole process (dlopen'ed plugins
 * included) with wrappers around glibc's own. Not for sanitizer builds,
 * which bring their own allocator.
 */
#ifndef VX_COUNT_ALLOC_H
#define VX_COUNT_ALLOC_H

#include <stddef.h>

/* Allocations (malloc, calloc, realloc) made by any thread since start. */
size_t vx_alloc_count(void);

#endif
