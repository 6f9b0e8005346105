/*
 * test_bad_input.c - the bad-input matrix: every case of bad_input_cases.c
 * is sent, on a connection of its own, to one real vexild, which must
 * answer with the exact status and error code of the case; after each
 * case /readyz must still answer 200. A crash, a hang, an HTML page, a
 * wrong code or a missing answer fails the case, and the program lists
 * every case that failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "bad_input.h"
#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;
static int up;
static char client_token[128];

/* ------------------------------------------------------------ buffers */

void bi_put(bi_buf *b, const void *data, size_t len) {
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len + 1)
      cap *= 2;
    char *s = realloc(b->s, cap);
    if (s == NULL)
      abort();
    b->s = s;
    b->cap = cap;
  }
  memcpy(b->s + b->len, data, len);
  b->len += len;
  b->s[b->len] = '\0';
}

void bi_puts(bi_buf *b, const char *s) {
  bi_put(b, s, strlen(s));
}

void bi_repeat(bi_buf *b, char c, size_t n) {
  char chunk[4096];
  memset(chunk, c, sizeof chunk);
  while (n > 0) {
    size_t k = n < sizeof chunk ? n : sizeof chunk;
    bi_put(b, chunk, k);
    n -= k;
  }
}

/* Appends s with the placeholders of bad_input.h expanded. */
static void expand(bi_buf *b, const char *s, size_t len) {
  const char *end = s + len;
  while (s < end) {
    const char *at = memchr(s, '@', (size_t)(end - s));
    if (at == NULL) {
      bi_put(b, s, (size_t)(end - s));
      return;
    }
    bi_put(b, s, (size_t)(at - s));
    const char *close = memchr(at + 1, '@', (size_t)(end - at - 1));
    if (close == NULL) {
      bi_put(b, at, (size_t)(end - at));
      return;
    }
    size_t n = (size_t)(close - at - 1);
    char rep;
    unsigned long count;
    if (n == 1 && at[1] == 'C') {
      bi_puts(b, client_token);
    } else if (n == 1 && at[1] == 'A') {
      bi_puts(b, VXH_ADMIN_TOKEN);
    } else if (n == 1 && at[1] == 'P') {
      char port[16];
      snprintf(port, sizeof port, "%d", d.port);
      bi_puts(b, port);
    } else if (at[1] == 'R' && sscanf(at + 2, "%lu:%c", &count, &rep) == 2) {
      bi_repeat(b, rep, count);
    } else {
      bi_put(b, at, n + 2); /* not a placeholder: as it is */
    }
    s = close + 1;
  }
}

/* ------------------------------------------------------------ requests */

/* The request of c: head and body, separately (so that a large body is
 * sent only when the daemon has not already answered). */
