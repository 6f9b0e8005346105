/*
 * test_http_core.c - what every route shares (daemon/http.c), through a
 * real vexild: routing, JSON errors, methods, tokens, the body limit,
 * malformed requests, keep-alive, the access log, port 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;
static int up;

static int suite_init(void) {
  up = vxh_start(&d, NULL) == 0;
  return up ? 0 : 1;
}

static int suite_cleanup(void) {
  return up && vxh_stop(&d, false) != 0;
}

static const char *code_of(const vxh_resp *r) {
  return json_string_value(json_object_get(r->json, "code"));
}

static const char *message_of(const vxh_resp *r) {
  return json_string_value(json_object_get(r->json, "message"));
}

static void expect_error(const vxh_resp *r, long status, const char *code) {
  if (r->status != status || code_of(r) == NULL ||
      strcmp(code_of(r), code) != 0)
    fprintf(stderr, "expected %ld %s, got %ld %s\n", status, code, r->status,
            r->body);
  CU_ASSERT_EQUAL(r->status, status);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
  CU_ASSERT_STRING_EQUAL(code_of(r), code);
  CU_ASSERT_PTR_NOT_NULL(message_of(r));
  char ct[128];
  CU_ASSERT_PTR_NOT_NULL_FATAL(vxh_header(r, "Content-Type", ct, sizeof ct));
  CU_ASSERT_STRING_EQUAL(ct, "application/json");
}

static void test_unknown_path_is_a_json_404(void) {
  /* "/" is the web UI (tests/http/test_ui.c). */
  const char *paths[] = {"/index.html",
                         "/nope",
                         "/api/v1",
                         "/healthz/extra",
                         "/api/v1/openapi.json/x",
                         "/%2e%2e/etc/passwd"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    vxh_resp r;
    CU_ASSERT_EQUAL_FATAL(
        vxh_request(&d, "GET", paths[i], NULL, NULL, NULL, &r), 0);
    expect_error(&r, 404, "NOT_FOUND");
    CU_ASSERT_PTR_NULL(strstr(r.body, "<html"));
    vxh_resp_free(&r);
  }
}

static void test_wrong_method_is_405_with_allow(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "DELETE", "/healthz", NULL, NULL, NULL, &r), 0);
  expect_error(&r, 405, "METHOD_NOT_ALLOWED");
  char allow[64];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "Allow", allow, sizeof allow));
  CU_ASSERT_STRING_EQUAL(allow, "GET");
  vxh_resp_free(&r);

  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "PATCH", "/api/v1/admin/flags",
                                    VXH_ADMIN_TOKEN, "{}", NULL, &r),
                        0);
  expect_error(&r, 405, "METHOD_NOT_ALLOWED");
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "Allow", allow, sizeof allow));
  CU_ASSERT_PTR_NOT_NULL(strstr(allow, "GET"));
  CU_ASSERT_PTR_NOT_NULL(strstr(allow, "POST"));
  vxh_resp_free(&r);
}

static void test_admin_route_without_token_is_401(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/admin/flags", NULL, NULL, NULL, &r), 0);
  expect_error(&r, 401, "UNAUTHORIZED");
  char h[64];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "WWW-Authenticate", h, sizeof h));
  vxh_resp_free(&r);
}

static void test_unknown_token_is_401(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "GET", "/api/v1/admin/flags",
                                    "not-a-token", NULL, NULL, &r),
                        0);
  expect_error(&r, 401, "UNAUTHORIZED");
  vxh_resp_free(&r);
  const char *bearer[] = {"Authorization: Bearer not-a-token", NULL};
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/admin/flags", NULL, NULL, bearer, &r), 0);
  expect_error(&r, 401, "UNAUTHORIZED");
  vxh_resp_free(&r);
}

static void test_bearer_token_is_accepted(void) {
  const char *bearer[] = {"Authorization: Bearer " VXH_ADMIN_TOKEN, NULL};
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/admin/flags", NULL, NULL, bearer, &r), 0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  const char *lower[] = {"authorization: bearer " VXH_ADMIN_TOKEN, NULL};
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/admin/flags", NULL, NULL, lower, &r), 0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
}

