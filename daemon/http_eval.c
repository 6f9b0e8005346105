/*
 * http_eval.c - the evaluation API: OFREP 0.3.0 and Vexil's native one.
 *
 *   POST /ofrep/v1/evaluate/flags/{key}   one flag, OFREP's shapes
 *   POST /ofrep/v1/evaluate/flags         every flag of the environment,
 *                                         ETag / If-None-Match -> 304
 *   POST /api/v1/evaluate/{flag}          one decision (decision_json.h)
 *   POST /api/v1/evaluate                 every flag: {"revision",
 *                                         "environment", "flags": [...]}
 *
 * Body: {"context": {...}}; an OFREP context is mapped by ofrep.c, a
 * native one is Unleash's (vx_context_from_json). A missing or null
 * context (or an empty body) is the empty context: OFREP's schema requires
 * it, but its JavaScript providers send {} when the caller gave no context
 * (JSON.stringify drops undefined members), and nothing is gained by
 * refusing them. A context that is not an object, or a value in it that is
 * an object or array, is 400 INVALID_CONTEXT.
 *
 * Authentication: vx_req_auth_eval (a client or admin token, unless
 * open_evaluation). Environment: a client token's own (asking for another
 * with ?environment= is 403 FORBIDDEN); an admin token, or anyone when
 * evaluation is open, may pass ?environment=NAME; else the configured
 * default. An environment that was asked for and is not in the snapshot is
 * 404 ENVIRONMENT_NOT_FOUND on native routes and 400 GENERAL on OFREP ones
 * (OFREP keeps 404 for FLAG_NOT_FOUND); the token's or the default
 * environment, when missing, is one without flags.
 *
 * Hot path: the snapshot is acquired once per request and released before
 * the answer is sent; no lock, no SQLite. OFREP answers are written by
 * hand into a buffer that starts on the stack (ofrep.h), so a single
 * evaluation allocates nothing beyond the request body's parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_json.h"
#include "http.h"
#include "metrics.h"
#include "ofrep.h"
#include "ofrep_scan.h"

/* Seconds of client inactivity after which an OFREP provider should close
 * the event stream (OFREP's default). */
#define VX_OFREP_INACTIVITY_SEC 120

#define ENV_MAX 64

typedef struct eval_env {
  char name[ENV_MAX];
  bool asked; /* chosen by ?environment= */
} eval_env;

/* Which environment the request evaluates in. Returns 1, or 0 after
 * sending an error. */
static int pick_env(vx_req *req, eval_env *out) {
  char q[256];
  const char *asked;
  if (!vx_req_query(req, "environment", q, sizeof q, &asked))
    return 0;
  if (asked != NULL && *asked == '\0')
    asked = NULL;
  out->asked = false;
  if (req->who.role == VX_ROLE_CLIENT) {
    if (asked != NULL && strcmp(asked, req->who.environment) != 0) {
      char shown[ENV_MAX];
      vx_utf8_copy(shown, sizeof shown, asked);
      vx_send_error(req, 403, "FORBIDDEN",
                    "this token is bound to environment %s; it cannot "
                    "evaluate in %s",
                    req->who.environment, shown);
      return 0;
    }
    /* Both hold at most ENV_MAX bytes with the NUL (service.h). */
    _Static_assert(sizeof out->name == sizeof req->who.environment,
                   "environment sizes");
    memcpy(out->name, req->who.environment, sizeof out->name);
    return 1;
  }
  if (asked != NULL) {
    if (strlen(asked) >= sizeof out->name) {
      char shown[ENV_MAX];
      vx_utf8_copy(shown, sizeof shown, asked);
      vx_send_error(req, req->ofrep ? 400 : 404,
                    req->ofrep ? "GENERAL" : "ENVIRONMENT_NOT_FOUND",
                    "unknown environment %s...", shown);
      return 0;
    }
    snprintf(out->name, sizeof out->name, "%s", asked);
    out->asked = true;
    return 1;
  }
  snprintf(out->name, sizeof out->name, "%s",
           vx_service_config(req->svc)->default_environment);
  return 1;
}

