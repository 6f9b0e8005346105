/*
 * http.c - civetweb and the routing table (see http.h); the helpers route
 * handlers use on a request are in http_req.c.
 *
 * Threads: civetweb runs cfg->threads + cfg->max_streams workers. A worker
 * serves one connection at a time (keep-alive included), and each open
 * event stream (sse.c) holds one for as long as it lasts; sizing the pool
 * with room for every allowed stream means streams can never starve
 * evaluations of workers: at most max_streams are taken by streams (more
 * are refused with 503), the other cfg->threads always serve requests.
 *
 * Nothing goes through civetweb's file serving: there is no document
 * root, and one catch-all
 * callback (begin_request) routes everything through the table filled by
 * vx_http_route, so an unknown path is a JSON 404.
 */
#include "http.h"

#include <ctype.h>
#include <malloc.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_check.h"
#include "http_deadline.h"
#include "inflight.h"
#include "log.h"
#include "metrics.h"
#include "sse.h"

/* Debian's civetweb: see http_req.c. */
#pragma weak mg_disable_keep_alive

#define MAX_ROUTES 64
/* Connections the kernel holds while every worker is busy (Linux caps it
 * at net.core.somaxconn, 4096 by default): beyond it new connections are
 * not accepted and clients retry after 1, 3, 7... s. */
#define VX_LISTEN_BACKLOG 4096
/* Requests or answers above this size are followed by malloc_trim. */
#define VX_TRIM_AFTER_BYTES (1 << 20)

typedef struct route {
  char prefix[128];
  size_t plen;
  bool is_prefix; /* the prefix ends in '/' */
  char label[96];
  bool ofrep;
  vx_route_fn fn;
  int metric;
} route;

struct vx_http {
  vx_service *svc;
  const vx_config *cfg;
  struct mg_context *ctx;
  route routes[MAX_ROUTES];
  int n_routes;
  int metric_unmatched;
  int port;
  vx_sse_hub *sse;
  vx_deadlines *deadlines;
};

/* The worker's connection: when it started, or when its last answer was
 * sent, and whether one was; for on_http_error's 408. */
static __thread uint64_t tl_idle_since_us;
static __thread bool tl_answered;

/* ---- routing */

void vx_http_route(vx_http *h, const char *prefix, const char *label,
                   bool ofrep, vx_route_fn fn) {
  if (h->n_routes >= MAX_ROUTES ||
      strlen(prefix) >= sizeof h->routes[0].prefix) {
    vx_log(VX_LOG_ERROR, "http: cannot register route %s", prefix);
    return;
  }
  route *r = &h->routes[h->n_routes++];
  snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
  r->plen = strlen(prefix);
  /* "/" alone is the root path, not a prefix of every path. */
  r->is_prefix = r->plen > 1 && prefix[r->plen - 1] == '/';
  snprintf(r->label, sizeof r->label, "%s", label ? label : prefix);
  r->ofrep = ofrep;
  r->fn = fn;
  r->metric = vx_metrics_route(r->label);
}

/* The longest prefix route matching path (an exact route wins a tie).
 * Lengths are compared first: most routes are skipped without reading
 * their text. */
static const route *match(const vx_http *h, const char *path) {
  const route *best = NULL;
  size_t len = strlen(path);
  for (int i = 0; i < h->n_routes; i++) {
    const route *r = &h->routes[i];
    if (r->plen > len || (!r->is_prefix && r->plen != len) ||
        (best != NULL && r->plen < best->plen) ||
        memcmp(path, r->prefix, r->plen) != 0)
      continue;
    if (best == NULL || r->plen > best->plen || !r->is_prefix)
      best = r;
  }
  return best;
}

/* path with control characters and spaces %-escaped, for the log. */
static void printable(const char *s, char *out, size_t len) {
  size_t o = 0;
  for (; *s != '\0' && o + 4 < len; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c == 0x7f)
      o += (size_t)snprintf(out + o, len - o, "%%%02X", c);
    else
      out[o++] = (char)c;
  }
  out[o] = '\0';
}