static void test_client_token_on_admin_route_is_403(void) {
  json_t *t = vxh_admin(&d, "POST", "/api/v1/admin/tokens",
                        "{\"name\": \"svc-checkout\", \"role\": \"client\", "
                        "\"environment\": \"production\"}",
                        201);
  const char *secret = json_string_value(json_object_get(t, "secret"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(secret);
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/api/v1/admin/flags", secret, NULL, NULL, &r), 0);
  expect_error(&r, 403, "FORBIDDEN");
  vxh_resp_free(&r);
  json_decref(t);
}

static void test_malformed_json_is_400_with_position(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "POST", "/api/v1/admin/flags",
                                    VXH_ADMIN_TOKEN, "{\"key\": \n  tru}", NULL,
                                    &r),
                        0);
  expect_error(&r, 400, "INVALID_JSON");
  CU_ASSERT_PTR_NOT_NULL(strstr(message_of(&r), "line 2 column"));
  vxh_resp_free(&r);
}

static void test_duplicate_keys_are_refused(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "POST", "/api/v1/admin/flags", VXH_ADMIN_TOKEN,
                  "{\"key\": \"a\", \"key\": \"b\"}", NULL, &r),
      0);
  expect_error(&r, 400, "INVALID_JSON");
  CU_ASSERT_PTR_NOT_NULL(strstr(message_of(&r), "line 1 column"));
  vxh_resp_free(&r);
}

/* A flag document of exactly len bytes (padding in the description). */
static char *flag_body(const char *key, size_t len) {
  char *b = malloc(len + 1);
  if (b == NULL)
    abort();
  int n = snprintf(b, len + 1, "{\"key\":\"%s\",\"description\":\"", key);
  memset(b + n, 'x', len - (size_t)n - 2);
  memcpy(b + len - 2, "\"}", 3);
  return b;
}

static void test_body_over_the_limit_is_413(void) {
  setenv("VEXIL_BODY_LIMIT", "1024", 1);
  vxh_daemon small;
  int started = vxh_start(&small, NULL);
  unsetenv("VEXIL_BODY_LIMIT");
  CU_ASSERT_EQUAL_FATAL(started, 0);

  /* At the limit: accepted. One byte more: 413 (Content-Length). */
  char *ok = flag_body("at-limit", 1024);
  json_decref(vxh_admin(&small, "POST", "/api/v1/admin/flags", ok, 201));
  free(ok);
  char *big = flag_body("over-limit", 1025);
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&small, "POST", "/api/v1/admin/flags",
                                    VXH_ADMIN_TOKEN, big, NULL, &r),
                        0);
  expect_error(&r, 413, "BODY_TOO_LARGE");
  vxh_resp_free(&r);
  free(big);

  /* Chunked, without a length: 413 as well. */
  const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
  big = flag_body("chunked", 5000);
  CU_ASSERT_EQUAL_FATAL(vxh_request(&small, "POST", "/api/v1/admin/flags",
                                    VXH_ADMIN_TOKEN, big, chunked, &r),
                        0);
  expect_error(&r, 413, "BODY_TOO_LARGE");
  vxh_resp_free(&r);
  free(big);
  ok = flag_body("chunked-ok", 900);
  CU_ASSERT_EQUAL_FATAL(vxh_request(&small, "POST", "/api/v1/admin/flags",
                                    VXH_ADMIN_TOKEN, ok, chunked, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 201);
  vxh_resp_free(&r);
  free(ok);

  /* A large body is refused at once, not read: 16 MiB over a raw socket,
   * the answer comes before the body is sent. */
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&small, &raw), 0);
  const char *head = "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
                     "X-API-Key: " VXH_ADMIN_TOKEN "\r\n"
                     "Content-Length: 16777216\r\n\r\n{\"key\":";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, head, strlen(head)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "HTTP/1.1 413", 5000));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "BODY_TOO_LARGE", 5000));
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(&raw, 5000), 1);
  vxh_raw_close(&raw);

  /* Still serving. */
  CU_ASSERT_EQUAL(vxh_request(&small, "GET", "/healthz", NULL, NULL, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(vxh_stop(&small, false), 0);
}

static void test_malformed_requests_get_json_not_html(void) {
  const char *bad[] = {
      "GARBAGE\r\n\r\n",
      "GET /healthz HTTP/9.9\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    vxh_raw raw;
    CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
    vxh_raw_send(&raw, bad[i], strlen(bad[i]));
    vxh_raw_wait_closed(&raw, 3000);
    CU_ASSERT_TRUE(raw.len > 0);
    if (raw.len > 0) {
      CU_ASSERT_PTR_NULL(strstr(raw.buf, "<html"));
      CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "application/json"));
      CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "\"code\""));
    }
    vxh_raw_close(&raw);
  }
  /* Headers far too large: civetweb answers a head over 16 KiB with the
   * 400 of a malformed one; the message says which. */
  static char huge[100064];
  static const char start[] = "GET /healthz HTTP/1.1\r\nX-Big: ";
  memcpy(huge, start, sizeof start - 1);
  memset(huge + sizeof start - 1, 'a', 100000);
  memcpy(huge + sizeof start - 1 + 100000, "\r\n\r\n", 5);
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  vxh_raw_send(&raw, huge, strlen(huge));
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(&raw, 3000), 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(raw.buf);
  CU_ASSERT_PTR_NULL(strstr(raw.buf, "<html"));
  CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "HTTP/1.1 400"));
  CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "\"code\":\"BAD_REQUEST\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "16 KiB"));
  vxh_raw_close(&raw);
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&d, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
}

