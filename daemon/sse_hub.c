/*
 * sse_hub.c - the change stream's hub (sse.h): the change listener makes
 * each revision's frames and keeps them in a ring; streams collect what is
 * new for their environment (sse_internal.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sse_internal.h"

char *vx_sse_reset_frame(uint64_t rev, size_t *len) {
  char *f = NULL;
  int n =
      asprintf(&f,
               "id: %" PRIu64
               "\ndata: {\"type\":\"refetchEvaluation\",\"revision\":%" PRIu64
               ",\"reset\":true}\n\n",
               rev, rev);
  if (n < 0)
    return NULL;
  *len = (size_t)n;
  return f;
}

/* The frame of revision rev listing keys, or a reset when there are too
 * many to list. NULL on out-of-memory. */
static char *make_frame(uint64_t rev, const json_t *keys, size_t *len) {
  char *k = json_array_size(keys) <= VX_SSE_MAX_KEYS
                ? json_dumps(keys, JSON_COMPACT)
                : NULL;
  if (k == NULL)
    return vx_sse_reset_frame(rev, len);
  char *frame = NULL;
  int n = asprintf(&frame,
                   "id: %" PRIu64 "\ndata: {\"type\":\"refetchEvaluation\","
                   "\"revision\":%" PRIu64 ",\"flags\":%s}\n\n",
                   rev, rev, k);
  free(k);
  if (n < 0)
    return NULL;
  *len = (size_t)n;
  return frame;
}

static void event_dispose(vx_sse_event *e) {
  free(e->frame);
  for (size_t i = 0; i < e->n_envs; i++) {
    free(e->envs[i].env);
    free(e->envs[i].frame);
  }
  free(e->envs);
  memset(e, 0, sizeof *e);
}

/* The event of a change, with its frames. false on out-of-memory. */
static bool make_event(const vx_change *c, vx_sse_event *e) {
  memset(e, 0, sizeof *e);
  e->rev = c->revision;
  e->empty = json_array_size(c->keys) == 0;
  e->everywhere = c->envs == NULL;
  e->frame = make_frame(c->revision, c->keys, &e->len);
  bool ok = e->frame != NULL;
  e->bytes = e->len;
  size_t n = e->everywhere ? 0 : json_object_size(c->envs);
  e->envs = n > 0 ? calloc(n, sizeof *e->envs) : NULL;
  ok &= n == 0 || e->envs != NULL;
  const char *env;
  json_t *keys;
  json_object_foreach((json_t *)c->envs, env, keys) {
    if (!ok || json_array_size(keys) == 0)
      continue;
    vx_sse_env_frame *f = &e->envs[e->n_envs];
    f->env = strdup(env);
    f->frame = make_frame(c->revision, keys, &f->len);
    e->n_envs++;
    ok &= f->env != NULL && f->frame != NULL;
    e->bytes += f->len + strlen(env) + 1;
  }
  if (!ok)
    event_dispose(e);
  return ok;
}

/* The change listener (the writer's thread, service lock held). */
static void on_change(const vx_change *c, void *arg) {
  vx_sse_hub *hub = arg;
  vx_sse_event e; /* made before the lock: streams do not wait for it */
  bool made = make_event(c, &e);
  pthread_mutex_lock(&hub->mu);
  if (c->revision > hub->last) {
    while (hub->count > 0 && (hub->count == VX_SSE_HISTORY ||
                              hub->bytes + e.bytes > VX_SSE_RING_BYTES)) {
      vx_sse_event *old = &hub->ring[hub->head];
      hub->floor = old->rev;
      hub->bytes -= old->bytes;
      event_dispose(old);
      hub->head = (hub->head + 1) % VX_SSE_HISTORY;
      hub->count--;
    }
    if (made) {
      hub->ring[(hub->head + hub->count) % VX_SSE_HISTORY] = e;
      hub->count++;
      hub->bytes += e.bytes;
      made = false;
    } else {
      hub->floor = c->revision; /* out of memory: streams behind it reset */
    }
    hub->last = c->revision;
  }
  /* Always: a reload of tokens re-announces a revision, and streams then
   * check that their token is still valid. */
  pthread_cond_broadcast(&hub->cv);
  pthread_mutex_unlock(&hub->mu);
  if (made)
    event_dispose(&e);
}

/* The frame of e for a stream of environment env ("" for all), or NULL
 * when e is nothing to it. */
static const char *frame_for(const vx_sse_event *e, const char *env,
                             size_t *len) {
  *len = e->len;
  if (env[0] == '\0')
    return e->frame;
  if (e->everywhere)
    return e->empty ? NULL : e->frame;
  for (size_t i = 0; i < e->n_envs; i++) {
    if (strcmp(e->envs[i].env, env) == 0) {
      *len = e->envs[i].len;
      return e->envs[i].frame;
    }
  }
  return NULL;
}

char *vx_sse_collect(vx_sse_hub *hub, const char *env, uint64_t *cursor,
                     size_t *len) {
  *len = 0;
  if (*cursor < hub->floor) {
    *cursor = hub->last;
    return vx_sse_reset_frame(hub->last, len);
  }
  size_t total = 0, n;
  for (size_t i = 0; i < hub->count; i++) {
    const vx_sse_event *e = &hub->ring[(hub->head + i) % VX_SSE_HISTORY];
    if (e->rev > *cursor && frame_for(e, env, &n) != NULL)
      total += n;
  }
  char *out = malloc(total + 1);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < hub->count; i++) {
    const vx_sse_event *e = &hub->ring[(hub->head + i) % VX_SSE_HISTORY];
    const char *f = e->rev > *cursor ? frame_for(e, env, &n) : NULL;
    if (f != NULL) {
      memcpy(out + *len, f, n);
      *len += n;
    }
  }
  *cursor = hub->last;
  return out;
}

int vx_sse_hub_new(vx_service *svc, int max_streams, vx_sse_hub **out) {
  *out = NULL;
  vx_sse_hub *hub = calloc(1, sizeof *hub);
  if (hub == NULL)
    return -1;
  hub->svc = svc;
  hub->max = max_streams;
  hub->keepalive_ms = VX_SSE_KEEPALIVE_MS;
  const char *ka = getenv("VEXIL_SSE_KEEPALIVE_MS");
  if (ka != NULL && atol(ka) >= 10)
    hub->keepalive_ms = atol(ka);
  pthread_mutex_init(&hub->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&hub->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (vx_service_on_change(svc, on_change, hub) != 0) {
    vx_sse_hub_free(hub);
    return -1;
  }
  /* Registered first, then read: a change in between is in the ring. */
  uint64_t rev = vx_service_revision(svc);
  pthread_mutex_lock(&hub->mu);
  if (hub->count == 0) {
    hub->floor = rev;
    hub->last = rev;
  } else {
    hub->floor = hub->ring[hub->head].rev - 1;
  }
  pthread_mutex_unlock(&hub->mu);
  *out = hub;
  return 0;
}

void vx_sse_hub_stop(vx_sse_hub *hub) {
  if (hub == NULL)
    return;
  pthread_mutex_lock(&hub->mu);
  hub->stopping = true;
  pthread_cond_broadcast(&hub->cv);
  pthread_mutex_unlock(&hub->mu);
}

void vx_sse_hub_free(vx_sse_hub *hub) {
  if (hub == NULL)
    return;
  vx_service_off_change(hub->svc, on_change, hub);
  for (size_t i = 0; i < hub->count; i++)
    event_dispose(&hub->ring[(hub->head + i) % VX_SSE_HISTORY]);
  pthread_cond_destroy(&hub->cv);
  pthread_mutex_destroy(&hub->mu);
  free(hub);
}
