/*
 * test_sse.c - GET /api/v1/stream (daemon/sse.c) through a real vexild:
 * events on change, Last-Event-ID, resets, keep-alive comments, the cap
 * on open streams, and a prompt SIGTERM with streams open.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;
static int up;

static int suite_init(void) {
  /* Keep-alive comments every 200 ms, so that a closed client is noticed
   * quickly and the keep-alive test is short. */
  setenv("VEXIL_SSE_KEEPALIVE_MS", "200", 1);
  setenv("VEXIL_MAX_STREAMS", "4", 1);
  up = vxh_start(&d, NULL) == 0;
  unsetenv("VEXIL_MAX_STREAMS");
  unsetenv("VEXIL_SSE_KEEPALIVE_MS");
  return up ? 0 : 1;
}

static int suite_cleanup(void) {
  return up && vxh_stop(&d, false) != 0;
}

/* Opens a stream and waits for its first comment. extra: NULL or header
 * lines ending in \r\n. Returns 0 when the stream is open. */
static int open_stream(const vxh_daemon *dm, vxh_raw *r, const char *token,
                       const char *extra) {
  if (vxh_raw_open(dm, r) != 0)
    return -1;
  char req[512];
  snprintf(req, sizeof req,
           "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAccept: "
           "text/event-stream\r\n%s%s%s%s\r\n",
           token ? "X-API-Key: " : "", token ? token : "", token ? "\r\n" : "",
           extra ? extra : "");
  if (vxh_raw_send(r, req, strlen(req)) != 0)
    return -1;
  if (vxh_raw_wait(r, "\r\n\r\n", 3000) == NULL)
    return -1;
  return vxh_raw_wait(r, ": connected at revision", 3000) != NULL ? 0 : -1;
}

static long revision(const vxh_daemon *dm) {
  vxh_resp r;
  if (vxh_request(dm, "GET", "/readyz", NULL, NULL, NULL, &r) != 0)
    return -1;
  long v = (long)json_integer_value(json_object_get(r.json, "revision"));
  vxh_resp_free(&r);
  return v;
}

static void create_flag(const vxh_daemon *dm, const char *key) {
  char body[128];
  snprintf(body, sizeof body, "{\"key\": \"%s\"}", key);
  json_decref(vxh_admin(dm, "POST", "/api/v1/admin/flags", body, 201));
}

static void toggle(const vxh_daemon *dm, const char *key, bool on) {
  char path[256];
  snprintf(path, sizeof path,
           "/api/v1/admin/flags/%s/environments/production/%s", key,
           on ? "on" : "off");
  json_decref(vxh_admin(dm, "POST", path, NULL, 200));
}

static int wait_gauge(double want);

static void test_stream_is_an_event_stream(void) {
  vxh_raw s;
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, VXH_ADMIN_TOKEN, NULL), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(s.buf, "HTTP/1.1 200"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.buf, "Content-Type: text/event-stream"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s.buf, "Cache-Control: no-cache"));
  vxh_raw_close(&s);
}

static void test_stream_needs_a_token(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/stream", NULL, NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 401);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/stream", "bad", NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 401);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "POST", "/api/v1/stream",
                                    VXH_ADMIN_TOKEN, "{}", NULL, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 405);
  vxh_resp_free(&r);
}

static void test_client_token_may_stream(void) {
  json_t *t = vxh_admin(&d, "POST", "/api/v1/admin/tokens",
                        "{\"name\": \"sse-client\", \"role\": \"client\", "
                        "\"environment\": \"production\"}",
                        201);
  const char *secret = json_string_value(json_object_get(t, "secret"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(secret);
  vxh_raw s;
  CU_ASSERT_EQUAL(open_stream(&d, &s, secret, NULL), 0);
  vxh_raw_close(&s);
  json_decref(t);
}

static void test_change_sends_an_event_with_the_keys(void) {
  vxh_raw s;
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, VXH_ADMIN_TOKEN, NULL), 0);
  create_flag(&d, "sse-one");
  long rev = revision(&d);
  char want[160];
  snprintf(want, sizeof want, "id: %ld\n", rev);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 3000));
  snprintf(want, sizeof want,
           "data: {\"type\":\"refetchEvaluation\",\"revision\":%ld,"
           "\"flags\":[\"sse-one\"]}\n\n",
           rev);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 3000));
  toggle(&d, "sse-one", true);
  snprintf(want, sizeof want, "id: %ld\n", rev + 1);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 3000));
  vxh_raw_close(&s);
}