/* civetweb's begin_request: every request comes here, from the first
 * connection on (no window before a handler is registered) and without
 * civetweb's handler lookup, which takes a context-wide mutex per
 * request. Returning the status tells civetweb the request was served. */
static int dispatch(struct mg_connection *conn) {
  uint64_t t0 = vx_http_now_us();
  const struct mg_request_info *ri = mg_get_request_info(conn);
  vx_http *h = ri->user_data;
  /* The request's own copy of its path (civetweb's strdup), decoded in
   * place by vx_http_check_request. */
  static char no_path[1];
  char *path = ri->local_uri != NULL ? (char *)ri->local_uri : no_path;
  vx_req req = {.conn = conn,
                .info = ri,
                .svc = h->svc,
                .http = h,
                .path = path,
                .rest = "",
                .t0_us = t0,
                .body_limit = h->cfg->body_limit,
                .body_timeout_ms = h->cfg->body_timeout_ms};
  vx_http_index_headers(&req);
  vx_inflight_begin(ri->request_method ? ri->request_method : "?", path,
                    (int64_t)(t0 / 1000));
  const route *r = NULL;
  int metric = h->metric_unmatched;
  if (!vx_http_check_request(&req, path))
    req.route = "refused";
  else if ((r = match(h, path)) != NULL) {
    req.route = r->label;
    req.rest = r->is_prefix ? path + r->plen : "";
    req.ofrep = r->ofrep;
    metric = r->metric;
    r->fn(&req);
  } else {
    req.route = "unmatched";
    vx_send_error(&req, 404, "NOT_FOUND", "no such path: %.200s", path);
  }
  if (req.status == 0)
    vx_send_error(&req, 500, "INTERNAL", "the handler sent no answer");
  vx_inflight_end();
  /* A large body or answer (an import, an export, the list of 10,000
   * flags) leaves many freed blocks that malloc keeps: give them back now
   * that the request's documents are gone, so that memory stays what the
   * flags need. Evaluations never come near this size. */
  if (ri->content_length > VX_TRIM_AFTER_BYTES ||
      req.sent > VX_TRIM_AFTER_BYTES)
    malloc_trim(0);
  uint64_t dt = vx_http_now_us() - t0;
  tl_idle_since_us = t0 + dt;
  tl_answered = true;
  vx_metrics_http(metric, req.status, dt);
  if (h->cfg->access_log) {
    char p[512];
    printable(path, p, sizeof p);
    vx_log(VX_LOG_INFO, "%s %s %d %zu %lluus", ri->request_method, p,
           req.status, req.sent, (unsigned long long)dt);
  }
  return req.status;
}

/* Errors civetweb answers itself (a malformed request, headers too
 * large, a head that did not come in time): JSON too, never its HTML
 * page. */
