/*
 * test_http_limits.c - what a slow, malformed or ambiguous request gets
 * (daemon/http.c, http_req.c, http_check.c, http_deadline.c, sse.c),
 * through a real vexild with small timeouts: 408 and a closed connection
 * for heads and bodies that do not come in time, no body read after a
 * refusal, refused streams closed at once, 400 for ambiguous framing,
 * paths and query values, and imports larger than the body limit.
 * After each, the daemon still answers /readyz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "vx_test.h"

#define HEADER_MS 500
#define BODY_MS 700

static vxh_daemon d;
static int up;

static int suite_init(void) {
  const char *args[] = {"--header-timeout-ms",
                        "500",
                        "--body-timeout-ms",
                        "700",
                        "--threads",
                        "4",
                        "--max-streams",
                        "2",
                        NULL};
  up = vxh_start(&d, args) == 0;
  return up ? 0 : 1;
}

static int suite_cleanup(void) {
  return up && vxh_stop(&d, false) != 0;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void assert_ready(const vxh_daemon *dm) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(dm, "GET", "/readyz", NULL, NULL, NULL, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
}

/* Sends s one byte every gap_ms (then nothing) until needle arrives, the
 * peer closes or limit_ms pass. Returns the ms until needle, or -1. */
static long trickle_until(vxh_raw *raw, const char *s, int gap_ms,
                          const char *needle, int limit_ms) {
  long t0 = now_ms();
  size_t len = strlen(s);
  for (size_t i = 0; now_ms() - t0 < limit_ms; i++) {
    if (i < len)
      vxh_raw_send(raw, s + i, 1);
    if (vxh_raw_wait(raw, needle, gap_ms) != NULL)
      return now_ms() - t0;
    if (raw->len > 0 && vxh_raw_wait_closed(raw, 0))
      return -1;
  }
  return -1;
}

/* The answer on raw has status and code, and the daemon closed it. */
static void expect_closed_with(vxh_raw *raw, const char *status,
                               const char *code) {
  const char *s = vxh_raw_wait(raw, status, 3000);
  if (s == NULL)
    fprintf(stderr, "\n    expected %s %s, got: %s\n", status, code,
            raw->buf ? raw->buf : "(nothing)");
  CU_ASSERT_PTR_NOT_NULL(s);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(raw, code, 3000));
  CU_ASSERT_PTR_NOT_NULL(strstr(raw->buf ? raw->buf : "", "Connection: close"));
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(raw, 3000), 1);
}

/* ---- slow clients */

static void test_a_head_sent_slowly_gets_408_and_is_closed(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  long ms = trickle_until(&raw,
                          "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          50, "HTTP/1.1 408", 5000);
  CU_ASSERT_TRUE(ms >= HEADER_MS && ms < HEADER_MS + 1500);
  expect_closed_with(&raw, "\r\n\r\n", "\"code\":\"REQUEST_TIMEOUT\"");
  vxh_raw_close(&raw);
  assert_ready(&d);
}

static void test_a_connection_that_sends_nothing_is_closed(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  long t0 = now_ms();
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(&raw, 5000), 1);
  long ms = now_ms() - t0;
  CU_ASSERT_TRUE(ms >= HEADER_MS - 50 && ms < HEADER_MS + 1500);
  CU_ASSERT_EQUAL(raw.len, 0);
  vxh_raw_close(&raw);
}

/* Each byte comes well within civetweb's time between reads: only a
 * deadline on the whole body ends it. */
static void test_a_body_sent_slowly_gets_408_after_the_body_timeout(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *head = "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
                     "X-API-Key: " VXH_ADMIN_TOKEN "\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: 1000\r\n\r\n";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, head, strlen(head)), 0);
  char body[1001];
  memset(body, ' ', 1000);
  body[1000] = '\0';
  long ms = trickle_until(&raw, body, 50, "HTTP/1.1 408", 5000);
  CU_ASSERT_TRUE(ms >= BODY_MS - 100 && ms < BODY_MS + 1000);
  expect_closed_with(&raw, "\r\n\r\n", "\"code\":\"REQUEST_TIMEOUT\"");
  vxh_raw_close(&raw);
  /* The same on an OFREP route, with its own shape for nothing else: a
   * transport error is {"code", "message"} everywhere. */
  assert_ready(&d);
}

/* A refusal is sent before the body is read, and the body is never
 * read: the connection closes at once, long before any timeout. */
