/*
 * sse.c - GET /api/v1/stream (see sse.h): who may stream which
 * environment's changes, and one stream's loop. The hub and its ring are
 * in sse_hub.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inflight.h"
#include "log.h"
#include "metrics.h"
#include "sse_internal.h"

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

/* The environment a stream carries into env ("" for all of them): a
 * client token's own; for an admin token (or anyone when evaluation is
 * open) the one ?environment= names, else all. 1, or 0 after sending 403
 * (a client token asking for another one), 404 (an unknown one) or 400
 * (a value longer than any environment name). */
static int stream_scope(vx_req *req, char env[64]) {
  char q[64];
  const char *asked;
  if (!vx_req_query(req, "environment", q, sizeof q, &asked))
    return 0;
  if (asked != NULL && *asked == '\0')
    asked = NULL;
  env[0] = '\0';
  if (req->who.role == VX_ROLE_CLIENT) {
    if (asked != NULL && strcmp(asked, req->who.environment) != 0) {
      vx_send_error(req, 403, "FORBIDDEN",
                    "this token is bound to environment %s; it cannot stream "
                    "%.63s",
                    req->who.environment, asked);
      return 0;
    }
    snprintf(env, 64, "%s", req->who.environment);
    return 1;
  }
  if (asked == NULL)
    return 1;
  vx_engine *engine = vx_service_engine(req->svc);
  const vx_snapshot *s = vx_engine_acquire(engine);
  bool known = s != NULL && vx_snapshot_env(s, asked) != NULL;
  vx_engine_release(engine);
  if (!known) {
    vx_send_error(req, 404, "ENVIRONMENT_NOT_FOUND",
                  "unknown environment %.63s", asked);
    return 0;
  }
  snprintf(env, 64, "%s", asked);
  return 1;
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
  char env[64];
  if (!vx_req_method(req, "GET") || !vx_req_auth_eval(req) ||
      !stream_scope(req, env))
    return;
  /* 0: evaluation is open and no token was sent. */
  int64_t token = req->who.token_id;
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
  vx_inflight_streaming();

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
    /* Every wake-up may be a revocation (a token write, or tokens taken
     * in from the database): a revoked token's stream ends at once. The
     * snapshot is read without a lock. */
    if (token != 0 && !vx_service_token_active(req->svc, token)) {
      pthread_mutex_unlock(&hub->mu);
      vx_req_write(req, ": token revoked\n\n", 17);
      pthread_mutex_lock(&hub->mu);
      break;
    }
    if (cursor < hub->last || cursor < hub->floor) {
      size_t len;
      char *out = vx_sse_collect(hub, env, &cursor, &len);
      pthread_mutex_unlock(&hub->mu);
      alive = out != NULL && (len == 0 || vx_req_write(req, out, len) == 0);
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
