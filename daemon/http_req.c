/*
 * http_req.c - what route handlers use on a request (see http.h): the
 * method check, authentication, the body with its size limit and JSON
 * parsing, and the answers.
 *
 * Answers are written by hand: status line, headers and a small body in
 * one mg_write, so that with TCP_NODELAY an answer is one segment (and
 * never waits for a delayed ACK between a header write and a body write).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "http_deadline.h"
#include "json_limit.h"
#include "log.h"

/* Debian's civetweb adds mg_disable_keep_alive (close the connection
 * after this answer, without reading the rest of the request body).
 * Weak: another build of civetweb may not have it. */
#pragma weak mg_disable_keep_alive

/* ---- answers */

/* "Date: ..." of this second, cached per thread. */
static const char *date_header(void) {
  static __thread time_t cached = -1;
  static __thread char buf[64];
  time_t now = time(NULL);
  if (now != cached) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    cached = now;
  }
  return buf;
}

/* The Connection and Keep-Alive headers this answer needs. */
static const char *connection_header(vx_req *req) {
  const char *c = req->h_connection;
  bool v10 = req->info->http_version != NULL &&
             strcmp(req->info->http_version, "1.0") == 0;
  bool keep = c != NULL ? strcasestr(c, "keep-alive") != NULL : !v10;
  if (req->close_after || !keep)
    return "Connection: close\r\n";
#define VX_KEEP_ALIVE_H "Keep-Alive: timeout=" VX_STR(VX_KEEP_ALIVE_SEC) "\r\n"
  return v10 ? "Connection: keep-alive\r\n" VX_KEEP_ALIVE_H : VX_KEEP_ALIVE_H;
}

/* Writes v in decimal at dst; returns the number of digits. */
static size_t put_uint(char *dst, size_t v) {
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; i++)
    dst[i] = digits[n - 1 - i];
  return n;
}

static void send_answer(vx_req *req, int status, const char *ctype,
                        const char *body, size_t len, const char *extra) {
  if (req->status != 0) {
    vx_log(VX_LOG_ERROR, "http: %s answered twice (%d, then %d)", req->path,
           req->status, status);
    return;
  }
  req->status = status;
  /* Close after a refusal, and rather than leave civetweb a body to read
   * and discard (it would, with no time limit). */
  if (status == 401 || status == 403 || status == 408 || status == 413 ||
      (!req->body_read &&
       (req->info->content_length > 0 || req->h_transfer_encoding != NULL)))
    req->close_after = true;
  bool no_body = status == 204 || status == 304;
  /* HEAD: the headers GET would send, Content-Length included, no body. */
  bool head = strcmp(req->info->request_method, "HEAD") == 0;
  if (req->close_after && mg_disable_keep_alive != NULL)
    mg_disable_keep_alive(req->conn);
  /* The head: "HTTP/1.1 S TEXT", Date, Content-Type, Content-Length,
   * Connection, the extra headers, a blank line; pieces copied, not
   * formatted (this is on every evaluation). */
  const char *text = mg_get_response_code_text(req->conn, status);
  char status_line[32] = "HTTP/1.1 ";
  size_t sl = 9 + put_uint(status_line + 9, (size_t)status);
  status_line[sl++] = ' ';
  char length[48] = "Content-Length: ";
  size_t ll = 0;
  if (!no_body) {
    ll = 16 + put_uint(length + 16, len);
    memcpy(length + ll, "\r\n", 2);
    ll += 2;
  }
  const char *parts[] = {status_line,
                         text ? text : "",
                         "\r\n",
                         date_header(),
                         ctype ? "Content-Type: " : "",
                         ctype ? ctype : "",
                         ctype ? "\r\n" : "",
                         length,
                         connection_header(req),
                         extra ? extra : "",
                         "\r\n"};
  enum { N_PARTS = sizeof parts / sizeof *parts };
  size_t sizes[N_PARTS];
  size_t hl = 0;
  for (size_t i = 0; i < N_PARTS; i++) {
    sizes[i] = i == 0 ? sl : parts[i] == length ? ll : strlen(parts[i]);
    hl += sizes[i];
  }
  if (no_body || head)
    len = 0;
  char small[2048];
  char *out = hl <= sizeof small ? small : malloc(hl);
  if (out == NULL)
    return;
  size_t o = 0;
  for (size_t i = 0; i < N_PARTS; i++) {
    memcpy(out + o, parts[i], sizes[i]);
    o += sizes[i];
  }
  if (out == small && hl + len <= sizeof small) {
    /* One write: status line, headers and body in one segment. */
    if (len > 0)
      memcpy(out + hl, body, len);
    mg_write(req->conn, out, hl + len);
  } else {
    mg_write(req->conn, out, hl);
    if (len > 0)
      mg_write(req->conn, body, len);
  }
  if (out != small)
    free(out);
  req->sent = hl + len;
}