static int on_http_error(struct mg_connection *conn, int status,
                         const char *msg) {
  /* civetweb's 400 "Malformed message" is what a head gets that has a
   * byte civetweb refuses, that is over max_request_size (16 KiB), or that
   * request_timeout_ms cut: 408 when that time has passed since the
   * connection began or its last answer (a keep-alive connection's next
   * head has keep_alive_timeout_ms). */
  const vx_http *h = mg_get_user_data(mg_get_context(conn));
  bool malformed =
      status == 400 && msg != NULL && strcmp(msg, "Malformed message") == 0;
  if (malformed) {
    uint64_t waited_ms = (vx_http_now_us() - tl_idle_since_us) / 1000u;
    uint64_t timeout_ms = tl_answered ? VX_KEEP_ALIVE_SEC * 1000u
                                      : (uint64_t)h->cfg->header_timeout_ms;
    if (waited_ms >= timeout_ms)
      status = 408;
    msg = status == 408 ? "the request's head did not arrive in time"
                        : "the request's head could not be read: a control "
                          "character, or over 16 KiB";
  }
  /* The code: the status text in capitals ("Length Required" ->
   * LENGTH_REQUIRED), but for the codes the API uses elsewhere. */
  char code[64];
  const char *text = mg_get_response_code_text(conn, status);
  if (status == 413 || status == 431)
    snprintf(code, sizeof code, "%s",
             status == 413 ? "BODY_TOO_LARGE" : "HEADERS_TOO_LARGE");
  else if (status == 408)
    snprintf(code, sizeof code, "REQUEST_TIMEOUT");
  else if (status == 500)
    snprintf(code, sizeof code, "INTERNAL");
  else {
    size_t i = 0;
    for (; text != NULL && text[i] != '\0' && i < sizeof code - 1; i++)
      code[i] = isalnum((unsigned char)text[i])
                    ? (char)toupper((unsigned char)text[i])
                    : '_';
    code[i] = '\0';
    if (i == 0)
      snprintf(code, sizeof code, "HTTP_ERROR");
  }
  json_t *b = json_pack("{s:s, s:s}", "code", code, "message",
                        msg != NULL && *msg ? msg : code);
  char *s = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
  json_decref(b);
  if (s == NULL)
    return 1;
  if (mg_disable_keep_alive != NULL)
    mg_disable_keep_alive(conn);
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
            status, text, strlen(s), s);
  free(s);
  return 0;
}

/* A new connection on this worker (the connection is not used). */
static int on_connection(const struct mg_connection *conn, void **data) {
  (void)conn;
  *data = NULL;
  tl_idle_since_us = vx_http_now_us();
  tl_answered = false;
  return 0;
}

/* A new civetweb thread: each worker (type 1) gets its deadline slot. */
static void *on_thread(const struct mg_context *ctx, int type) {
  vx_http *h = mg_get_user_data(ctx);
  if (type == 1)
    vx_deadline_attach(h->deadlines);
  return NULL;
}

static int on_log(const struct mg_connection *conn, const char *message) {
  (void)conn;
  size_t l = strcspn(message, "\r\n");
  vx_log(VX_LOG_WARN, "civetweb: %.*s", (int)l, message);
  return 1;
}

/* ---- start, stop */

vx_sse_hub *vx_http_sse_hub(vx_http *h) {
  return h->sse;
}

vx_service *vx_http_service(vx_http *h) {
  return h->svc;
}

int vx_http_port(const vx_http *h) {
  return h->port;
}

