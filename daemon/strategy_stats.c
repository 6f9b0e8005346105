/* strategy_stats.c - evaluation errors per strategy (see
 * strategy_stats.h). */
#include "strategy_stats.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vexil/error.h>

#include "log.h"

static vx_strategy_stats table[VX_STRATEGY_STATS_MAX];
static atomic_size_t used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

vx_strategy_stats *vx_strategy_stats_for(const char *name) {
  pthread_mutex_lock(&lock);
  size_t n = atomic_load(&used);
  vx_strategy_stats *st = NULL;
  for (size_t i = 0; i < n && st == NULL; i++)
    if (strcmp(table[i].name, name) == 0)
      st = &table[i];
  if (st == NULL && n < VX_STRATEGY_STATS_MAX - 1) {
    st = &table[n];
    snprintf(st->name, sizeof st->name, "%s", name);
    atomic_store(&used, n + 1);
  } else if (st == NULL) {
    st = &table[VX_STRATEGY_STATS_MAX - 1];
    if (st->name[0] == '\0') {
      snprintf(st->name, sizeof st->name, "(other)");
      atomic_store(&used, (size_t)VX_STRATEGY_STATS_MAX);
    }
  }
  pthread_mutex_unlock(&lock);
  return st;
}

vx_strategy_stats *vx_strategy_stats_all(size_t *n) {
  *n = atomic_load(&used);
  return table;
}

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vx_strategy_eval_error(vx_strategy_stats *st, const char *version,
                            const char *flag, int rc) {
  uint64_t total =
      atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed) + 1;
  int64_t now = monotonic_ms() + 1;
  int_fast64_t last = atomic_load_explicit(&st->last_log, memory_order_relaxed);
  if (last != 0 && now - last < VX_STRATEGY_ERROR_LOG_MS)
    return;
  /* One thread wins the minute; the others only count. */
  if (!atomic_compare_exchange_strong(&st->last_log, &last, now))
    return;
  vx_log(VX_LOG_WARN,
         "strategy %s %s: evaluate returned %d (%s%s%s) for flag %s; the "
         "strategy is off for that context (%llu such results so far; "
         "logged at most once a minute)",
         st->name, version != NULL ? version : "?", rc,
         rc < 0 ? vx_errname(rc) : "neither 0 nor 1", rc < 0 ? ", " : "",
         rc < 0 ? vx_strerror(rc) : "", flag, (unsigned long long)total);
}