int vx_req_start_stream(vx_req *req, const char *content_type,
                        const char *extra_headers) {
  if (req->status != 0)
    return -1;
  req->status = 200;
  req->close_after = true;
  if (mg_disable_keep_alive != NULL)
    mg_disable_keep_alive(req->conn);
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 200 OK\r\n%sContent-Type: %s\r\n"
                   "Cache-Control: no-cache\r\nConnection: close\r\n%s\r\n",
                   date_header(), content_type,
                   extra_headers != NULL ? extra_headers : "");
  if (n < 0 || (size_t)n >= sizeof head)
    return -1;
  return vx_req_write(req, head, (size_t)n);
}

int vx_req_write(vx_req *req, const void *data, size_t len) {
  if (len == 0)
    return 0;
  int w = mg_write(req->conn, data, len);
  if (w <= 0 || (size_t)w != len)
    return -1;
  req->sent += len;
  return 0;
}

void vx_send_raw(vx_req *req, int status, const char *content_type,
                 const char *body, size_t len, const char *extra_headers) {
  send_answer(req, status, content_type, body, len, extra_headers);
}

static const char oom_body[] =
    "{\"code\":\"INTERNAL\",\"message\":\"out of memory\"}";

void vx_send_json(vx_req *req, int status, json_t *body,
                  const char *extra_headers) {
  const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
  char stack[4096];
  size_t n = body != NULL ? json_dumpb(body, stack, sizeof stack, flags) : 0;
  if (n == 0) {
    /* NULL (a json_pack that failed) or not encodable. */
    send_answer(req, 500, "application/json", oom_body, sizeof oom_body - 1,
                NULL);
  } else if (n <= sizeof stack) {
    send_answer(req, status, "application/json", stack, n, extra_headers);
  } else {
    char *heap = malloc(n);
    if (heap != NULL && json_dumpb(body, heap, n, flags) == n)
      send_answer(req, status, "application/json", heap, n, extra_headers);
    else
      send_answer(req, 500, "application/json", oom_body, sizeof oom_body - 1,
                  NULL);
    free(heap);
  }
  json_decref(body);
}

/* A JSON string of msg; when it is not UTF-8 (a message that quotes what
 * the client sent, or one cut in the middle of a character), its ASCII. */
