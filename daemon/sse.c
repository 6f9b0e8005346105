/*
 * sse.c - the change stream hub and GET /api/v1/stream (see sse.h).
 */
#include "sse.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

/* An event with more changed keys than this is sent as a reset (reload
 * everything), and the ring keeps at most RING_BYTES of frames (older ones
 * go first), so that big imports cannot make the history big. */
#define MAX_KEYS_PER_EVENT 1000
#define RING_BYTES (4u << 20)

typedef struct event {
  uint64_t rev;
  char *frame; /* the whole SSE frame, "id: ...\n...\n\n" */
  size_t len;
} event;

struct vx_sse_hub {
  vx_service *svc;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  event ring[VX_SSE_HISTORY];
  size_t head, count; /* oldest at ring[head] */
  size_t bytes;       /* of the frames in the ring */
  uint64_t floor;     /* every event after this revision is in the ring */
  uint64_t last;      /* the newest revision */
  bool stopping;
  int open, max;
  long keepalive_ms;
};

static char *reset_frame(uint64_t rev, size_t *len) {
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

/* The change listener (the writer's thread, service lock held). */
static void on_change(uint64_t rev, const json_t *keys, void *arg) {
  vx_sse_hub *hub = arg;
  char *frame = NULL;
  size_t len = 0;
  char *k = json_array_size(keys) <= MAX_KEYS_PER_EVENT
                ? json_dumps(keys, JSON_COMPACT)
                : NULL;
  if (k != NULL) {
    int n = asprintf(&frame,
                     "id: %" PRIu64 "\ndata: {\"type\":\"refetchEvaluation\","
                     "\"revision\":%" PRIu64 ",\"flags\":%s}\n\n",
                     rev, rev, k);
    free(k);
    if (n < 0)
      frame = NULL;
    else
      len = (size_t)n;
  }
  if (frame == NULL)
    frame = reset_frame(rev, &len);
  pthread_mutex_lock(&hub->mu);
  if (rev > hub->last) {
    while (hub->count > 0 &&
           (hub->count == VX_SSE_HISTORY || hub->bytes + len > RING_BYTES)) {
      event *old = &hub->ring[hub->head];
      hub->floor = old->rev;
      hub->bytes -= old->len;
      free(old->frame);
      hub->head = (hub->head + 1) % VX_SSE_HISTORY;
      hub->count--;
    }
    if (frame != NULL) {
      event *e = &hub->ring[(hub->head + hub->count) % VX_SSE_HISTORY];
      e->rev = rev;
      e->frame = frame;
      e->len = len;
      hub->count++;
      hub->bytes += len;
      frame = NULL;
    } else {
      hub->floor = rev; /* out of memory: streams behind it reset */
    }
    hub->last = rev;
    pthread_cond_broadcast(&hub->cv);
  }
  pthread_mutex_unlock(&hub->mu);
  free(frame);
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
    free(hub->ring[(hub->head + i) % VX_SSE_HISTORY].frame);
  pthread_cond_destroy(&hub->cv);
  pthread_mutex_destroy(&hub->mu);
  free(hub);
}

/* ---- one stream */

static struct timespec deadline_in(long ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

/* The frames after *cursor (hub locked), concatenated in a new buffer, or
 * a reset when the ring lost some of them. Moves *cursor to the newest. */
static char *collect(vx_sse_hub *hub, uint64_t *cursor, size_t *len) {
  *len = 0;
  if (*cursor < hub->floor) {
    *cursor = hub->last;
    return reset_frame(hub->last, len);
  }
  size_t total = 0;
  for (size_t i = 0; i < hub->count; i++) {
    const event *e = &hub->ring[(hub->head + i) % VX_SSE_HISTORY];
    if (e->rev > *cursor)
      total += e->len;
  }
  char *out = malloc(total + 1);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < hub->count; i++) {
    const event *e = &hub->ring[(hub->head + i) % VX_SSE_HISTORY];
    if (e->rev > *cursor) {
      memcpy(out + *len, e->frame, e->len);
      *len += e->len;
    }
  }
  *cursor = hub->last;
  return out;
}

/* Where a stream opened with Last-Event-ID starts (hub locked): true
 * with *cursor = id when the ring has every event after it. */
static bool resumable(const vx_sse_hub *hub, const char *last_id,
                      uint64_t *cursor) {
  char *end;
  errno = 0;
  unsigned long long id = strtoull(last_id, &end, 10);
  if (errno != 0 || end == last_id || *end != '\0' || last_id[0] == '-' ||
      id > hub->last || id < hub->floor)
    return false;
  *cursor = id;
  return true;
}

static const char too_many[] =
    "{\"code\":\"TOO_MANY_STREAMS\",\"message\":\"the limit of open event "
    "streams is reached\"}";

static void stream(vx_req *req) {
  /* Every answer here closes its connection: a stream when it ends, and
   * a refusal at once. A refused subscriber (an EventSource retries every
   * few seconds) must not keep a worker for the keep-alive time: a burst
   * of them would take every worker that answers evaluations. */
  req->close_after = true;
  if (!vx_req_method(req, "GET") || !vx_req_auth_eval(req))
    return;
  vx_sse_hub *hub = vx_http_sse_hub(req->http);
  pthread_mutex_lock(&hub->mu);
  if (hub->stopping || hub->open >= hub->max) {
    bool stopping = hub->stopping;
    pthread_mutex_unlock(&hub->mu);
    if (stopping)
      vx_send_error(req, 503, "SHUTTING_DOWN", "the server is stopping");
    else
      vx_send_raw(req, 503, "application/json", too_many, sizeof too_many - 1,
                  "Retry-After: 5\r\n");
    return;
  }
  hub->open++;
  uint64_t now = hub->last, cursor = now;
  const char *last_id = vx_req_header(req, "Last-Event-ID");
  bool reset = last_id != NULL && !resumable(hub, last_id, &cursor);
  pthread_mutex_unlock(&hub->mu);
  vx_metrics_streams(1);

  /* A comment first, so that the client sees the stream is open (and at
   * which revision) before anything changes; a reset when Last-Event-ID
   * cannot be resumed. */
  char hello[160];
  int hl =
      snprintf(hello, sizeof hello,
               "retry: 2000\n: connected at revision %" PRIu64 "\n\n", now);
  if (reset)
    hl += snprintf(hello + hl, sizeof hello - (size_t)hl,
                   "id: %" PRIu64 "\ndata: {\"type\":\"refetchEvaluation\","
                   "\"revision\":%" PRIu64 ",\"reset\":true}\n\n",
                   cursor, cursor);
  bool alive = vx_req_start_stream(req, "text/event-stream",
                                   "X-Accel-Buffering: no\r\n") == 0 &&
               strcmp(req->info->request_method, "HEAD") != 0 &&
               vx_req_write(req, hello, (size_t)hl) == 0;
  struct timespec next_ka = deadline_in(hub->keepalive_ms);
  pthread_mutex_lock(&hub->mu);
  while (alive && !hub->stopping) {
    if (cursor < hub->last || cursor < hub->floor) {
      size_t len;
      char *out = collect(hub, &cursor, &len);
      pthread_mutex_unlock(&hub->mu);
      alive = out != NULL && vx_req_write(req, out, len) == 0;
      free(out);
      pthread_mutex_lock(&hub->mu);
      continue;
    }
    int rc = pthread_cond_timedwait(&hub->cv, &hub->mu, &next_ka);
    if (rc == ETIMEDOUT && !hub->stopping) {
      pthread_mutex_unlock(&hub->mu);
      alive = vx_req_write(req, ": keep-alive\n\n", 14) == 0;
      next_ka = deadline_in(hub->keepalive_ms);
      pthread_mutex_lock(&hub->mu);
    }
  }
  hub->open--;
  pthread_mutex_unlock(&hub->mu);
  vx_metrics_streams(-1);
}

void vx_http_routes_sse(vx_http *h) {
  vx_http_route(h, "/api/v1/stream", "/api/v1/stream", false, stream);
}