int vx_http_start(vx_service *svc, vx_http **out, char *err, size_t errlen) {
  *out = NULL;
  vx_http *h = calloc(1, sizeof *h);
  if (h == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  h->svc = svc;
  h->cfg = vx_service_config(svc);
  h->metric_unmatched = vx_metrics_route("unmatched");
  int workers = h->cfg->threads + h->cfg->max_streams;
  if (vx_sse_hub_new(svc, h->cfg->max_streams, &h->sse) != 0) {
    snprintf(err, errlen, "cannot create the event stream hub");
    free(h);
    return -1;
  }
  if (vx_deadlines_start(workers, &h->deadlines) != 0) {
    snprintf(err, errlen, "cannot start the request deadline watchdog");
    vx_sse_hub_free(h->sse);
    free(h);
    return -1;
  }
  vx_http_routes_eval(h);
  vx_http_routes_admin(h);
  vx_http_routes_ops(h);
  vx_http_routes_sse(h);
  vx_http_routes_ui(h);

  char threads[32], header_ms[32];
  /* Workers for requests plus one per allowed event stream. */
  snprintf(threads, sizeof threads, "%d", workers);
  snprintf(header_ms, sizeof header_ms, "%d", h->cfg->header_timeout_ms);
  /* request_timeout_ms bounds the whole head (civetweb counts from the
   * request's start) but only each silence of a body read or a write; the
   * body's own deadline is http_deadline.c's. decode_url off: the path is
   * decoded by vx_http_check_request, which refuses %00.
   * enable_auth_domain_check off: an absolute-form request target
   * ("GET http://host:PORT/path") naming this port is served (RFC 9112
   * 3.2.2); with the check, civetweb compares the host with its
   * authentication domain and closes the connection without an answer.
   * One naming another port is a proxy request: still closed unanswered
   * (civetweb 1.15). */
  const char *options[] = {"listening_ports",
                           h->cfg->listen,
                           "num_threads",
                           threads,
                           "tcp_nodelay",
                           "1",
                           "request_timeout_ms",
                           header_ms,
                           "enable_keep_alive",
                           "yes",
                           "keep_alive_timeout_ms",
                           VX_STR(VX_KEEP_ALIVE_SEC) "000",
                           "decode_url",
                           "no",
                           "listen_backlog",
                           VX_STR(VX_LISTEN_BACKLOG),
                           "enable_auth_domain_check",
                           "no",
                           NULL};
  struct mg_callbacks cb = {0};
  cb.begin_request = dispatch;
  cb.log_message = on_log;
  cb.http_error = on_http_error;
  cb.init_connection = on_connection;
  cb.init_thread = on_thread;
  mg_init_library(0);
  char mg_err[256] = "";
  unsigned code = 0;
  struct mg_init_data init = {
      .callbacks = &cb, .user_data = h, .configuration_options = options};
  struct mg_error_data error = {
      .code = &code, .text = mg_err, .text_buffer_size = sizeof mg_err};
  h->ctx = mg_start2(&init, &error);
  if (h->ctx == NULL) {
    snprintf(err, errlen, "%s", mg_err[0] ? mg_err : "civetweb did not start");
    vx_sse_hub_stop(h->sse);
    vx_sse_hub_free(h->sse);
    vx_deadlines_stop(h->deadlines);
    mg_exit_library();
    free(h);
    return -1;
  }
  struct mg_server_port ports[4];
  int n = mg_get_server_ports(h->ctx, 4, ports);
  h->port = n > 0 ? ports[0].port : 0;
  vx_log(VX_LOG_INFO, "http: listening on %s (port %d), %s worker threads",
         h->cfg->listen, h->port, threads);
  *out = h;
  return 0;
}

/* civetweb's listener thread polls its sockets with a 2 s quantum before
 * it looks at the stop flag again: while mg_stop waits for it, connect to
 * the listening port now and then so that the poll returns at once. */
typedef struct waker {
  const vx_http *h;
  atomic_bool done;
} waker;

static void *wake_listener(void *arg) {
  waker *w = arg;
  char host[128];
  snprintf(host, sizeof host, "%s", w->h->cfg->listen);
  char *colon = strrchr(host, ':');
  const char *addr = "127.0.0.1";
  if (colon != NULL) {
    *colon = '\0';
    addr = host;
    if (host[0] == '[') {
      addr = host + 1;
      host[strcspn(host, "]")] = '\0';
    }
  }
  if (strcmp(addr, "") == 0 || strcmp(addr, "0.0.0.0") == 0)
    addr = "127.0.0.1";
  else if (strcmp(addr, "::") == 0)
    addr = "::1";
  char port[16];
  snprintf(port, sizeof port, "%d", w->h->port);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  if (getaddrinfo(addr, port, &hints, &ai) != 0)
    return NULL;
  while (!atomic_load(&w->done)) {
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      connect(fd, ai->ai_addr, ai->ai_addrlen);
      close(fd);
    }
  }
  freeaddrinfo(ai);
  return NULL;
}

void vx_http_stop(vx_http *h) {
  if (h == NULL)
    return;
  /* Streams first: they would otherwise keep their workers until the next
   * keep-alive; then mg_stop waits for the requests in flight. */
  vx_sse_hub_stop(h->sse);
  waker w = {.h = h};
  atomic_init(&w.done, false);
  pthread_t t;
  bool waking = h->port > 0 && pthread_create(&t, NULL, wake_listener, &w) == 0;
  mg_stop(h->ctx);
  if (waking) {
    atomic_store(&w.done, true);
    pthread_join(t, NULL);
  }
  vx_sse_hub_free(h->sse);
  vx_deadlines_stop(h->deadlines);
  mg_exit_library();
  free(h);
}
