/*
 * inflight.h - what each HTTP worker is doing now: the request it serves
 * (method and path) and since when. A watchdog for a worker stuck in one
 * request (a plugin's evaluate that never returns holds its worker): the
 * metrics show how many requests are in flight and the oldest one's age,
 * and a shutdown that cannot finish says what it waited for.
 *
 * Each worker thread gets a slot of its own on its first request (at most
 * VX_INFLIGHT_MAX threads are tracked; later ones are not). A slot is
 * written only by its thread, with relaxed atomic stores: no lock, no
 * allocation. Readers (metrics, shutdown) may see a request that has just
 * ended; they never see torn text.
 */
#ifndef VX_INFLIGHT_H
#define VX_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VX_INFLIGHT_MAX 4096
#define VX_INFLIGHT_TEXT 96 /* bytes of "METHOD /path" kept, NUL included */

/* A request in flight counts as stuck in the metrics after this long. */
#define VX_INFLIGHT_STUCK_MS 10000

/* This thread starts serving `method path`. now_ms: a monotonic clock. */
void vx_inflight_begin(const char *method, const char *path, int64_t now_ms);
/* This thread's request is over. */
void vx_inflight_end(void);
/* This thread's request is an event stream: long by design, not counted
 * as in flight or stuck. */
void vx_inflight_streaming(void);

typedef struct vx_inflight_entry {
  int64_t age_ms;
  bool stream;
  char text[VX_INFLIGHT_TEXT]; /* "POST /api/v1/evaluate/checkout" */
} vx_inflight_entry;

/* Fills out[0..cap) with the requests in flight, oldest first, leaving
 * out the calling thread's own; returns how many there are (may exceed
 * cap). Any thread. */
size_t vx_inflight_list(vx_inflight_entry *out, size_t cap, int64_t now_ms);

/* Counts for the metrics, the caller's own request left out: requests in
 * flight that are not streams, those older than VX_INFLIGHT_STUCK_MS, and
 * the oldest one's age (0 when none). */
void vx_inflight_stats(int64_t now_ms, size_t *in_flight, size_t *stuck,
                       int64_t *oldest_ms);

/* CLOCK_MONOTONIC in ms. */
int64_t vx_inflight_now_ms(void);

#endif