static void test_a_refused_request_is_closed_without_reading_its_body(void) {
  static const struct {
    const char *head;
    const char *status, *code;
  } cases[] = {
      {"POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: x\r\n"
       "Content-Length: 100000\r\n\r\n{\"context\":",
       "HTTP/1.1 401", "UNAUTHORIZED"},
      {"POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\nX-API-Key: nope\r\n"
       "Content-Length: 100000\r\n\r\n",
       "HTTP/1.1 401", "UNAUTHORIZED"},
      {"POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
       "Transfer-Encoding: chunked\r\n\r\n10\r\n",
       "HTTP/1.1 401", "UNAUTHORIZED"},
      {"POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
       "HTTP/1.1 404", "NOT_FOUND"},
      {"GET /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
       "HTTP/1.1 200", "\"status\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    vxh_raw raw;
    CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
    long t0 = now_ms();
    CU_ASSERT_EQUAL(vxh_raw_send(&raw, cases[i].head, strlen(cases[i].head)),
                    0);
    expect_closed_with(&raw, cases[i].status, cases[i].code);
    CU_ASSERT_TRUE(now_ms() - t0 < HEADER_MS);
    vxh_raw_close(&raw);
  }
  assert_ready(&d);
}

static void test_expect_100_continue_is_answered_before_the_body(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *body = "{\"key\":\"continued\"}";
  char head[512];
  snprintf(head, sizeof head,
           "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
           "X-API-Key: " VXH_ADMIN_TOKEN "\r\nExpect: 100-continue\r\n"
           "Content-Length: %zu\r\n\r\n",
           strlen(body));
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, head, strlen(head)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "HTTP/1.1 100 Continue\r\n\r\n",
                                      HEADER_MS)); /* no 1 s client wait */
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, body, strlen(body)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "HTTP/1.1 201", 3000));
  vxh_raw_close(&raw);
  /* Refused: the final answer instead, and the body is never sent. */
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *refused = "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
                        "Expect: 100-continue\r\nContent-Length: 10\r\n\r\n";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, refused, strlen(refused)), 0);
  expect_closed_with(&raw, "HTTP/1.1 401", "UNAUTHORIZED");
  CU_ASSERT_PTR_NULL(strstr(raw.buf, "100 Continue"));
  vxh_raw_close(&raw);
}

/* ---- event streams */

static const char stream_req[] = "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n"
                                 "X-API-Key: " VXH_ADMIN_TOKEN "\r\n\r\n";

/* With both streams taken and 4 request workers, a burst of refused
 * attempts that would keep their connections used to hold every worker
 * for the keep-alive second each: evaluations stalled for seconds. */
static void test_refused_streams_are_closed_at_once(void) {
  vxh_raw streams[2], burst[16];
  for (int i = 0; i < 2; i++) {
    CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &streams[i]), 0);
    vxh_raw_send(&streams[i], stream_req, sizeof stream_req - 1);
    CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&streams[i], "HTTP/1.1 200", 3000));
  }
  long t0 = now_ms();
  for (int i = 0; i < 16; i++) {
    CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &burst[i]), 0);
    vxh_raw_send(&burst[i], stream_req, sizeof stream_req - 1);
  }
  for (int i = 0; i < 16; i++) {
    expect_closed_with(&burst[i], "HTTP/1.1 503", "TOO_MANY_STREAMS");
    vxh_raw_close(&burst[i]);
  }
  long burst_ms = now_ms() - t0;
  CU_ASSERT_TRUE(burst_ms < 800);
  t0 = now_ms();
  assert_ready(&d);
  CU_ASSERT_TRUE(now_ms() - t0 < 500);
  /* Without a token: 401, closed as well. */
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *anon = "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n";
  vxh_raw_send(&raw, anon, strlen(anon));
  expect_closed_with(&raw, "HTTP/1.1 401", "UNAUTHORIZED");
  vxh_raw_close(&raw);
  for (int i = 0; i < 2; i++)
    vxh_raw_close(&streams[i]);
}

/* ---- framing */

static void expect_flag_absent(const char *key) {
  char path[128];
  snprintf(path, sizeof path, "/api/v1/admin/flags/%s", key);
  json_decref(vxh_admin(&d, "GET", path, NULL, 404));
}

