/*
 * http_ops.c - operations endpoints, no token needed:
 *   GET /healthz               200 {"status":"ok"} while the process serves
 *   GET /readyz                200 once the first snapshot is published,
 *                              else 503 NOT_READY. It stays 200 while the
 *                              store cannot take writes or a committed
 *                              revision is not published: evaluation is
 *                              served all along, and taking the evaluator
 *                              out of a load balancer for a write problem
 *                              would stop flags for everyone. The body
 *                              says it (readyz_body).
 *   GET /metrics               Prometheus text (metrics.c)
 *   GET /api/v1/openapi.json   daemon/openapi.json, embedded at build time
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "http.h"
#include "metrics.h"

/* Generated from daemon/openapi.json by daemon/embed.py (meson). */
extern const char vx_openapi_json[];
extern const size_t vx_openapi_json_len;

static void healthz(vx_req *req) {
  if (!vx_req_method(req, "GET"))
    return;
  static const char ok[] = "{\"status\":\"ok\"}";
  vx_send_raw(req, 200, "application/json", ok, sizeof ok - 1,
              "Cache-Control: no-store\r\n");
}

/* An ISO 8601 UTC time of ms since the epoch. */
static json_t *iso_time(int64_t ms) {
  time_t sec = (time_t)(ms / 1000);
  struct tm tm;
  char buf[40];
  gmtime_r(&sec, &tm);
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
  return json_string(buf);
}

/* {"status": "ready", "revision": N (served),
 *  "store": {"writable", "journal_mode", "synchronous",
 *            and while not writable "code", "error", "since"},
 *  "unpublished": {"revision", "error", "since"} while a committed
 *                 revision is not served} */
static json_t *readyz_body(vx_service *svc) {
  vx_store_health h;
  vx_service_health(svc, &h);
  json_t *store =
      json_pack("{s:b, s:s, s:s}", "writable", h.writable, "journal_mode",
                h.journal_mode, "synchronous", h.synchronous);
  if (store != NULL && !h.writable) {
    json_object_set_new(store, "code", json_string(h.code));
    json_object_set_new(store, "error", json_string(h.error));
    json_object_set_new(store, "since", iso_time(h.since_ms));
  }
  json_t *body =
      json_pack("{s:s, s:I, s:o*}", "status", "ready", "revision",
                (json_int_t)vx_service_revision(svc), "store", store);
  if (body != NULL && h.pending)
    json_object_set_new(body, "unpublished",
                        json_pack("{s:I, s:s, s:o*}", "revision",
                                  (json_int_t)h.pending_revision, "error",
                                  h.pending_error, "since",
                                  iso_time(h.pending_since_ms)));
  return body;
}

static void readyz(vx_req *req) {
  if (!vx_req_method(req, "GET"))
    return;
  if (!vx_service_ready(req->svc)) {
    vx_send_error(req, 503, "NOT_READY", "the first snapshot is not loaded");
    return;
  }
  json_t *body = readyz_body(req->svc);
  if (body == NULL) {
    vx_send_error(req, 500, "INTERNAL", "out of memory");
    return;
  }
  vx_send_json(req, 200, body, "Cache-Control: no-store\r\n");
}

static void metrics(vx_req *req) {
  if (!vx_req_method(req, "GET"))
    return;
  char *text;
  size_t len;
  if (vx_metrics_render(req->svc, &text, &len) != 0) {
    vx_send_error(req, 500, "INTERNAL", "out of memory");
    return;
  }
  vx_send_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
              NULL);
  free(text);
}

static void openapi(vx_req *req) {
  if (!vx_req_method(req, "GET"))
    return;
  vx_send_raw(req, 200, "application/json", vx_openapi_json,
              vx_openapi_json_len, NULL);
}

void vx_http_routes_ops(vx_http *h) {
  vx_http_route(h, "/healthz", "/healthz", false, healthz);
  vx_http_route(h, "/readyz", "/readyz", false, readyz);
  vx_http_route(h, "/metrics", "/metrics", false, metrics);
  vx_http_route(h, "/api/v1/openapi.json", "/api/v1/openapi.json", false,
                openapi);
}
