/*
 * http.h - the HTTP server (civetweb) and what its route modules share.
 *
 * http.c starts civetweb, owns the routing table and the helpers below:
 * body reading with the size limit, JSON parsing with error positions,
 * authentication (X-API-Key or Authorization: Bearer), JSON answers and
 * errors, the access log and per-route metrics. Route modules:
 *   http_eval.c   OFREP (/ofrep/v1/evaluate/flags[/{key}]) and the native
 *                 evaluation API (/api/v1/evaluate[/{flag}])
 *   http_admin*.c /api/v1/admin/...
 *   http_ops.c    /healthz, /readyz, /metrics, /api/v1/openapi.json
 *   sse.c         /api/v1/stream
 *   http_ui.c     the web UI: / and /ui/... (HTML, CSS, JS; http_ui.h)
 * Every API answer is JSON (or Prometheus text, or an event stream), and
 * only the UI's own assets are HTML, never an error; every error has a stable
 * code: {"code", "message"} on native routes, {"errorCode", "errorDetails"} on
 * OFREP routes.
 *
 * Connections. civetweb reads a request's head within
 * cfg->header_timeout_ms (else 408, or a silent close when nothing came);
 * the body must come within req->body_timeout_ms of it (http_deadline.h).
 * A request whose framing or path is ambiguous is refused before any
 * route sees it, with the native shape: 400 INVALID_FRAMING
 * (Content-Length with Transfer-Encoding, either one twice, a
 * Content-Length that is not digits, a Transfer-Encoding other than
 * chunked, a header line civetweb could not read), 431 HEADERS_TOO_LARGE
 * (head over 16 KiB, more than 64 header lines), 400 INVALID_PATH (a %-escape
 * that is malformed or decodes to a control character). The connection
 * is closed after those, after 401, 403, 408 and 413, and after any answer
 * that leaves a body unread: civetweb would otherwise read and discard
 * it, with no time limit.
 */
#ifndef VX_HTTP_H
#define VX_HTTP_H

/* How long an idle keep-alive connection stays open (civetweb holds a
 * worker thread for it), and what answers tell clients in Keep-Alive:
 * timeout=N, so that a client that honours it (Node's fetch, for one)
 * never sends on a connection the daemon is closing. */
#define VX_KEEP_ALIVE_SEC 1
#define VX_STR_(x) #x
#define VX_STR(x) VX_STR_(x)

#include <civetweb.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "service.h"

typedef struct vx_http vx_http;

/* Starts listening on cfg->listen with cfg->threads workers plus room for
 * cfg->max_streams event streams, TCP_NODELAY on. */