/* The body's context: 1 with *ctx (NULL for none), or 0 with a message. */
static int body_context(const json_t *body, const json_t **ctx, char *err,
                        size_t errlen) {
  *ctx = NULL;
  if (!json_is_object(body)) {
    snprintf(err, errlen, "the body must be an object {\"context\": {...}}");
    return 0;
  }
  const json_t *c = json_object_get(body, "context");
  if (c == NULL || json_is_null(c))
    return 1;
  if (!json_is_object(c)) {
    snprintf(err, errlen, "context must be an object");
    return 0;
  }
  *ctx = c;
  return 1;
}

/* Holds the snapshot and the environment for one request. */
typedef struct held {
  vx_engine *engine;
  const vx_snapshot *snap;
  const vx_env *env; /* NULL: no flags */
} held;

/* Acquires the snapshot and finds the environment. Returns 1, or 0 after
 * releasing and sending an error (a key for OFREP's single route). */
static int hold(vx_req *req, const eval_env *e, const char *key, held *h) {
  h->engine = vx_service_engine(req->svc);
  h->snap = vx_engine_acquire(h->engine);
  h->env = NULL;
  if (h->snap == NULL) {
    vx_engine_release(h->engine);
    vx_send_error(req, 503, req->ofrep ? "GENERAL" : "NOT_READY",
                  "the first snapshot is not loaded yet");
    return 0;
  }
  h->env = vx_snapshot_env(h->snap, e->name);
  if (h->env == NULL && e->asked) {
    vx_engine_release(h->engine);
    char shown[ENV_MAX];
    vx_utf8_copy(shown, sizeof shown, e->name);
    if (!req->ofrep) {
      vx_send_error(req, 404, "ENVIRONMENT_NOT_FOUND", "unknown environment %s",
                    shown);
    } else {
      char details[160];
      snprintf(details, sizeof details, "unknown environment %s", shown);
      if (key != NULL) {
        char stack[512];
        vx_jbuf b;
        vx_jbuf_init(&b, stack, sizeof stack);
        vx_ofrep_write_failure(&b, key, strlen(key), VX_OFREP_GENERAL, details);
        vx_send_raw(req, 400, "application/json", b.ptr, b.len, NULL);
        vx_jbuf_dispose(&b);
      } else {
        vx_send_error(req, 400, "GENERAL", "%s", details);
      }
    }
    return 0;
  }
  return 1;
}

static void unhold(held *h) {
  vx_engine_release(h->engine);
  h->snap = NULL;
  h->env = NULL;
}

/* Sends what b holds (500 when it ran out of memory). */
static void send_buf(vx_req *req, int status, vx_jbuf *b,
                     const char *extra_headers) {
  if (b->oom)
    vx_send_error(req, 500, req->ofrep ? "GENERAL" : "INTERNAL",
                  "out of memory");
  else
    vx_send_raw(req, status, "application/json", b->ptr, b->len, extra_headers);
}

/* ---------------------------------------------------------------- OFREP */

/* An OFREP single-flag failure, with its key. */
static void send_ofrep_failure(vx_req *req, int status, const char *key,
                               vx_ofrep_error code, const char *details) {
  char stack[1024];
  vx_jbuf b;
  vx_jbuf_init(&b, stack, sizeof stack);
  vx_ofrep_write_failure(&b, key, strlen(key), code, details);
  send_buf(req, status, &b, NULL);
  vx_jbuf_dispose(&b);
}

/* The single evaluation's context: scanned straight from the body when it
 * has the common shape (ofrep_scan.h), else parsed with jansson and
 * mapped. Returns 1 with *c (and *tree, the parsed body or NULL, to
 * decref after c), or 0 after sending the error. strings: the scanner's
 * copies, VX_OFREP_SCAN_STRINGS(VX_OFREP_SCAN_MAX) bytes. */