static void test_ambiguous_framing_is_refused_and_closed(void) {
#define POST_FLAG                                                              \
  "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"                           \
  "X-API-Key: " VXH_ADMIN_TOKEN "\r\nContent-Type: application/json\r\n"
  static const struct {
    const char *req;
    const char *key; /* the flag the body would create */
  } cases[] = {
      /* Content-Length with Transfer-Encoding: civetweb takes chunked. */
      {POST_FLAG "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "10\r\n{\"key\":\"smug-1\"}\r\n0\r\n\r\n",
       "smug-1"},
      {POST_FLAG "Transfer-Encoding: chunked\r\nContent-Length: 16\r\n\r\n"
                 "10\r\n{\"key\":\"smug-2\"}\r\n0\r\n\r\n",
       "smug-2"},
      /* Repeated: civetweb takes the first. */
      {POST_FLAG "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
                 "\r\n10\r\n{\"key\":\"smug-3\"}\r\n0\r\n\r\n",
       "smug-3"},
      {POST_FLAG "Content-Length: 16\r\nContent-Length: 16\r\n\r\n"
                 "{\"key\":\"smug-4\"}",
       "smug-4"},
      /* Not a number: civetweb reads 16. */
      {POST_FLAG "Content-Length: 16abc\r\n\r\n{\"key\":\"smug-5\"}", "smug-5"},
      {POST_FLAG "Content-Length: +16\r\n\r\n{\"key\":\"smug-6\"}", "smug-6"},
      /* identity: civetweb treats it as absent. */
      {POST_FLAG "Transfer-Encoding: identity\r\nContent-Length: 16\r\n\r\n"
                 "{\"key\":\"smug-7\"}",
       "smug-7"},
      {POST_FLAG "Transfer-Encoding: identity\r\n\r\n{\"key\":\"smug-8\"}",
       "smug-8"},
      /* A folded line: civetweb stops reading headers there, so the
       * Transfer-Encoding after it is unseen. */
      {POST_FLAG "Content-Length: 16\r\nX-Folded: a\r\n b\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n{\"key\":\"smug-9\"}",
       "smug-9"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    vxh_raw raw;
    CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
    vxh_raw_send(&raw, cases[i].req, strlen(cases[i].req));
    expect_closed_with(&raw, "HTTP/1.1 400", "\"code\":\"INVALID_FRAMING\"");
    vxh_raw_close(&raw);
    expect_flag_absent(cases[i].key);
  }
  /* More header lines than civetweb reads (64): the 65th would be
   * dropped without a word. */
  char big[8192];
  size_t o = (size_t)snprintf(big, sizeof big, "%s", POST_FLAG);
  for (int i = 0; i < 62; i++)
    o += (size_t)snprintf(big + o, sizeof big - o, "X-Pad-%d: %d\r\n", i, i);
  snprintf(big + o, sizeof big - o,
           "Content-Length: 17\r\nTransfer-Encoding: chunked\r\n\r\n"
           "{\"key\":\"smug-10\"}");
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  vxh_raw_send(&raw, big, strlen(big));
  expect_closed_with(&raw, "HTTP/1.1 431", "\"code\":\"HEADERS_TOO_LARGE\"");
  vxh_raw_close(&raw);
  expect_flag_absent("smug-10");
  /* A chunked body alone, and a plain length, still work. */
  const char *chunked = POST_FLAG "Transfer-Encoding: chunked\r\n\r\n"
                                  "11\r\n{\"key\":\"plain-1\"}\r\n0\r\n\r\n";
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  vxh_raw_send(&raw, chunked, strlen(chunked));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "HTTP/1.1 201", 3000));
  vxh_raw_close(&raw);
#undef POST_FLAG
  assert_ready(&d);
}

/* ---- paths and query values */

static void expect_status_code(const char *method, const char *path,
                               const char *body, long status,
                               const char *code) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, method, path, VXH_ADMIN_TOKEN, body, NULL, &r), 0);
  const char *got = json_string_value(json_object_get(r.json, "code"));
  if (got == NULL)
    got = json_string_value(json_object_get(r.json, "errorCode"));
  if (r.status != status || got == NULL || strcmp(got, code) != 0)
    fprintf(stderr, "\n    %s %s: expected %ld %s, got %ld %s\n", method, path,
            status, code, r.status, r.body);
  CU_ASSERT_EQUAL(r.status, status);
  CU_ASSERT_PTR_NOT_NULL(got);
  if (got != NULL)
    CU_ASSERT_STRING_EQUAL(got, code);
  vxh_resp_free(&r);
}

