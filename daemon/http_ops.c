/*
 * http_ops.c - operations endpoints, no token needed:
 *   GET /healthz               200 {"status":"ok"} while the process serves
 *   GET /readyz                200 once the first snapshot is published,
 *                              else 503 NOT_READY
 *   GET /metrics               Prometheus text (metrics.c)
 *   GET /api/v1/openapi.json   daemon/openapi.json, embedded at build time
 */
#include <stdio.h>
#include <stdlib.h>

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

static void readyz(vx_req *req) {
  if (!vx_req_method(req, "GET"))
    return;
  if (!vx_service_ready(req->svc)) {
    vx_send_error(req, 503, "NOT_READY", "the first snapshot is not loaded");
    return;
  }
  char body[96];
  int n =
      snprintf(body, sizeof body, "{\"status\":\"ready\",\"revision\":%llu}",
               (unsigned long long)vx_service_revision(req->svc));
  vx_send_raw(req, 200, "application/json", body, (size_t)n,
              "Cache-Control: no-store\r\n");
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