static json_t *message_string(const char *msg) {
  json_t *m = json_string(msg);
  if (m != NULL)
    return m;
  char ascii[1024];
  size_t i = 0;
  for (; msg[i] != '\0' && i < sizeof ascii - 1; i++)
    ascii[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
  ascii[i] = '\0';
  return json_string(ascii);
}

/* An error body: OFREP's {"key"?, "errorCode", "errorDetails"} (the key
 * on single-flag routes, as OFREP's failure shape requires) or the native
 * {"code", "message"}. */
static json_t *error_body(vx_req *req, const char *code, json_t *m) {
  if (!req->ofrep)
    return json_pack("{s:s, s:o}", "code", code, "message", m);
  json_t *b = json_object();
  if (b != NULL && req->rest != NULL && req->rest[0] != '\0')
    json_object_set_new(b, "key", message_string(req->rest));
  if (b != NULL) {
    json_object_set_new(b, "errorCode", json_string(code));
    json_object_set_new(b, "errorDetails", m);
  } else {
    json_decref(m);
  }
  return b;
}

static void send_error_v(vx_req *req, int status, const char *code,
                         const char *extra, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  vx_send_json(req, status, error_body(req, code, message_string(msg)), extra);
}

void vx_send_error(vx_req *req, int status, const char *code, const char *fmt,
                   ...) {
  va_list ap;
  va_start(ap, fmt);
  send_error_v(req, status, code, NULL, fmt, ap);
  va_end(ap);
}

void vx_send_transport_error(vx_req *req, int status, const char *code,
                             const char *fmt, ...) {
  req->close_after = true;
  bool ofrep = req->ofrep;
  req->ofrep = false;
  va_list ap;
  va_start(ap, fmt);
  send_error_v(req, status, code, NULL, fmt, ap);
  va_end(ap);
  req->ofrep = ofrep;
}

static void send_error_h(vx_req *req, int status, const char *code,
                         const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void send_error_h(vx_req *req, int status, const char *code,
                         const char *extra, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  send_error_v(req, status, code, extra, fmt, ap);
  va_end(ap);
}

void vx_send_werr(vx_req *req, const vx_werr *err) {
  int status = err->status >= 400 && err->status <= 599 ? err->status : 500;
  const char *code = err->code[0] ? err->code : "INTERNAL";
  json_t *b = error_body(req, code, message_string(err->message));
  if (b != NULL && err->field[0] != '\0')
    json_object_set_new(b, "field", message_string(err->field));
  vx_send_json(req, status, b, NULL);
}

/* ---- request helpers */

static bool method_in(const char *m, const char *allowed) {
  size_t ml = strlen(m);
  for (const char *p = allowed; *p != '\0';) {
    size_t l = strcspn(p, "|");
    if (l == ml && strncmp(p, m, l) == 0)
      return true;
    p += l + (p[l] == '|');
  }
  return false;
}

int vx_req_method(vx_req *req, const char *allowed) {
  const char *m = req->info->request_method;
  /* HEAD is GET without the body (send_answer leaves it out). */
  if (method_in(m, allowed) ||
      (strcmp(m, "HEAD") == 0 && method_in("GET", allowed)))
    return 1;
  char allow[160] = "Allow: ";
  size_t o = strlen(allow);
  for (const char *p = allowed; *p != '\0' && o + 4 < sizeof allow; p++) {
    if (*p == '|') {
      allow[o++] = ',';
      allow[o++] = ' ';
    } else {
      allow[o++] = *p;
    }
  }
  snprintf(allow + o, sizeof allow - o, "\r\n");
  send_error_h(req, 405, "METHOD_NOT_ALLOWED", allow,
               "%s is not allowed here; allowed: %s", m, allowed);
  return 0;
}

const char *vx_req_header(vx_req *req, const char *name) {
  return mg_get_header(req->conn, name);
}

int vx_req_query(vx_req *req, const char *name, char *buf, size_t len,
                 const char **value) {
  *value = NULL;
  const char *q = req->info->query_string;
  if (q == NULL || len == 0)
    return 1;
  size_t ql = strlen(q);
  int n = mg_get_var2(q, ql, name, buf, len, 0);
  if (n == -1)
    return 1; /* absent */
  const char *why = NULL;
  if (n < 0)
    why = "is too long";
  else if (memchr(buf, '\0', (size_t)n) != NULL)
    why = "contains a NUL (%00)";
  for (int i = 0; why == NULL && i < n; i++)
    if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
      why = "contains a control character";
  char again[2];
  if (why == NULL && mg_get_var2(q, ql, name, again, sizeof again, 1) != -1)
    why = "is given more than once";
  if (why == NULL) {
    *value = buf;
    return 1;
  }
  vx_werr e = {.status = 400};
  snprintf(e.code, sizeof e.code, "%s",
           req->ofrep ? "GENERAL" : "INVALID_QUERY");
  snprintf(e.field, sizeof e.field, "%s", name);
  snprintf(e.message, sizeof e.message,
           "the query parameter %s %s (at most %zu bytes, no control "
           "characters, once)",
           name, why, len - 1);
  vx_send_werr(req, &e);
  return 0;
}

/* The token from X-API-Key or Authorization: Bearer, or NULL. */
static const char *token_of(vx_req *req) {
  const char *k = req->h_api_key;
  if (k != NULL && *k != '\0')
    return k;
  const char *a = req->h_authorization;
  if (a != NULL && strncasecmp(a, "Bearer", 6) == 0 &&
      (a[6] == ' ' || a[6] == '\t')) {
    a += 6;
    while (*a == ' ' || *a == '\t')
      a++;
    return *a != '\0' ? a : NULL;
  }
  return NULL;
}

static const char unauthorized_h[] = "WWW-Authenticate: Bearer\r\n";

int vx_req_auth(vx_req *req, vx_role min) {
  const char *tok = token_of(req);
  bool known =
      tok != NULL && vx_service_authenticate(req->svc, tok, &req->who) == 0;
  if (!known)
    memset(&req->who, 0, sizeof req->who);
  if (min == VX_ROLE_NONE)
    return 1;
  if (tok == NULL) {
    send_error_h(req, 401, "UNAUTHORIZED", unauthorized_h,
                 "a token is required: send X-API-Key or Authorization: "
                 "Bearer");
    return 0;
  }
  if (!known) {
    send_error_h(req, 401, "UNAUTHORIZED", unauthorized_h,
                 "unknown or revoked token");
    return 0;
  }
  if (req->who.role < min) {
    vx_send_error(req, 403, "FORBIDDEN", "this needs an %s token",
                  min == VX_ROLE_ADMIN ? "admin" : "client or admin");
    return 0;
  }
  return 1;
}

int vx_req_auth_eval(vx_req *req) {
  if (!vx_service_config(req->svc)->open_evaluation)
    return vx_req_auth(req, VX_ROLE_CLIENT);
  vx_req_auth(req, VX_ROLE_NONE);
  if (token_of(req) != NULL && req->who.role == VX_ROLE_NONE) {
    send_error_h(req, 401, "UNAUTHORIZED", unauthorized_h,
                 "unknown or revoked token (evaluation is open: send no "
                 "token, or a valid one)");
    return 0;
  }
  return 1;
}

static void body_too_large(vx_req *req, size_t limit) {
  req->close_after = true;
  vx_send_error(req, 413, "BODY_TOO_LARGE",
                "the body is larger than the limit of %zu bytes", limit);
}

int vx_req_body(vx_req *req, char *stack, size_t stack_cap, char **body,
                size_t *len) {
  *body = NULL;
  *len = 0;
  size_t limit = req->body_limit;
  long long cl = req->info->content_length;
  const char *bad = req->ofrep ? "PARSE_ERROR" : "INVALID_JSON";
  if (cl > 0 && (unsigned long long)cl > limit) {
    body_too_large(req, limit);
    return 0;
  }
  /* The client waits for this before it sends a body it announced. */
  if (req->h_expect != NULL && strcasecmp(req->h_expect, "100-continue") == 0 &&
      (cl > 0 || req->h_transfer_encoding != NULL))
    mg_write(req->conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
  /* Known length: read it (on the caller's stack when it fits). Chunked:
   * grow up to the limit, then one more byte tells whether it goes
   * beyond. All of it within body_timeout_ms of the head: the deadline
   * ends a read that waits past it (http_deadline.h), and is looked at
   * before every read after the first. */
  size_t cap = cl >= 0 ? (size_t)cl : (limit < 16384 ? limit : 16384);
  char *buf = cl >= 0 && (size_t)cl < stack_cap ? stack : malloc(cap + 1);
  if (buf == NULL) {
    vx_send_error(req, 500, "INTERNAL", "out of memory");
    return 0;
  }
  uint64_t deadline = req->t0_us + (uint64_t)req->body_timeout_ms * 1000u;
  vx_deadline_arm(deadline);
  size_t n = 0;
  bool late = false;
  for (;;) {
    if (n == cap) {
      if (cl >= 0)
        break;
      if (cap == limit) {
        char extra;
        if (mg_read(req->conn, &extra, 1) > 0) {
          vx_deadline_disarm();
          free(buf);
          body_too_large(req, limit);
          return 0;
        }
        break;
      }
      size_t ncap = cap * 2 < limit ? cap * 2 : limit;
      char *nb = realloc(buf, ncap + 1);
      if (nb == NULL) {
        vx_deadline_disarm();
        free(buf);
        vx_send_error(req, 500, "INTERNAL", "out of memory");
        return 0;
      }
      buf = nb;
      cap = ncap;
    }
    if (n > 0 && vx_http_now_us() >= deadline) {
      late = true;
      break;
    }
    int r = mg_read(req->conn, buf + n, cap - n);
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  if (vx_deadline_disarm() || late) {
    if (buf != stack)
      free(buf);
    vx_send_transport_error(req, 408, "REQUEST_TIMEOUT",
                            "the body did not arrive within %d ms (%zu "
                            "bytes came)",
                            req->body_timeout_ms, n);
    return 0;
  }
  if (cl >= 0 && n < (size_t)cl) {
    if (buf != stack)
      free(buf);
    req->close_after = true;
    vx_send_error(req, 400, bad, "the body ended after %zu of %lld bytes", n,
                  cl);
    return 0;
  }
  buf[n] = '\0';
  *body = buf;
  *len = n;
  req->body_read = true;
  return 1;
}

json_t *vx_req_parse(vx_req *req, const char *body, size_t len, bool empty_ok) {
  const char *bad = req->ofrep ? "PARSE_ERROR" : "INVALID_JSON";
  if (len == 0) {
    if (empty_ok)
      return json_object();
    vx_send_error(req, 400, bad, "a JSON body is required");
    return NULL;
  }
  json_error_t e;
  json_t *j = vx_json_parse(body, len, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL && vx_json_too_deep(&e))
    vx_send_error(req, 400, req->ofrep ? "PARSE_ERROR" : "JSON_TOO_DEEP",
                  "line %d column %d: the JSON nests deeper than %d levels, "
                  "the limit (setting max_json_depth)",
                  e.line, e.column, vx_json_max_depth());
  else if (j == NULL)
    vx_send_error(req, 400, bad, "line %d column %d: %s", e.line, e.column,
                  e.text);
  return j;
}

json_t *vx_req_json(vx_req *req, bool empty_ok) {
  char *body;
  size_t len;
  if (!vx_req_body(req, NULL, 0, &body, &len))
    return NULL;
  json_t *j = vx_req_parse(req, body, len, empty_ok);
  free(body);
  return j;
}