static int ofrep_one_context(vx_req *req, const char *key, char *strings,
                             vx_ofrep_context *c, json_t **tree) {
  *tree = NULL;
  char stack[VX_OFREP_SCAN_MAX + 1];
  char *body;
  size_t len;
  if (!vx_req_body(req, stack, sizeof stack, &body, &len))
    return 0;
  if (vx_ofrep_scan(body, len, strings,
                    VX_OFREP_SCAN_STRINGS(VX_OFREP_SCAN_MAX), c)) {
    if (body != stack)
      free(body);
    return 1;
  }
  json_t *parsed = vx_req_parse(req, body, len, true);
  if (body != stack)
    free(body);
  if (parsed == NULL)
    return 0;
  char err[512];
  const json_t *context;
  if (!body_context(parsed, &context, err, sizeof err)) {
    send_ofrep_failure(req, 400, key, VX_OFREP_INVALID_CONTEXT, err);
    json_decref(parsed);
    return 0;
  }
  int rc = vx_ofrep_context_map(context, c, err, sizeof err);
  if (rc != 0) {
    send_ofrep_failure(
        req, rc == VX_ENOMEM ? 500 : 400, key,
        rc == VX_ENOMEM ? VX_OFREP_GENERAL : VX_OFREP_INVALID_CONTEXT, err);
    json_decref(parsed);
    return 0;
  }
  *tree = parsed;
  return 1;
}

static void ofrep_one(vx_req *req) {
  if (!vx_req_method(req, "POST") || !vx_req_auth_eval(req))
    return;
  const char *key = req->rest;
  size_t key_len = strlen(key);
  eval_env e;
  if (!pick_env(req, &e))
    return;
  char strings[VX_OFREP_SCAN_STRINGS(VX_OFREP_SCAN_MAX)];
  vx_ofrep_context c;
  json_t *body;
  if (!ofrep_one_context(req, key, strings, &c, &body))
    return;
  held h;
  if (!hold(req, &e, key, &h)) {
    vx_ofrep_context_dispose(&c);
    json_decref(body);
    return;
  }
  vx_decision d;
  vx_evaluate(h.env, key, key_len, &c.ctx, &d);
  char stack[2048];
  vx_jbuf b;
  vx_jbuf_init(&b, stack, sizeof stack);
  vx_ofrep_error oe =
      vx_ofrep_write_decision(&b, key, key_len, &d, &c.ctx, h.snap->revision);
  if (oe == VX_OFREP_OK)
    vx_metrics_eval(key, key_len, d.enabled);
  unhold(&h);
  int status = oe == VX_OFREP_OK               ? 200
               : oe == VX_OFREP_FLAG_NOT_FOUND ? 404
                                               : 400;
  send_buf(req, status, &b, NULL);
  vx_jbuf_dispose(&b);
  vx_ofrep_context_dispose(&c);
  json_decref(body);
}

#define PUT_LIT(b, lit) vx_jbuf_put((b), (lit), sizeof(lit) - 1)

/* The bulk answer's members after "flags". */
static void write_bulk_tail(vx_jbuf *b, const held *h, const eval_env *e) {
  PUT_LIT(b, "],\"metadata\":{\"revision\":");
  vx_jbuf_u64(b, h->snap->revision);
  PUT_LIT(b, ",\"environment\":");
  vx_jbuf_str(b, e->name, strlen(e->name));
  /* OFREP event streams: a relative endpoint ("endpoint.requestUri", the
   * provider adds its configured base URL's origin); "url" must be an
   * absolute URI, which the daemon cannot know behind a proxy. */
  PUT_LIT(b, "},\"eventStreams\":[{\"type\":\"sse\",\"endpoint\":{"
             "\"requestUri\":\"/api/v1/stream\"},\"inactivityDelaySec\":");
  vx_jbuf_u64(b, VX_OFREP_INACTIVITY_SEC);
  PUT_LIT(b, "}]}");
}

