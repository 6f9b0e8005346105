/*
 * strategy_stats.h - what evaluation counts per strategy: the results of a
 * plugin's evaluate that were neither 1 (on) nor 0 (off).
 *
 * Fail closed: eval.c serves only a result of exactly 1 as on. Anything
 * else (a negative VX_E* code, or a stray positive value) is off, is
 * counted here under the strategy's name, and is logged at most once a
 * minute per strategy (the log line names the flag and the code). The
 * counters live for the whole process and are shared by every version of
 * a strategy, so a reload does not reset them:
 *   vexil_strategy_errors_total{strategy="..."} in /metrics.
 */
#ifndef VX_STRATEGY_STATS_H
#define VX_STRATEGY_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Strategies with a counter of their own; later names share the last
 * slot, rendered as strategy="(other)". */
#define VX_STRATEGY_STATS_MAX 256

/* How often one strategy's errors are logged, at most. */
#define VX_STRATEGY_ERROR_LOG_MS 60000

typedef struct vx_strategy_stats {
  char name[128];
  atomic_uint_fast64_t errors;
  /* CLOCK_MONOTONIC ms + 1 of the last line logged; 0 never. */
  atomic_int_fast64_t last_log;
} vx_strategy_stats;

/* The counters of strategy `name`, created on first use; the same name
 * always gives the same counters. Takes a lock: call it when a plugin is
 * loaded, not while evaluating. Never NULL. */
vx_strategy_stats *vx_strategy_stats_for(const char *name);

/* An evaluate of the strategy counted by st returned rc (neither 0 nor
 * 1) for flag `flag` (its key): counts it, and logs a warning when the
 * last line about this strategy is a minute old or more. Lock-free, except
 * for the log line itself (once a minute). `version` may be NULL. Any
 * thread. */
void vx_strategy_eval_error(vx_strategy_stats *st, const char *version,
                            const char *flag, int rc);

/* The strategies counted so far, in order of first use: *n of them.
 * Lock-free; entries never move or go away. */
vx_strategy_stats *vx_strategy_stats_all(size_t *n);

#endif
