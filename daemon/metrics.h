/*
 * metrics.h - the daemon's Prometheus metrics: process-wide, lock-free
 * counters (C11 atomics) that any thread updates without waiting.
 *
 *   vexil_http_requests_total{route, status}       counter
 *   vexil_http_request_duration_seconds{route}     histogram
 *   vexil_evaluations_total{flag, result}          counter (result true|false)
 *   vexil_evaluation_flags_overflow_total          counter: evaluations not
 *                                                  counted by flag because the
 *                                                  flag table was full
 *   vexil_strategy_errors_total{strategy}          counter: evaluate results
 *                                                  that were neither 0 nor 1,
 *                                                  served as off
 *   vexil_requests_in_flight, vexil_requests_stuck gauges: requests being
 *   vexil_request_oldest_seconds                   served (streams left out),
 *                                                  those older than 10 s, the
 *                                                  oldest one's age
 *   vexil_open_streams                             gauge
 *   vexil_revision, vexil_plugins_loaded           gauges (from the service)
 *   vexil_store_writable, vexil_publish_pending    gauges (service_health.c)
 *   vexil_store_write_failures_total{code}         counter: writes answered
 *                                                  503 STORE_*
 *   vexil_publish_failures_total                   counter: snapshots not
 *                                                  built or published after
 *                                                  a commit
 *   vexil_plugins_refused                          gauge: plugin files refused
 *                                                  at start or by the last
 *                                                  reload
 *   vexil_plugin_refused{file, strategy}           gauge, 1 per refused file
 *
 * Routes are identified by a small index handed out by vx_metrics_route
 * (at start, by http.c); flags by key in a fixed table of
 * VX_METRICS_MAX_FLAGS entries (open addressing, insertion by CAS: the
 * first evaluation of a key allocates its entry once, later ones only
 * increment). The state lives as long as the process; nothing to free.
 */
#ifndef VX_METRICS_H
#define VX_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service.h"

#define VX_METRICS_MAX_ROUTES 64
#define VX_METRICS_MAX_FLAGS 16384

/* The index of a route label (copied), registering it on first use; the
 * same label always gives the same index. Labels beyond
 * VX_METRICS_MAX_ROUTES share the last slot ("other"). Thread-safe. */
int vx_metrics_route(const char *label);

/* One HTTP request answered on route (an index from vx_metrics_route)
 * with status, after micros microseconds. */
void vx_metrics_http(int route, int status, uint64_t micros);

/* One evaluation of flag key[0..len) that answered enabled or not. Call
 * it for flags that exist (unknown keys would fill the table). */
void vx_metrics_eval(const char *key, size_t len, bool enabled);

/* Open event streams: +1 when one opens, -1 when it ends. */
void vx_metrics_streams(int delta);
long vx_metrics_streams_open(void);

/* The whole exposition (Prometheus text format 0.0.4) in a new buffer
 * that the caller frees; *len its length. svc may be NULL (then revision
 * and plugins are left out). Returns 0, or -1 when out of memory. */
int vx_metrics_render(vx_service *svc, char **out, size_t *len);

#endif