int vx_http_start(vx_service *svc, vx_http **out, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int vx_http_port(const vx_http *h);
/* The service a server was started for. */
vx_service *vx_http_service(vx_http *h);
/* Stops accepting, ends event streams, waits for requests in flight. */
void vx_http_stop(vx_http *h);

/* One request, as route handlers see it. */
typedef struct vx_req {
  struct mg_connection *conn;
  const struct mg_request_info *info;
  vx_service *svc;
  vx_http *http;
  const char *route; /* route label for metrics, e.g. "/api/v1/admin/flags" */
  const char *path;  /* the path without the query string */
  const char *rest;  /* the path after the route's prefix ("" or "key/...") */
  vx_principal who;  /* after vx_req_auth */
  bool ofrep;        /* errors use OFREP's shape */
  int status;        /* the status sent, for the access log and metrics */
  size_t sent;       /* bytes sent (headers and body), set by http.c */
  bool close_after;  /* close the connection after the answer (http.c) */
  uint64_t t0_us;    /* when the head was read (CLOCK_MONOTONIC, µs) */
  /* The body: its size limit and time limit (from t0_us), cfg's
   * body_limit and body_timeout_ms unless the route raises them before it
   * reads the body (the import does); body_read once it was read. */
  size_t body_limit;
  int body_timeout_ms;
  bool body_read;
  /* The headers every request reads, found in one pass (http.c); NULL
   * when absent (the first one when repeated). */
  const char *h_api_key;           /* X-API-Key */
  const char *h_authorization;     /* Authorization */
  const char *h_connection;        /* Connection */
  const char *h_content_length;    /* Content-Length */
  const char *h_transfer_encoding; /* Transfer-Encoding */
  const char *h_expect;            /* Expect */
  bool framing_repeated; /* more than one Content-Length or Transfer-Encoding */
} vx_req;

typedef void (*vx_route_fn)(vx_req *req);

/* Registers a handler for a path prefix (exact match when the prefix does
 * not end in '/', and for "/" itself). Before vx_http_start's listeners run:
 * route modules call it from their vx_http_routes_* function, which http.c
 * calls. */
void vx_http_route(vx_http *h, const char *prefix, const char *label,
                   bool ofrep, vx_route_fn fn);

/* Route modules' registration functions, called by vx_http_start. */
void vx_http_routes_eval(vx_http *h);
void vx_http_routes_admin(vx_http *h);
void vx_http_routes_ops(vx_http *h);
void vx_http_routes_sse(vx_http *h);
void vx_http_routes_ui(vx_http *h);

/* ---- helpers for handlers. Each send function sends exactly one
 * complete answer; after it the handler returns. */

/* 1 when the method is one of the allowed ones (a '|'-separated list such
 * as "GET|POST"); otherwise sends 405 METHOD_NOT_ALLOWED with an Allow
 * header and returns 0. */
int vx_req_method(vx_req *req, const char *allowed);

/* Authenticates: fills req->who from X-API-Key or Authorization: Bearer.
 * min VX_ROLE_NONE always succeeds (who.role may stay NONE). Otherwise
 * sends 401 UNAUTHORIZED (no or unknown token) or 403 FORBIDDEN (a client
 * token on an admin route) and returns 0. Returns 1 when allowed. */
int vx_req_auth(vx_req *req, vx_role min);

/* Authentication for evaluation routes: a client or admin token is
 * required, unless cfg->open_evaluation. When open, no token passes with
 * who.role NONE, a valid token fills req->who (a client token still binds
 * its environment), and an unknown token is refused with 401 (a caller
 * that sends a wrong token should learn it). Returns 1 when allowed, else
 * 0 after sending the error. */
int vx_req_auth_eval(vx_req *req);

/* Reads the body (at most req->body_limit bytes, else 413 BODY_TOO_LARGE;
 * all of it within req->body_timeout_ms of the head, else 408
 * REQUEST_TIMEOUT; both close the connection) and parses it as JSON. An
 * empty body gives an empty object when empty_ok. Malformed JSON: 400
 * PARSE_ERROR (OFREP) or INVALID_JSON with "line L column C: text";
 * nesting deeper than max_json_depth (checked before jansson recurses,
 * json_limit.h): 400 PARSE_ERROR (OFREP) or JSON_TOO_DEEP naming the
 * limit and the setting. Returns a new reference, or NULL when an error
 * was sent. */
json_t *vx_req_json(vx_req *req, bool empty_ok);

/* The two halves of vx_req_json. vx_req_body reads the body, with the
 * same limit and errors, into stack[0..stack_cap) when its announced
 * length fits (a NUL follows the bytes), else into a malloc'ed buffer:
 * returns 1 with *body and *len (free *body when it is not stack), or 0
 * after sending the error. vx_req_parse parses it as vx_req_json does. */
int vx_req_body(vx_req *req, char *stack, size_t stack_cap, char **body,
                size_t *len);
json_t *vx_req_parse(vx_req *req, const char *body, size_t len, bool empty_ok);

/* Query parameter name, URL-decoded into buf[0..len): returns 1 with
 * *value = buf, or with *value = NULL when it is absent. A value that does
 * not fit in buf, or that decodes to a control character (a NUL would cut
 * it), is never cut or dropped: 400 INVALID_QUERY (GENERAL on OFREP
 * routes) naming the parameter is sent and 0 returned. */
int vx_req_query(vx_req *req, const char *name, char *buf, size_t len,
                 const char **value);
/* A request header, or NULL. */
const char *vx_req_header(vx_req *req, const char *name);

/* Sends JSON with status (steals the reference). extra_headers: NULL or
 * "Name: value\r\n" lines. */
void vx_send_json(vx_req *req, int status, json_t *body,
                  const char *extra_headers);
/* Sends a body as it is (e.g. text/plain metrics, 304 without a body). */
void vx_send_raw(vx_req *req, int status, const char *content_type,
                 const char *body, size_t len, const char *extra_headers);
/* Sends an error: {"code", "message"} or, on OFREP routes,
 * {"errorCode", "errorDetails"}. */
void vx_send_error(vx_req *req, int status, const char *code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
/* Starts an answer of unknown length (an event stream): 200, the
 * content type, Cache-Control: no-cache, Connection: close, extra_headers
 * (NULL or "Name: value\r\n" lines); the connection closes when the
 * handler returns. Then vx_req_write sends the body piece by piece. Both
 * return 0, or -1 when the client is gone. */
int vx_req_start_stream(vx_req *req, const char *content_type,
                        const char *extra_headers);
int vx_req_write(vx_req *req, const void *data, size_t len);

/* Sends an error about the request's transport rather than its meaning
 * (framing, path, timeout): the native {"code", "message"} on every route,
 * and the connection closes after it. */
void vx_send_transport_error(vx_req *req, int status, const char *code,
                             const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* CLOCK_MONOTONIC in µs. */
static inline uint64_t vx_http_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Sends a refused write: status, code, message and "field" when set. */
void vx_send_werr(vx_req *req, const vx_werr *err);

#endif