/* A client that reuses an idle connection just as the daemon closes it
 * loses a request: answers say how long the daemon keeps it, and it does
 * close it then. */
static void test_kept_alive_answers_say_when_the_connection_closes(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, req, strlen(req)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "{\"status\":\"ok\"}", 3000));
  CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "\r\nKeep-Alive: timeout=1\r\n"));
  /* Idle: closed by the daemon after that second (and well before 5). */
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(&raw, 5000), 1);
  vxh_raw_close(&raw);
  /* An answer that closes says so, and no Keep-Alive. */
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *close = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      "Connection: close\r\n\r\n";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, close, strlen(close)), 0);
  CU_ASSERT_EQUAL(vxh_raw_wait_closed(&raw, 3000), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(raw.buf, "\r\nConnection: close\r\n"));
  CU_ASSERT_PTR_NULL(strstr(raw.buf, "Keep-Alive"));
  vxh_raw_close(&raw);
}

static void test_keep_alive_serves_several_requests(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&d, &raw), 0);
  const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(vxh_raw_send(&raw, req, strlen(req)), 0);
    CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "{\"status\":\"ok\"}", 3000));
  }
  /* HEAD: GET's headers, no body, so the next answer is read right. */
  const char *head = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, head, strlen(head)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "Content-Length: 15\r\n", 3000));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "\r\n\r\n", 3000));
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, req, strlen(req)), 0);
  const char *next = vxh_raw_wait(&raw, "HTTP/1.1 200 OK\r\n", 3000);
  CU_ASSERT_PTR_NOT_NULL_FATAL(next);
  CU_ASSERT_EQUAL(strncmp(next - 4, "\r\n\r\n", 4), 0); /* no body before */
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "{\"status\":\"ok\"}", 3000));
  /* And a 404 and an error after the body was read keep the connection
   * too. */
  const char *nf = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, nf, strlen(nf)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "NOT_FOUND", 3000));
  const char *post = "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
                     "X-API-Key: " VXH_ADMIN_TOKEN "\r\n"
                     "Content-Length: 3\r\n\r\n{x}";
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, post, strlen(post)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "INVALID_JSON", 3000));
  CU_ASSERT_EQUAL(vxh_raw_send(&raw, req, strlen(req)), 0);
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "{\"status\":\"ok\"}", 3000));
  vxh_raw_close(&raw);
}

static int log_contains(const vxh_daemon *dm, const char *needle) {
  FILE *f = fopen(dm->log_path, "r");
  if (f == NULL)
    return 0;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f) != NULL)
    found = strstr(line, needle) != NULL;
  fclose(f);
  return found;
}