static void test_last_event_id_replays_what_was_missed(void) {
  create_flag(&d, "sse-two");
  long from = revision(&d);
  toggle(&d, "sse-two", true);
  toggle(&d, "sse-two", false);
  vxh_raw s;
  char hdr[64];
  snprintf(hdr, sizeof hdr, "Last-Event-ID: %ld\r\n", from);
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, VXH_ADMIN_TOKEN, hdr), 0);
  char want[64];
  snprintf(want, sizeof want, "id: %ld\n", from + 1);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 3000));
  snprintf(want, sizeof want, "id: %ld\n", from + 2);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 3000));
  /* Not the event it already had, and no reset. */
  snprintf(want, sizeof want, "id: %ld\n", from);
  CU_ASSERT_PTR_NULL(strstr(s.buf, want));
  CU_ASSERT_PTR_NULL(strstr(s.buf, "\"reset\":true"));
  vxh_raw_close(&s);
}

static void test_unknown_last_event_id_gets_a_reset(void) {
  const char *ids[] = {"0", "99999999", "banana", "-1"};
  long now = revision(&d);
  for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
    /* The suite's daemon allows 4 streams: let closed ones end first. */
    CU_ASSERT_TRUE(wait_gauge(0));
    vxh_raw s;
    char hdr[64], want[160];
    snprintf(hdr, sizeof hdr, "Last-Event-ID: %s\r\n", ids[i]);
    CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, VXH_ADMIN_TOKEN, hdr), 0);
    snprintf(want, sizeof want,
             "id: %ld\ndata: {\"type\":\"refetchEvaluation\",\"revision\":%ld,"
             "\"reset\":true}\n\n",
             now, now);
    const char *got = vxh_raw_wait(&s, want, 3000);
    if (got == NULL)
      fprintf(stderr, "Last-Event-ID %s: no reset in:\n%s\n", ids[i], s.buf);
    CU_ASSERT_PTR_NOT_NULL(got);
    vxh_raw_close(&s);
  }
}

/* A revision that changed more flags than an event lists is a reset. */
static void test_a_huge_change_is_sent_as_a_reset(void) {
  CU_ASSERT_TRUE(wait_gauge(0));
  vxh_raw s;
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, VXH_ADMIN_TOKEN, NULL), 0);
  json_t *flags = json_array();
  for (int i = 0; i < 1001; i++) {
    char key[32];
    snprintf(key, sizeof key, "bulk-%d", i);
    json_array_append_new(flags, json_pack("{s:s}", "key", key));
  }
  json_t *doc =
      json_pack("{s:i, s:[s], s:[], s:o}", "version", 1, "environments",
                "production", "segments", "flags", flags);
  char *body = json_dumps(doc, JSON_COMPACT);
  json_decref(
      vxh_admin(&d, "POST", "/api/v1/admin/import?format=native", body, 200));
  free(body);
  json_decref(doc);
  long rev = revision(&d);
  char want[160];
  snprintf(want, sizeof want,
           "id: %ld\ndata: {\"type\":\"refetchEvaluation\",\"revision\":%ld,"
           "\"reset\":true}\n\n",
           rev, rev);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 5000));
  vxh_raw_close(&s);
}

static void test_keep_alive_comments_arrive(void) {
  vxh_raw s;
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, VXH_ADMIN_TOKEN, NULL), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, ": keep-alive\n\n", 2000));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, ": keep-alive\n\n", 2000));
  vxh_raw_close(&s);
}

