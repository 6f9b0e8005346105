/*
 * sse_internal.h - what the hub (sse_hub.c: the ring of events, the change
 * listener) and the stream route (sse.c) share. Not for other modules:
 * use sse.h.
 *
 * Each event keeps the frame every-environment streams get and, when the
 * change said where flags changed (vx_change.envs), one frame per
 * environment with only that environment's keys; a stream scoped to an
 * environment gets its frame, or nothing when no flag changed there.
 */
#ifndef VX_SSE_INTERNAL_H
#define VX_SSE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sse.h"

/* An event with more changed keys than this is sent as a reset (reload
 * everything), and the ring keeps at most RING_BYTES of frames (older ones
 * go first), so that big imports cannot make the history big. */
#define VX_SSE_MAX_KEYS 1000
#define VX_SSE_RING_BYTES (4u << 20)

typedef struct vx_sse_env_frame {
  char *env;
  char *frame;
  size_t len;
} vx_sse_env_frame;

typedef struct vx_sse_event {
  uint64_t rev;
  char *frame; /* the whole SSE frame "id: ...\n...\n\n", every key */
  size_t len;
  /* Where keys changed is not known: scoped streams get `frame` too,
   * unless no flag changed at all (empty). */
  bool everywhere;
  bool empty;
  vx_sse_env_frame *envs; /* when !everywhere: environments with changes */
  size_t n_envs;
  size_t bytes; /* of every frame and name above */
} vx_sse_event;

struct vx_sse_hub {
  vx_service *svc;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  vx_sse_event ring[VX_SSE_HISTORY];
  size_t head, count; /* oldest at ring[head] */
  size_t bytes;       /* of the events in the ring */
  uint64_t floor;     /* every event after this revision is in the ring */
  uint64_t last;      /* the newest revision */
  bool stopping;
  int open, max;
  long keepalive_ms;
};

/* "id: rev" and a reset event (the client reloads everything), malloc'ed,
 * *len its length; NULL on out-of-memory. */
char *vx_sse_reset_frame(uint64_t rev, size_t *len);

/* The frames after *cursor for a stream of environment env ("" for every
 * environment), concatenated in a new buffer (*len bytes, maybe 0), or a
 * reset when the ring lost some of them; moves *cursor to the newest.
 * Hub locked. NULL on out-of-memory. */
char *vx_sse_collect(vx_sse_hub *hub, const char *env, uint64_t *cursor,
                     size_t *len);

#endif
