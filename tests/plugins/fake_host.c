/* fake_host.c - see fake_host.h. */
#include "fake_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/sdk.h>

fh_counters fh_count;

static unsigned long fail_alloc_at;
static int random_is_fixed = 1;
static uint32_t random_value;
static uint64_t random_state;
static char last_log[1024];
static unsigned long malloc_calls;

/* ------------------------------------------------------------- context */

void fh_ctx_init(vx_context *ctx) {
  memset(ctx, 0, sizeof *ctx);
}

static const char **well_known(vx_context *ctx, const char *name) {
  if (strcmp(name, "userId") == 0)
    return &ctx->user_id;
  if (strcmp(name, "sessionId") == 0)
    return &ctx->session_id;
  if (strcmp(name, "remoteAddress") == 0)
    return &ctx->remote_address;
  if (strcmp(name, "environment") == 0)
    return &ctx->environment;
  if (strcmp(name, "appName") == 0)
    return &ctx->app_name;
  if (strcmp(name, "currentTime") == 0)
    return &ctx->current_time;
  return NULL;
}

void fh_ctx_set(vx_context *ctx, const char *name, const char *value) {
  const char **field = well_known(ctx, name);
  if (field != NULL) {
    *field = value;
    return;
  }
  for (size_t i = 0; i < ctx->n_props; i++) {
    if (strcmp(ctx->props[i].name, name) == 0) {
      ctx->props[i].value = value;
      return;
    }
  }
  if (ctx->n_props < FH_MAX_PROPS) {
    ctx->props[ctx->n_props].name = name;
    ctx->props[ctx->n_props].value = value;
    ctx->n_props++;
  }
}

/* ---------------------------------------------------------------- host */

static void fh_log(vx_log_level level, const char *plugin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fh_log(vx_log_level level, const char *plugin, const char *fmt,
                   ...) {
  (void)level;
  fh_count.log_calls++;
  int n = snprintf(last_log, sizeof last_log,
                   "%s: ", plugin != NULL ? plugin : "?");
  if (n < 0 || (size_t)n >= sizeof last_log)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_log + n, sizeof last_log - (size_t)n, fmt, ap);
  va_end(ap);
}

static void *fh_alloc(size_t size) {
  fh_count.alloc_calls++;
  if (fail_alloc_at != 0 && --fail_alloc_at == 0)
    return NULL;
  void *p = malloc(size);
  if (p != NULL)
    fh_count.live++;
  return p;
}

static void fh_free(void *ptr) {
  if (ptr == NULL)
    return;
  fh_count.free_calls++;
  fh_count.live--;
  free(ptr);
}

/* The daemon's rule: a top-level field when present, else the property. */
static const char *fh_context_get(const vx_context *ctx, const char *field,
                                  size_t *len) {
  vx_context copy = *ctx; /* well_known() hands out writable slots */
  const char **slot = well_known(&copy, field);
  const char *v = slot != NULL ? *slot : NULL;
  for (size_t i = 0; v == NULL && i < ctx->n_props; i++)
    if (strcmp(ctx->props[i].name, field) == 0)
      v = ctx->props[i].value;
  if (v != NULL && len != NULL)
    *len = strlen(v);
  return v;
}

static int64_t now_value = INT64_C(1700000000000);

void fh_now_fixed(int64_t ms) {
  now_value = ms;
}

static int64_t fh_now_ms(void) {
  return now_value;
}

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint32_t fh_random_u32(void) {
  fh_count.random_calls++;
  if (random_is_fixed)
    return random_value;
  return (uint32_t)(splitmix64(&random_state) >> 32);
}

static const vx_host_api fake_host = {
    .size = sizeof(vx_host_api),
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .log = fh_log,
    .alloc = fh_alloc,
    .free = fh_free,
    .context_get = fh_context_get,
    .normalized_hash = vx_normalized_hash,
    .now_ms = fh_now_ms,
    .random_u32 = fh_random_u32,
};

static vx_host_api variant_host;

const vx_host_api *fh_host(void) {
  return &fake_host;
}

const vx_host_api *fh_host_variant(uint32_t size, uint16_t abi_major) {
  variant_host = fake_host;
  variant_host.size = size;
  variant_host.abi_major = abi_major;
  return &variant_host;
}

void fh_reset_counters(void) {
  long live = fh_count.live;
  memset(&fh_count, 0, sizeof fh_count);
  fh_count.live = live;
  fail_alloc_at = 0;
}

void fh_fail_alloc_at(unsigned long n) {
  fail_alloc_at = n;
}

void fh_random_fixed(uint32_t value) {
  random_is_fixed = 1;
  random_value = value;
}

void fh_random_sequence(uint64_t seed) {
  random_is_fixed = 0;
  random_state = seed;
}

const char *fh_last_log(void) {
  return last_log;
}

/* -------------------------------------------------- wrapped allocation */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

void *__wrap_malloc(size_t size) {
  malloc_calls++;
  return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size) {
  malloc_calls++;
  return __real_calloc(n, size);
}

void *__wrap_realloc(void *ptr, size_t size) {
  malloc_calls++;
  return __real_realloc(ptr, size);
}

unsigned long fh_malloc_calls(void) {
  return malloc_calls;
}