static double metric(const char *name) {
  vxh_resp r;
  if (vxh_request(&d, "GET", "/metrics", NULL, NULL, NULL, &r) != 0)
    return -1;
  double v = -1;
  const char *p = strstr(r.body, name);
  while (p != NULL && p != r.body && p[-1] != '\n')
    p = strstr(p + 1, name);
  if (p != NULL)
    v = atof(p + strlen(name));
  vxh_resp_free(&r);
  return v;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits until the gauge reads want (streams end at their next write). */
static int wait_gauge(double want) {
  for (int i = 0; i < 100; i++) {
    if (metric("vexil_open_streams ") == want)
      return 1;
    sleep_ms(50);
  }
  return 0;
}

static void test_max_streams_is_enforced(void) {
  CU_ASSERT_TRUE_FATAL(wait_gauge(0));
  vxh_raw s[4];
  for (int i = 0; i < 4; i++)
    CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s[i], VXH_ADMIN_TOKEN, NULL), 0);
  CU_ASSERT_EQUAL(metric("vexil_open_streams "), 4);
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/stream", VXH_ADMIN_TOKEN, NULL, NULL, &r),
      0);
  CU_ASSERT_EQUAL(r.status, 503);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                         "TOO_MANY_STREAMS");
  vxh_resp_free(&r);
  /* Evaluation and admin requests are still served. */
  CU_ASSERT_EQUAL(vxh_request(&d, "GET", "/api/v1/admin/flags", VXH_ADMIN_TOKEN,
                              NULL, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  /* A closed stream frees its place. */
  vxh_raw_close(&s[0]);
  CU_ASSERT_TRUE(wait_gauge(3));
  CU_ASSERT_EQUAL(open_stream(&d, &s[0], VXH_ADMIN_TOKEN, NULL), 0);
  for (int i = 0; i < 4; i++)
    vxh_raw_close(&s[i]);
  CU_ASSERT_TRUE(wait_gauge(0));
}

static void test_open_evaluation_streams_without_token(void) {
  const char *args[] = {"--open-evaluation", NULL};
  vxh_daemon o;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&o, args), 0);
  vxh_raw s;
  CU_ASSERT_EQUAL(open_stream(&o, &s, NULL, NULL), 0);
  vxh_raw_close(&s);
  vxh_resp r;
  CU_ASSERT_EQUAL(
      vxh_request(&o, "GET", "/api/v1/stream", "bad", NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 401);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(vxh_stop(&o, false), 0);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static char *client_secret(const char *name, const char *env, long long *id) {
  char body[256];
  snprintf(body, sizeof body,
           "{\"name\": \"%s\", \"role\": \"client\", \"environment\": "
           "\"%s\"}",
           name, env);
  json_t *t = vxh_admin(&d, "POST", "/api/v1/admin/tokens", body, 201);
  char *secret = strdup(json_string_value(json_object_get(t, "secret")));
  if (id != NULL)
    *id = (long long)json_integer_value(json_object_get(t, "id"));
  json_decref(t);
  return secret;
}

/* Revoking a token ends its open streams at once (not at the next
 * keep-alive or change); streams of other tokens go on. */
static void test_revoking_a_token_ends_its_stream_at_once(void) {
  CU_ASSERT_TRUE_FATAL(wait_gauge(0));
  long long id;
  char *secret = client_secret("sse-revoked", "production", &id);
  vxh_raw s, admin;
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &s, secret, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &admin, VXH_ADMIN_TOKEN, NULL), 0);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/admin/tokens/%lld", id);
  long t0 = now_ms();
  json_decref(vxh_admin(&d, "DELETE", path, NULL, 200));
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(&s, 2000), 1);
  long took = now_ms() - t0;
  if (took > 500)
    fprintf(stderr, "the revoked stream took %ld ms to end\n", took);
  CU_ASSERT_TRUE(took <= 500);
  CU_ASSERT_PTR_NOT_NULL(strstr(s.buf, ": token revoked\n"));
  vxh_raw_close(&s);
  /* The admin stream still gets events. */
  create_flag(&d, "sse-after-revoke");
  char want[64];
  snprintf(want, sizeof want, "id: %ld\n", revision(&d));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&admin, want, 3000));
  vxh_raw_close(&admin);
  /* And the revoked token cannot stream again. */
  vxh_resp r;
  CU_ASSERT_EQUAL(
      vxh_request(&d, "GET", "/api/v1/stream", secret, NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 401);
  vxh_resp_free(&r);
  free(secret);
}

