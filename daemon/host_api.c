/* host_api.c - the table of host functions handed to plugins. */
#include "host_api.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vexil/sdk.h>

#include "context.h"
#include "log.h"

static void host_log(vx_log_level level, const char *plugin, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static void host_log(vx_log_level level, const char *plugin, const char *fmt,
                     ...) {
  char msg[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  vx_log(level, "plugin %s: %s", plugin != NULL ? plugin : "?", msg);
}

static void *host_alloc(size_t size) {
  return malloc(size);
}

static void host_free(void *ptr) {
  free(ptr);
}

static _Thread_local uint64_t rng_state[2];
static atomic_uint_fast64_t rng_counter;

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint32_t vx_random_u32(void) {
  if (rng_state[0] == 0 && rng_state[1] == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
                    (uint64_t)(uintptr_t)&rng_state ^
                    (atomic_fetch_add(&rng_counter, 1) << 48);
    rng_state[0] = splitmix64(&seed);
    rng_state[1] = splitmix64(&seed);
    if (rng_state[0] == 0 && rng_state[1] == 0)
      rng_state[1] = 1;
  }
  uint64_t s1 = rng_state[0];
  const uint64_t s0 = rng_state[1];
  rng_state[0] = s0;
  s1 ^= s1 << 23;
  rng_state[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
  return (uint32_t)((rng_state[1] + s0) >> 32);
}

static const vx_host_api host_api = {
    .size = sizeof(vx_host_api),
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .log = host_log,
    .alloc = host_alloc,
    .free = host_free,
    .context_get = vx_context_get,
    .normalized_hash = vx_normalized_hash,
    .now_ms = vx_time_now_ms,
    .random_u32 = vx_random_u32,
};

const vx_host_api *vx_host_api_get(void) {
  return &host_api;
}