static void ofrep_bulk(vx_req *req) {
  if (!vx_req_method(req, "POST") || !vx_req_auth_eval(req))
    return;
  eval_env e;
  if (!pick_env(req, &e))
    return;
  json_t *body = vx_req_json(req, true);
  if (body == NULL)
    return;
  char err[512];
  const json_t *context;
  vx_ofrep_context c;
  int rc = 0;
  if (!body_context(body, &context, err, sizeof err)) {
    vx_ofrep_context_map(NULL, &c, NULL, 0);
    rc = VX_ETYPE;
  } else {
    rc = vx_ofrep_context_map(context, &c, err, sizeof err);
  }
  if (rc != 0) {
    vx_send_error(req, rc == VX_ENOMEM ? 500 : 400,
                  rc == VX_ENOMEM ? "GENERAL" : "INVALID_CONTEXT", "%s", err);
    json_decref(body);
    return;
  }
  held h;
  if (!hold(req, &e, NULL, &h)) {
    vx_ofrep_context_dispose(&c);
    json_decref(body);
    return;
  }
  char etag[VX_OFREP_ETAG_MAX];
  char headers[VX_OFREP_ETAG_MAX + 16];
  if (vx_ofrep_etag(h.snap->revision, e.name, context, etag) != 0) {
    unhold(&h);
    vx_send_error(req, 500, "GENERAL", "out of memory");
    vx_ofrep_context_dispose(&c);
    json_decref(body);
    return;
  }
  snprintf(headers, sizeof headers, "ETag: %s\r\n", etag);
  if (vx_ofrep_etag_match(vx_req_header(req, "If-None-Match"), etag)) {
    unhold(&h);
    vx_send_raw(req, 304, NULL, NULL, 0, headers);
    vx_ofrep_context_dispose(&c);
    json_decref(body);
    return;
  }
  char stack[16384];
  vx_jbuf b;
  vx_jbuf_init(&b, stack, sizeof stack);
  PUT_LIT(&b, "{\"flags\":[");
  bool first = true;
  if (h.env != NULL) {
    for (size_t i = 0; i < h.env->cap; i++) {
      const vx_flag *f = vx_env_slot(h.env, i);
      if (f == NULL)
        continue;
      if (!first)
        vx_jbuf_putc(&b, ',');
      first = false;
      vx_decision d;
      vx_eval_flag(h.env, f, &c.ctx, &d);
      if (vx_ofrep_write_decision(&b, f->key, f->key_len, &d, &c.ctx,
                                  h.snap->revision) == VX_OFREP_OK)
        vx_metrics_eval(f->key, f->key_len, d.enabled);
    }
  }
  write_bulk_tail(&b, &h, &e);
  unhold(&h);
  send_buf(req, 200, &b, headers);
  vx_jbuf_dispose(&b);
  vx_ofrep_context_dispose(&c);
  json_decref(body);
}

/* --------------------------------------------------------------- native */

/* Reads the body and builds the native context. Returns the body (a new
 * reference) or NULL after sending an error. */
static json_t *native_context(vx_req *req, vx_context_json *cj) {
  json_t *body = vx_req_json(req, true);
  if (body == NULL)
    return NULL;
  char err[512];
  const json_t *context;
  int rc = VX_ETYPE;
  if (!body_context(body, &context, err, sizeof err) ||
      (rc = vx_context_from_json(context, cj, err, sizeof err)) != 0) {
    vx_send_error(req, rc == VX_ENOMEM ? 500 : 400,
                  rc == VX_ENOMEM    ? "INTERNAL"
                  : rc == VX_ETOOBIG ? "CONTEXT_TOO_LARGE"
                                     : "INVALID_CONTEXT",
                  "%s", err);
    json_decref(body);
    return NULL;
  }
  return body;
}