static void toggle_in(const char *key, const char *env) {
  char path[256];
  snprintf(path, sizeof path, "/api/v1/admin/flags/%s/environments/%s/on", key,
           env);
  json_decref(vxh_admin(&d, "POST", path, NULL, 200));
}

static bool has_id(const vxh_raw *s, long rev) {
  char want[64];
  snprintf(want, sizeof want, "id: %ld\n", rev);
  return strstr(s->buf, want) != NULL;
}

/* A client token's stream carries only its environment's changes, with
 * only the keys changed there; an admin stream carries all of them. */
static void test_client_stream_carries_only_its_environment(void) {
  CU_ASSERT_TRUE_FATAL(wait_gauge(0));
  json_decref(vxh_admin(&d, "POST", "/api/v1/admin/environments",
                        "{\"name\": \"sse-staging\"}", 201));
  char *prod = client_secret("sse-prod", "production", NULL);
  char *stag = client_secret("sse-stag", "sse-staging", NULL);
  vxh_raw p, st, all;
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &p, prod, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &st, stag, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &all, VXH_ADMIN_TOKEN, NULL), 0);
  /* A new flag exists in every environment: everyone hears of it. */
  create_flag(&d, "sse-env-a");
  long created = revision(&d);
  char want[160];
  snprintf(want, sizeof want, "id: %ld\n", created);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&p, want, 3000));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&st, want, 3000));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&all, want, 3000));
  /* A token change (no flag) reaches only the every-environment stream. */
  free(client_secret("sse-noise", "production", NULL));
  long noise = revision(&d);
  toggle_in("sse-env-a", "production");
  long in_prod = revision(&d);
  toggle_in("sse-env-a", "sse-staging");
  long in_stag = revision(&d);
  snprintf(want, sizeof want,
           "id: %ld\ndata: {\"type\":\"refetchEvaluation\",\"revision\":%ld,"
           "\"flags\":[\"sse-env-a\"]}\n\n",
           in_prod, in_prod);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&p, want, 3000));
  snprintf(want, sizeof want, "id: %ld\n", in_stag);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&st, want, 3000));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&all, want, 3000));
  /* Events are in order: the staging stream skipped production's, and
   * the production stream, which got nothing after its own, skipped
   * staging's (checked after the admin stream got it). */
  CU_ASSERT_FALSE(has_id(&st, in_prod));
  CU_ASSERT_FALSE(has_id(&st, noise));
  CU_ASSERT_FALSE(has_id(&p, noise));
  CU_ASSERT_TRUE(has_id(&all, noise));
  CU_ASSERT_TRUE(has_id(&all, in_prod));
  create_flag(&d, "sse-env-b"); /* a marker every stream gets */
  snprintf(want, sizeof want, "id: %ld\n", revision(&d));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&p, want, 3000));
  CU_ASSERT_FALSE(has_id(&p, in_stag));
  vxh_raw_close(&p);
  vxh_raw_close(&st);
  vxh_raw_close(&all);

  /* Resuming with Last-Event-ID replays only the environment's events. */
  CU_ASSERT_TRUE_FATAL(wait_gauge(0));
  char hdr[64];
  snprintf(hdr, sizeof hdr, "Last-Event-ID: %ld\r\n", created);
  CU_ASSERT_EQUAL_FATAL(open_stream(&d, &st, stag, hdr), 0);
  snprintf(want, sizeof want, "id: %ld\n", in_stag);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&st, want, 3000));
  CU_ASSERT_FALSE(has_id(&st, in_prod));
  vxh_raw_close(&st);
  free(prod);
  free(stag);
}

