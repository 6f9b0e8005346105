/*
 * fake_host.h - a vx_host_api for plugin tests, and the test-only
 * definition of the context that plugins see as opaque.
 *
 * Everything here is deterministic and observable: allocations and frees
 * through the host are counted, random_u32 returns what the test set, and
 * log keeps the last line. Not thread-safe: tests are single-threaded.
 */
#ifndef VX_TEST_FAKE_HOST_H
#define VX_TEST_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <vexil/strategy.h>

#define FH_MAX_PROPS 8

typedef struct fh_prop {
  const char *name;
  const char *value;
} fh_prop;

/* The context, for tests only (the daemon has its own). Strings are
 * borrowed, NUL-terminated, NULL when absent. */
struct vx_context {
  const char *user_id;
  const char *session_id;
  const char *remote_address;
  const char *environment;
  const char *app_name;
  const char *current_time;
  fh_prop props[FH_MAX_PROPS];
  size_t n_props;
};

/* Resets ctx to the empty context. */
void fh_ctx_init(vx_context *ctx);

/* Sets a field by its Unleash name ("userId", "sessionId", ...) or, for any
 * other name, a property (replacing one of the same name). value is
 * borrowed; NULL removes a well-known field. */
void fh_ctx_set(vx_context *ctx, const char *name, const char *value);

/* The fake host table: full size, this build's ABI. */
const vx_host_api *fh_host(void);

/* A copy of the fake host table with another size and major, to test how
 * a plugin treats an old or foreign host. Valid until the next call. */
const vx_host_api *fh_host_variant(uint32_t size, uint16_t abi_major);

typedef struct fh_counters {
  unsigned long alloc_calls;  /* host->alloc */
  unsigned long free_calls;   /* host->free with a non-NULL pointer */
  long live;                  /* host blocks not yet freed */
  unsigned long random_calls; /* host->random_u32 */
  unsigned long log_calls;    /* host->log */
} fh_counters;

extern fh_counters fh_count;

/* Zeroes the call counters; `live` is kept (it tracks real blocks). */
void fh_reset_counters(void);

/* host->alloc returns NULL on its n-th call from now (1 = next call);
 * 0 turns failures off. */
void fh_fail_alloc_at(unsigned long n);

/* random_u32 returns `value` on every call. */
void fh_random_fixed(uint32_t value);
/* random_u32 returns a splitmix64 sequence started at `seed`. */
void fh_random_sequence(uint64_t seed);

/* now_ms returns `ms` from now on (1700000000000, 2023-11-14T22:13:20Z,
 * until set). */
void fh_now_fixed(int64_t ms);

/* The last line given to host->log ("" when none). */
const char *fh_last_log(void);

/* Calls to malloc, calloc and realloc made by code linked into the test
 * program (the linker wraps them: -Wl,--wrap=malloc,...). Code inside a
 * dlopen'ed module is not seen: count host->alloc for that. */
unsigned long fh_malloc_calls(void);

#endif