/* The line is written after the answer: wait for it a little. */
static int log_shows(const vxh_daemon *dm, const char *needle) {
  for (int i = 0; i < 100; i++) {
    if (log_contains(dm, needle))
      return 1;
    usleep(20000);
  }
  return 0;
}

static void test_access_log_has_one_line_per_request(void) {
  const char *args[] = {"--access-log", NULL};
  vxh_daemon a;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&a, args), 0);
  vxh_resp r;
  CU_ASSERT_EQUAL(
      vxh_request(&a, "GET", "/nope%0Ainjected", NULL, NULL, NULL, &r), 0);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(
      vxh_request(&a, "GET", "/nope%20spaced", NULL, NULL, NULL, &r), 0);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(vxh_request(&a, "GET", "/a%20b%00c", NULL, NULL, NULL, &r),
                  0);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(vxh_request(&a, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
  vxh_resp_free(&r);
  CU_ASSERT_TRUE(log_shows(&a, "GET /healthz 200 "));
  /* Refused (INVALID_PATH), and logged as it came; a decoded space is
   * escaped again. */
  CU_ASSERT_TRUE(log_shows(&a, "GET /nope%0Ainjected 400 "));
  CU_ASSERT_TRUE(log_shows(&a, "GET /nope%20spaced 404 "));
  CU_ASSERT_TRUE(log_shows(&a, "GET /a%20b%00c 400 "));
  CU_ASSERT_FALSE(log_contains(&a, "\ninjected"));
  CU_ASSERT_EQUAL(vxh_stop(&a, false), 0);
}

/* --listen 127.0.0.1:0 picks a free port; the banner says which. */
static void test_port_zero_binds_a_free_port(void) {
  char dir[] = "/tmp/vexil-port0-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char logp[300];
  snprintf(logp, sizeof logp, "%s/out.log", dir);
  pid_t pid = fork();
  if (pid == 0) {
    if (freopen(logp, "w", stdout) == NULL || dup2(1, 2) < 0)
      _exit(126);
    setenv("VEXIL_ADMIN_TOKEN", VXH_ADMIN_TOKEN, 1);
    execl(getenv("VX_VEXILD"), "vexild", "--listen", "127.0.0.1:0",
          "--data-dir", dir, "--plugin-dir", getenv("VX_PLUGIN_DIR"),
          (char *)NULL);
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 500 && port == 0; i++) {
    FILE *f = fopen(logp, "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
      const char *p = strstr(line, "listening on http://127.0.0.1:");
      if (p != NULL)
        port = atoi(p + strlen("listening on http://127.0.0.1:"));
    }
    if (f != NULL)
      fclose(f);
    if (port == 0)
      usleep(20000);
  }
  CU_ASSERT_TRUE(port > 0);
  if (port > 0) {
    vxh_daemon z = {.pid = pid, .port = port};
    snprintf(z.base, sizeof z.base, "http://127.0.0.1:%d", port);
    vxh_resp r;
    CU_ASSERT_EQUAL(vxh_request(&z, "GET", "/healthz", NULL, NULL, NULL, &r),
                    0);
    CU_ASSERT_EQUAL(r.status, 200);
    vxh_resp_free(&r);
  }
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
  CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_unknown_path_is_a_json_404),
      VX_TEST(test_wrong_method_is_405_with_allow),
      VX_TEST(test_admin_route_without_token_is_401),
      VX_TEST(test_unknown_token_is_401),
      VX_TEST(test_bearer_token_is_accepted),
      VX_TEST(test_client_token_on_admin_route_is_403),
      VX_TEST(test_malformed_json_is_400_with_position),
      VX_TEST(test_duplicate_keys_are_refused),
      VX_TEST(test_body_over_the_limit_is_413),
      VX_TEST(test_malformed_requests_get_json_not_html),
      VX_TEST(test_keep_alive_serves_several_requests),
      VX_TEST(test_kept_alive_answers_say_when_the_connection_closes),
      VX_TEST(test_access_log_has_one_line_per_request),
      VX_TEST(test_port_zero_binds_a_free_port),
      {NULL, NULL}};
  return vx_test_main("http/core", tests, suite_init, suite_cleanup);
}