static void build(const bi_case *c, bi_buf *head, bi_buf *body) {
  bi_buf raw = {0};
  if (c->gen != NULL)
    c->gen(&raw, c->arg);
  else if (c->body != NULL)
    bi_puts(&raw, c->body);
  if (c->framing == BI_RAW) {
    expand(head, raw.s != NULL ? raw.s : "", raw.len);
    free(raw.s);
    return;
  }
  bi_buf content = {0};
  if (c->gen != NULL)
    content = raw; /* generated bodies have no placeholders */
  else if (raw.s != NULL) {
    expand(&content, raw.s, raw.len);
    free(raw.s);
  }
  bi_puts(head, c->method);
  bi_puts(head, " ");
  expand(head, c->path, strlen(c->path));
  bi_puts(head, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
  static const char *const key[] = {NULL, "@C@", "@A@", "no-such-token"};
  if (c->token != BI_NONE) {
    bi_puts(head, "X-API-Key: ");
    expand(head, key[c->token], strlen(key[c->token]));
    bi_puts(head, "\r\n");
  }
  if (c->headers != NULL)
    expand(head, c->headers, strlen(c->headers));
  char line[64];
  if (c->framing == BI_CHUNKED) {
    bi_puts(head, "Transfer-Encoding: chunked\r\n");
    for (size_t o = 0; o < content.len; o += 4096) {
      size_t k = content.len - o < 4096 ? content.len - o : 4096;
      snprintf(line, sizeof line, "%zx\r\n", k);
      bi_puts(body, line);
      bi_put(body, content.s + o, k);
      bi_puts(body, "\r\n");
    }
    bi_puts(body, "0\r\n\r\n");
  } else {
    if (c->framing == BI_LENGTH && content.s != NULL) {
      snprintf(line, sizeof line, "Content-Length: %zu\r\n", content.len);
      bi_puts(head, line);
    }
    if (content.s != NULL)
      bi_put(body, content.s, content.len);
  }
  bi_puts(head, "\r\n");
  free(content.s);
}

/* Sends the request of c and reads until the daemon closes (every request
 * says Connection: close) or 20 s pass. Returns what was received. */
static int exchange(const bi_case *c, vxh_raw *r) {
  bi_buf head = {0}, body = {0};
  build(c, &head, &body);
  int rc = vxh_raw_open(&d, r);
  if (rc == 0) {
    vxh_raw_send(r, head.s, head.len);
    size_t n = body.len;
    if (c->expect == BI_TRUNCATED)
      n /= 2;
    /* A large body: give the daemon a moment to refuse it first. */
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    if (n > 65536 && poll(&p, 1, 200) == 1)
      n = 0;
    if (n > 0)
      vxh_raw_send(r, body.s, n); /* may fail once the daemon refused */
    if (c->expect == BI_TRUNCATED)
      shutdown(r->fd, SHUT_WR);
    if (!vxh_raw_wait_closed(r, 20000))
      rc = -1;
  }
  free(head.s);
  free(body.s);
  return rc;
}

/* One answer parsed from r->buf at *pos. */
typedef struct answer {
  int status;
  json_t *json;
  char ctype[128];
  const char *start; /* for the diagnostic */
} answer;

static int parse_answer(const vxh_raw *r, size_t *pos, answer *a) {
  memset(a, 0, sizeof *a);
  if (r->buf == NULL || *pos >= r->len)
    return -1;
  const char *s = r->buf + *pos;
  const char *eoh;
  for (;;) {
    a->start = s;
    if (strncmp(s, "HTTP/1.", 7) != 0 || sscanf(s + 9, "%3d", &a->status) != 1)
      return -1;
    if ((eoh = strstr(s, "\r\n\r\n")) == NULL)
      return -1;
    if (a->status >= 200)
      break;
    s = eoh + 4; /* an interim answer (100 Continue): the next one counts */
  }
  size_t clen = (size_t)(r->buf + r->len - (eoh + 4));
  for (const char *h = strstr(s, "\r\n") + 2; h < eoh;
       h = strstr(h, "\r\n") + 2) {
    if (strncasecmp(h, "Content-Length:", 15) == 0)
      clen = strtoul(h + 15, NULL, 10);
    else if (strncasecmp(h, "Content-Type:", 13) == 0)
      sscanf(h + 13, " %127[^\r]", a->ctype);
  }
  const char *b = eoh + 4;
  if ((size_t)(r->buf + r->len - b) < clen)
    clen = (size_t)(r->buf + r->len - b);
  a->json = json_loadb(b, clen, 0, NULL);
  *pos = (size_t)(b + clen - r->buf);
  return 0;
}

static const char *code_of(const answer *a) {
  const char *c = json_string_value(json_object_get(a->json, "code"));
  return c != NULL ? c
                   : json_string_value(json_object_get(a->json, "errorCode"));
}

/* Whether answer a is what case c expects; why not in why. */
static bool as_expected(const bi_case *c, const answer *a, char *why,
                        size_t len) {
  if (a->status != c->status) {
    snprintf(why, len, "status %d, expected %d", a->status, c->status);
    return false;
  }
  if (c->code == NULL)
    return true;
  if (strncmp(a->ctype, "application/json", 16) != 0) {
    snprintf(why, len, "Content-Type \"%s\", expected JSON", a->ctype);
    return false;
  }
  const char *code = code_of(a);
  if (code == NULL || strcmp(code, c->code) != 0) {
    snprintf(why, len, "code %s, expected %s", code ? code : "(none)", c->code);
    return false;
  }
  return true;
}

static bool run_case(const bi_case *c, char *why, size_t len) {
  vxh_raw r;
  if (exchange(c, &r) != 0) {
    snprintf(why, len, "no complete answer within 20 s");
    vxh_raw_close(&r);
    return false;
  }
  size_t pos = 0;
  if (c->expect == BI_CLOSED) { /* exchange saw the close */
    bool silent = r.len == 0;
    if (!silent)
      snprintf(why, len, "expected no answer, got %.120s", r.buf);
    vxh_raw_close(&r);
    return silent;
  }
  int answers = c->expect == BI_PIPELINED ? 2 : 1;
  bool ok = true;
  for (int i = 0; i < answers && ok; i++) {
    answer a;
    if (parse_answer(&r, &pos, &a) != 0) {
      snprintf(why, len, "answer %d missing or not HTTP: %.120s", i + 1,
               r.len > pos ? r.buf + pos : "(nothing)");
      ok = false;
    } else {
      ok = as_expected(c, &a, why, len);
      if (!ok) {
        size_t w = strlen(why);
        snprintf(why + w, len - w, " | %.300s", a.start);
      }
    }
    json_decref(a.json);
  }
  if (ok && pos < r.len) {
    snprintf(why, len, "more than %d answer(s): %.120s", answers, r.buf + pos);
    ok = false;
  }
  vxh_raw_close(&r);
  return ok;
}

static bool still_ready(void) {
  vxh_resp r;
  bool ok = vxh_request(&d, "GET", "/readyz", NULL, NULL, NULL, &r) == 0 &&
            r.status == 200;
  vxh_resp_free(&r); /* vxh_request zeroes it first: always safe */
  return ok;
}

/* --------------------------------------------------------------- tests */

static void
test_every_bad_input_gets_its_exact_error_and_vexild_stays_up(void) {
  int failed = 0;
  for (size_t i = 0; i < bi_n_cases; i++) {
    const bi_case *c = &bi_cases[i];
    char why[600] = "";
    bool ok = run_case(c, why, sizeof why);
    if (!ok)
      fprintf(stderr, "FAIL %s: %s\n", c->name, why);
    if (!still_ready()) {
      /* Fails the case; the daemon starts again on its data so that one
       * run lists every case that fails. */
      fprintf(stderr, "FAIL %s: /readyz no longer answers 200\n", c->name);
      ok = false;
      vxh_kill(&d);
      up = vxh_restart(&d, NULL) == 0;
      CU_ASSERT_FATAL(up);
    }
    failed += !ok;
    CU_ASSERT(ok);
  }
  fprintf(stderr, "bad-input matrix: %zu cases, %d failed\n", bi_n_cases,
          failed);
}

static void test_the_matrix_covers_at_least_100_cases(void) {
  CU_ASSERT(bi_n_cases >= 100);
  /* Names are unique: a failure names exactly one case. */
  for (size_t i = 0; i < bi_n_cases; i++)
    for (size_t j = i + 1; j < bi_n_cases; j++)
      CU_ASSERT(strcmp(bi_cases[i].name, bi_cases[j].name) != 0);
}

/* ---------------------------------------------------------------- setup */

/* An admin request during set-up (no CUnit test runs yet): the parsed
 * answer when its status is want, else NULL. */
static json_t *setup_call(const char *method, const char *path,
                          const char *body, long want) {
  vxh_resp r;
  json_t *j = NULL;
  if (vxh_request(&d, method, path, VXH_ADMIN_TOKEN, body, NULL, &r) == 0 &&
      r.status == want)
    j = json_incref(r.json != NULL ? r.json : json_object());
  else
    fprintf(stderr, "set-up: %s %s: %ld %s\n", method, path, r.status,
            r.body != NULL ? r.body : "");
  vxh_resp_free(&r);
  return j;
}

static int seed(void) {
  json_t *t = setup_call("POST", "/api/v1/admin/tokens",
                         "{\"name\": \"matrix\", \"role\": \"client\", "
                         "\"environment\": \"production\"}",
                         201);
  const char *s = json_string_value(json_object_get(t, "secret"));
  if (s == NULL)
    return -1;
  snprintf(client_token, sizeof client_token, "%s", s);
  json_decref(t);
  static const struct {
    const char *method, *path, *body;
    long status;
  } steps[] = {
      {"POST", "/api/v1/admin/environments", "{\"name\": \"staging\"}", 201},
      {"POST", "/api/v1/admin/flags",
       "{\"key\": \"f\", \"environments\": {\"production\": "
       "{\"enabled\": true, \"strategies\": [{\"name\": \"default\"}]}}}",
       201},
      {"POST", "/api/v1/admin/flags",
       "{\"key\": \"v\", \"type\": \"string\", \"environments\": "
       "{\"production\": {\"enabled\": true, \"variants\": [{\"name\": "
       "\"a\", \"weight\": 1000, \"payload\": {\"type\": \"string\", "
       "\"value\": \"x\"}}]}}}",
       201},
      /* f changes twice more: revision 1 is a stale base for it. */
      {"POST", "/api/v1/admin/flags/f/environments/staging/on", NULL, 200},
      {"POST", "/api/v1/admin/flags/f/environments/staging/off", NULL, 200},
  };
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
    json_t *j = setup_call(steps[i].method, steps[i].path, steps[i].body,
                           steps[i].status);
    if (j == NULL)
      return -1;
    json_decref(j);
  }
  return 0;
}

static int suite_init(void) {
  up = vxh_start(&d, NULL) == 0;
  return up && seed() == 0 ? 0 : 1;
}

static int suite_cleanup(void) {
  return up && vxh_stop(&d, false) != 0;
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_the_matrix_covers_at_least_100_cases),
      VX_TEST(test_every_bad_input_gets_its_exact_error_and_vexild_stays_up),
      {NULL, NULL}};
  return vx_test_main("http/bad_input", tests, suite_init, suite_cleanup);
}