/* What both native routes hold between reading the request and answering:
 * the environment, the parsed body and context, and the snapshot. */
typedef struct native_req {
  eval_env e;
  vx_context_json cj;
  json_t *body;
  held h;
} native_req;

/* Method, token, environment, body, context, snapshot: 1 when all are
 * there, else 0 after an error was sent (nothing left to release). */
static int native_begin(vx_req *req, native_req *n) {
  if (!vx_req_method(req, "POST") || !vx_req_auth_eval(req) ||
      !pick_env(req, &n->e))
    return 0;
  n->body = native_context(req, &n->cj);
  if (n->body == NULL)
    return 0;
  if (!hold(req, &n->e, NULL, &n->h)) {
    vx_context_json_dispose(&n->cj);
    json_decref(n->body);
    return 0;
  }
  return 1;
}

/* Releases what native_begin took, except the snapshot (released as soon
 * as the decisions are made, before answering). */
static void native_end(native_req *n) {
  vx_context_json_dispose(&n->cj);
  json_decref(n->body);
}

static void native_one(vx_req *req) {
  native_req n;
  if (!native_begin(req, &n))
    return;
  const char *key = req->rest;
  size_t key_len = strlen(key);
  vx_decision d;
  json_t *answer = NULL;
  uint64_t revision = n.h.snap->revision;
  if (vx_evaluate(n.h.env, key, key_len, &n.cj.ctx, &d) == 0) {
    vx_metrics_eval(key, key_len, d.enabled);
    answer = vx_decision_json(key, &d);
  }
  unhold(&n.h);
  if (d.flag == NULL) {
    char shown[256];
    vx_utf8_copy(shown, sizeof shown, key);
    vx_send_error(req, 404, "FLAG_NOT_FOUND",
                  "flag %s was not found in environment %s", shown, n.e.name);
  } else if (answer == NULL ||
             json_object_set_new(answer, "revision",
                                 json_integer((json_int_t)revision)) != 0) {
    json_decref(answer);
    vx_send_error(req, 500, "INTERNAL", "out of memory");
  } else {
    vx_send_json(req, 200, answer, NULL);
  }
  native_end(&n);
}

static void native_all(vx_req *req) {
  native_req n;
  if (!native_begin(req, &n))
    return;
  json_t *flags = json_array();
  json_t *answer =
      json_pack("{s:I, s:s, s:o}", "revision", (json_int_t)n.h.snap->revision,
                "environment", n.e.name, "flags", flags);
  bool bad = answer == NULL;
  for (size_t i = 0; n.h.env != NULL && !bad && i < n.h.env->cap; i++) {
    const vx_flag *f = vx_env_slot(n.h.env, i);
    if (f == NULL)
      continue;
    vx_decision d;
    vx_eval_flag(n.h.env, f, &n.cj.ctx, &d);
    vx_metrics_eval(f->key, f->key_len, d.enabled);
    json_t *one = vx_decision_json(f->key, &d);
    bad = one == NULL || json_array_append_new(flags, one) != 0;
  }
  unhold(&n.h);
  if (bad) {
    json_decref(answer);
    vx_send_error(req, 500, "INTERNAL", "out of memory");
  } else {
    vx_send_json(req, 200, answer, NULL);
  }
  native_end(&n);
}

void vx_http_routes_eval(vx_http *h) {
  vx_http_route(h, "/ofrep/v1/evaluate/flags/",
                "/ofrep/v1/evaluate/flags/{key}", true, ofrep_one);
  vx_http_route(h, "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", true,
                ofrep_bulk);
  vx_http_route(h, "/api/v1/evaluate/", "/api/v1/evaluate/{flag}", false,
                native_one);
  vx_http_route(h, "/api/v1/evaluate", "/api/v1/evaluate", false, native_all);
}