/* ?environment= scopes an admin stream to one environment; a client token
 * may only name its own. */
static void test_environment_parameter_scopes_a_stream(void) {
  CU_ASSERT_TRUE_FATAL(wait_gauge(0));
  vxh_raw s;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &s), 0);
  const char *req = "GET /api/v1/stream?environment=production HTTP/1.1\r\n"
                    "Host: x\r\nX-API-Key: " VXH_ADMIN_TOKEN "\r\n\r\n";
  CU_ASSERT_EQUAL_FATAL(vxh_raw_send(&s, req, strlen(req)), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(
      vxh_raw_wait(&s, ": connected at revision", 3000));
  create_flag(&d, "sse-scoped");
  toggle_in("sse-scoped", "sse-staging");
  long in_stag = revision(&d);
  toggle_in("sse-scoped", "production");
  long in_prod = revision(&d);
  char want[64];
  snprintf(want, sizeof want, "id: %ld\n", in_prod);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&s, want, 3000));
  CU_ASSERT_FALSE(has_id(&s, in_stag));
  vxh_raw_close(&s);

  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&d, "GET", "/api/v1/stream?environment=mars",
                              VXH_ADMIN_TOKEN, NULL, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 404);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                         "ENVIRONMENT_NOT_FOUND");
  vxh_resp_free(&r);
  char *prod = client_secret("sse-scope", "production", NULL);
  CU_ASSERT_EQUAL(vxh_request(&d, "GET",
                              "/api/v1/stream?environment=sse-staging", prod,
                              NULL, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 403);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                         "FORBIDDEN");
  vxh_resp_free(&r);
  free(prod);
}

/* Streams never hold up SIGTERM: default keep-alive (15 s), streams open,
 * exit 0 within 2 s, and the streams are closed. */
static void test_sigterm_with_open_streams_exits_promptly(void) {
  vxh_daemon t;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&t, NULL), 0);
  vxh_raw s[3];
  for (int i = 0; i < 3; i++)
    CU_ASSERT_EQUAL_FATAL(open_stream(&t, &s[i], VXH_ADMIN_TOKEN, NULL), 0);
  long t0 = now_ms();
  CU_ASSERT_EQUAL(vxh_stop(&t, false), 0);
  long took = now_ms() - t0;
  if (took >= 2000)
    fprintf(stderr, "SIGTERM took %ld ms\n", took);
  CU_ASSERT_TRUE(took < 2000);
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(vxh_raw_wait_closed(&s[i], 1000), 1);
    vxh_raw_close(&s[i]);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_stream_is_an_event_stream),
      VX_TEST(test_stream_needs_a_token),
      VX_TEST(test_client_token_may_stream),
      VX_TEST(test_change_sends_an_event_with_the_keys),
      VX_TEST(test_last_event_id_replays_what_was_missed),
      VX_TEST(test_unknown_last_event_id_gets_a_reset),
      VX_TEST(test_a_huge_change_is_sent_as_a_reset),
      VX_TEST(test_keep_alive_comments_arrive),
      VX_TEST(test_max_streams_is_enforced),
      VX_TEST(test_open_evaluation_streams_without_token),
      VX_TEST(test_revoking_a_token_ends_its_stream_at_once),
      VX_TEST(test_client_stream_carries_only_its_environment),
      VX_TEST(test_environment_parameter_scopes_a_stream),
      VX_TEST(test_sigterm_with_open_streams_exits_promptly),
      {NULL, NULL}};
  return vx_test_main("http/sse", tests, suite_init, suite_cleanup);
}