static void test_a_path_that_decodes_to_a_control_character_is_refused(void) {
  json_decref(
      vxh_admin(&d, "POST", "/api/v1/admin/flags", "{\"key\":\"abc\"}", 201));
  /* %00 used to end the path: this read flag abc. */
  expect_status_code("GET", "/api/v1/admin/flags/abc%00def", NULL, 400,
                     "INVALID_PATH");
  const char *bad[] = {"/api/v1/admin/flags/abc%0a", "/api/v1/admin/flags/%1Fx",
                       "/api/v1/admin/flags/abc%7F", "/healthz%00",
                       "/api/v1/admin/flags/abc%zz", "/api/v1/admin/flags/a%4",
                       "/api/v1/admin/flags/abc%"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    expect_status_code("GET", bad[i], NULL, 400, "INVALID_PATH");
  /* Other escapes still decode. */
  json_decref(
      vxh_admin(&d, "POST", "/api/v1/admin/flags", "{\"key\":\"a b\"}", 201));
  json_decref(vxh_admin(&d, "GET", "/api/v1/admin/flags/a%20b", NULL, 200));
  json_decref(vxh_admin(&d, "GET", "/api/v1/admin/flags/%61bc", NULL, 200));
  assert_ready(&d);
}

static void test_a_query_value_is_never_cut_or_dropped(void) {
  char env[300];
  memset(env, 'e', 200);
  env[200] = '\0';
  char path[512];
  const char *state = "{\"version\":1,\"features\":[{\"name\":\"q-flag\","
                      "\"enabled\":true,\"strategies\":[{\"name\":"
                      "\"default\"}]}]}";
  /* Over the 127 bytes of the buffer: it used to go into the default
   * environment. */
  snprintf(path, sizeof path,
           "/api/v1/admin/import?format=unleash&environment=%s", env);
  expect_status_code("POST", path, state, 400, "INVALID_QUERY");
  expect_status_code("POST",
                     "/api/v1/admin/import?format=unleash&environment="
                     "production%00x",
                     state, 400, "INVALID_QUERY");
  expect_status_code("POST",
                     "/api/v1/admin/import?format=unleash&environment="
                     "production&environment=staging",
                     state, 400, "INVALID_QUERY");
  expect_flag_absent("q-flag");
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "POST", path, VXH_ADMIN_TOKEN, state, NULL, &r), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "field")),
                         "environment");
  vxh_resp_free(&r);
  /* OFREP: over 255 bytes it used to evaluate in the default one. */
  memset(env, 'e', 299);
  env[299] = '\0';
  snprintf(path, sizeof path, "/ofrep/v1/evaluate/flags/abc?environment=%s",
           env);
  expect_status_code("POST", path, "{\"context\":{\"targetingKey\":\"u\"}}",
                     400, "GENERAL");
  expect_status_code("GET", "/api/v1/admin/audit?limit=1%002", NULL, 400,
                     "INVALID_QUERY");
  assert_ready(&d);
}

/* ---- imports */

static void test_an_export_over_1_mib_imports_back_by_default(void) {
  vxh_daemon a, b;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&a, NULL), 0);
  char *state = vxh_big_unleash_state("big", 400);
  json_decref(vxh_admin(&a, "POST",
                        "/api/v1/admin/import?format=unleash&mode=replace",
                        state, 200));
  free(state);
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&a, "GET", "/api/v1/admin/export",
                                    VXH_ADMIN_TOKEN, NULL, NULL, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_TRUE(r.len > 1048576);
  CU_ASSERT_EQUAL(vxh_stop(&a, false), 0);
  CU_ASSERT_EQUAL_FATAL(vxh_start(&b, NULL), 0);
  json_decref(
      vxh_admin(&b, "POST", "/api/v1/admin/import?mode=replace", r.body, 200));
  json_t *flags = vxh_admin(&b, "GET", "/api/v1/admin/flags", NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(flags, "flags")), 400);
  json_decref(flags);
  vxh_resp_free(&r);
  /* Other routes keep body_limit (1 MiB). */
  char *big = vxh_big_unleash_state("big", 300);
  CU_ASSERT_EQUAL(vxh_request(&b, "POST", "/api/v1/admin/flags",
                              VXH_ADMIN_TOKEN, big, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 413);
  vxh_resp_free(&r);
  free(big);
  CU_ASSERT_EQUAL(vxh_stop(&b, false), 0);
}

static void test_an_import_over_import_limit_is_413(void) {
  const char *args[] = {"--import-limit", "3000", NULL};
  vxh_daemon s;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&s, args), 0);
  char *state = vxh_big_unleash_state("big", 1);
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&s, "POST", "/api/v1/admin/import?format=unleash",
                              VXH_ADMIN_TOKEN, state, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 413);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                         "BODY_TOO_LARGE");
  vxh_resp_free(&r);
  free(state);
  assert_ready(&s);
  CU_ASSERT_EQUAL(vxh_stop(&s, false), 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_a_head_sent_slowly_gets_408_and_is_closed),
      VX_TEST(test_a_connection_that_sends_nothing_is_closed),
      VX_TEST(test_a_body_sent_slowly_gets_408_after_the_body_timeout),
      VX_TEST(test_a_refused_request_is_closed_without_reading_its_body),
      VX_TEST(test_expect_100_continue_is_answered_before_the_body),
      VX_TEST(test_refused_streams_are_closed_at_once),
      VX_TEST(test_ambiguous_framing_is_refused_and_closed),
      VX_TEST(test_a_path_that_decodes_to_a_control_character_is_refused),
      VX_TEST(test_a_query_value_is_never_cut_or_dropped),
      VX_TEST(test_an_export_over_1_mib_imports_back_by_default),
      VX_TEST(test_an_import_over_import_limit_is_413),
      {NULL, NULL},
  };
  return vx_test_main("http_limits", tests, suite_init, suite_cleanup);
}
