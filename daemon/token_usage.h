/*
 * token_usage.h - when each token was last used: recorded by requests with
 * no lock and no allocation, read and written to the store by the control
 * side (the service's housekeeping, at most once per interval).
 *
 * Each token has one cell, created by the control side when the token is
 * first put into a snapshot and kept until vx_token_usage_free: snapshots
 * point at cells (vx_auth_entry.use) and may outlive the token's
 * revocation, so a cell never moves and is never freed before the table.
 *
 * A request stores the coarse wall-clock time into its token's cell, but
 * only when it is at least VX_TOKEN_USE_GRAIN_MS past the recorded one:
 * the threads that use a token share the cell's cache line, and writing it
 * on every request would make them fight over it. So last_used is exact
 * to a second, and a cell is written about once a second per busy token.
 */
#ifndef VX_TOKEN_USAGE_H
#define VX_TOKEN_USAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define VX_TOKEN_USE_GRAIN_MS 1000

typedef struct vx_token_use {
  _Atomic int64_t last_ms; /* ms since the epoch; 0: never */
  int64_t flushed_ms;      /* what the store holds (control side only) */
  int64_t id;
} vx_token_use;

typedef struct vx_token_usage vx_token_usage;

/* An empty table, or NULL on out-of-memory. */
vx_token_usage *vx_token_usage_new(void);
/* Frees the table and its cells: only once no snapshot points at one. */
void vx_token_usage_free(vx_token_usage *u);

/* The cell of token id; a new one starts at stored_ms (the store's
 * last_used, 0 for none) as both its last and its flushed time. An
 * existing one takes stored_ms when that is later (another process wrote
 * it). NULL on out-of-memory. Control side: one thread at a time. */
vx_token_use *vx_token_usage_cell(vx_token_usage *u, int64_t id,
                                  int64_t stored_ms);
/* The cell of token id, or NULL. Control side. */
vx_token_use *vx_token_usage_find(const vx_token_usage *u, int64_t id);

/* The number of cells, and the i-th (in id order). Control side. */
size_t vx_token_usage_count(const vx_token_usage *u);
vx_token_use *vx_token_usage_at(const vx_token_usage *u, size_t i);

/* The wall-clock time in ms, from the kernel's coarse clock (a read of
 * the vDSO page, no system call; a few ms of resolution). */
static inline int64_t vx_token_use_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A request used the token at now_ms. Any thread; lock- and
 * allocation-free; writes the cell only once per VX_TOKEN_USE_GRAIN_MS. */
static inline void vx_token_use_touch(vx_token_use *c, int64_t now_ms) {
  int64_t last = atomic_load_explicit(&c->last_ms, memory_order_relaxed);
  if (now_ms - last >= VX_TOKEN_USE_GRAIN_MS)
    atomic_store_explicit(&c->last_ms, now_ms, memory_order_relaxed);
}

/* The last use recorded in c (0: never). Any thread. */
static inline int64_t vx_token_use_last(const vx_token_use *c) {
  return atomic_load_explicit(&((vx_token_use *)c)->last_ms,
                              memory_order_relaxed);
}

#endif
