/*
 * Bounded parsers through a real vexild (daemon/json_limit.c, context.c,
 * the payload checks of service_flags.c): a small body nested deeper than
 * max_json_depth is a clean 400 on every route that reads JSON, and the
 * daemon keeps serving; the deepest body the largest setting allows is
 * safe on a worker's stack; a json payload nested too deep is refused on
 * writes and imports, and one already stored by an older version neither
 * stops the start nor crashes an evaluation; contexts are capped.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"
#include "vx_test.h"

#define ADMIN VXH_ADMIN_TOKEN

/* prefix, n '[' then n ']', suffix (malloc'ed). */
static char *nested(const char *prefix, size_t n, const char *suffix) {
  size_t p = strlen(prefix), s = strlen(suffix);
  char *b = malloc(p + 2 * n + s + 1);
  memcpy(b, prefix, p);
  memset(b + p, '[', n);
  memset(b + p + n, ']', n);
  memcpy(b + p + 2 * n, suffix, s + 1);
  return b;
}

static bool ready(const vxh_daemon *d) {
  vxh_resp r;
  if (vxh_request(d, "GET", "/readyz", NULL, NULL, NULL, &r) != 0)
    return false;
  bool ok = r.status == 200;
  vxh_resp_free(&r);
  return ok;
}

/* One request; asserts the status and, for a 400, the error code (native
 * "code" or OFREP "errorCode"), that the message names what it should,
 * and that the daemon still answers /readyz. */
static void expect(const vxh_daemon *d, const char *method, const char *path,
                   const char *body, long status, const char *code,
                   const char *says) {
  vxh_resp r;
  if (vxh_request(d, method, path, ADMIN, body, NULL, &r) != 0) {
    fprintf(stderr, "%s %s: no answer (the daemon died?)\n", method, path);
    CU_FAIL("no answer");
    return;
  }
  const char *got = json_string_value(json_object_get(r.json, "code"));
  const char *msg = json_string_value(json_object_get(r.json, "message"));
  if (got == NULL) {
    got = json_string_value(json_object_get(r.json, "errorCode"));
    msg = json_string_value(json_object_get(r.json, "errorDetails"));
  }
  bool ok = r.status == status &&
            (code == NULL || (got != NULL && strcmp(got, code) == 0)) &&
            (says == NULL || (msg != NULL && strstr(msg, says) != NULL));
  if (!ok)
    fprintf(stderr, "%s %s: wanted %ld %s, got %ld: %.300s\n", method, path,
            status, code ? code : "", r.status, r.body ? r.body : "");
  CU_ASSERT_TRUE(ok);
  vxh_resp_free(&r);
  CU_ASSERT_TRUE(ready(d));
}

/* Every route that reads a JSON body, with the code it answers. */
static const struct {
  const char *method, *path, *code;
} routes[] = {
    {"POST", "/ofrep/v1/evaluate/flags", "PARSE_ERROR"},
    {"POST", "/ofrep/v1/evaluate/flags/known", "PARSE_ERROR"},
    {"POST", "/api/v1/evaluate", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/evaluate/known", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/flags", "JSON_TOO_DEEP"},
    {"PUT", "/api/v1/admin/flags/known", "JSON_TOO_DEEP"},
    {"PATCH", "/api/v1/admin/flags/known", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/flags/known/environments/production/explain",
     "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/flags/known/environments/production/strategies",
     "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/import?format=native", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/import?format=unleash", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/segments", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/environments", "JSON_TOO_DEEP"},
    {"POST", "/api/v1/admin/tokens", "JSON_TOO_DEEP"},
};
#define N_ROUTES (sizeof routes / sizeof *routes)

/* The reproduction: under 2 KB, 800 levels, which ended vexild
 * with SIGSEGV on a worker's 100 KiB stack. */
static void test_a_deeply_nested_body_is_a_400_on_every_route(void) {
  json_decref(adm("PUT", "/api/v1/admin/flags/known",
                  "{\"key\": \"known\", \"environments\": {\"production\": "
                  "{\"enabled\": true}}}",
                  201));
  char *body = nested("{\"context\":{\"a\":", 800, "}}");
  for (size_t i = 0; i < N_ROUTES; i++)
    expect(&adm_d, routes[i].method, routes[i].path, body, 400, routes[i].code,
           "deeper than 64 levels");
  free(body);
  /* The message says where and which setting. */
  body = nested("{\"context\":\n{\"a\":", 63, "}}");
  expect(&adm_d, "POST", "/api/v1/evaluate/known", body, 400, "JSON_TOO_DEEP",
         "line 2 column 68: the JSON nests deeper than 64 levels, the limit "
         "(setting max_json_depth)");
  free(body);
  /* At the limit it is parsed: the native context ignores an unknown
   * top-level key, OFREP refuses an array. */
  body = nested("{\"context\":{\"a\":", 62, "}}");
  expect(&adm_d, "POST", "/api/v1/evaluate/known", body, 200, NULL, NULL);
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags/known", body, 400,
         "INVALID_CONTEXT", "context.a");
  free(body);
}

/* ---- the largest setting, at its limit, on every route */

/* 128 levels is the most max_json_depth allows: bodies, flag documents
 * holding such JSON, and the answers that carry them back all fit on a
 * worker's stack. */
static void test_the_largest_setting_is_safe_on_every_route(void) {
  vxh_daemon d;
  const char *args[] = {"--max-json-depth", "128", NULL};
  CU_ASSERT_FATAL(vxh_start(&d, args) == 0);
  char *body = nested("{\"context\":{\"a\":", 126, "}}");
  for (size_t i = 0; i < N_ROUTES; i++) {
    vxh_resp r;
    CU_ASSERT_EQUAL(vxh_request(&d, routes[i].method, routes[i].path, ADMIN,
                                body, NULL, &r),
                    0);
    CU_ASSERT(r.status >= 200 && r.status < 500);
    vxh_resp_free(&r);
    CU_ASSERT_TRUE(ready(&d));
  }
  free(body);
  /* A document as deep as a body may be: a payload given as a JSON value,
   * and a strategy member no plugin reads. Written, read back, audited,
   * exported, evaluated. */
  char *head = nested("{\"key\": \"deep\", \"type\": \"object\", "
                      "\"environments\": {\"production\": {\"enabled\": "
                      "true, \"strategies\": [{\"name\": \"default\", \"x\": ",
                      120,
                      "}], \"variants\": [{\"name\": \"v\", \"weight\": 1, "
                      "\"payload\": {\"type\": \"json\", \"value\": ");
  body = nested(head, 120, "}}]}}}");
  free(head);
  vxh_resp r;
  CU_ASSERT_EQUAL(
      vxh_request(&d, "PUT", "/api/v1/admin/flags/deep", ADMIN, body, NULL, &r),
      0);
  CU_ASSERT_EQUAL(r.status, 201);
  vxh_resp_free(&r);
  free(body);
  static const char *const reads[][2] = {
      {"GET", "/api/v1/admin/flags/deep"},
      {"GET", "/api/v1/admin/flags"},
      {"GET", "/api/v1/admin/audit"},
      {"GET", "/api/v1/admin/export"},
      {"POST", "/ofrep/v1/evaluate/flags/deep"},
      {"POST", "/ofrep/v1/evaluate/flags"},
      {"POST", "/api/v1/evaluate/deep"},
      {"POST", "/api/v1/admin/flags/deep/environments/production/explain"},
  };
  for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
    CU_ASSERT_EQUAL(vxh_request(&d, reads[i][0], reads[i][1], ADMIN,
                                reads[i][0][0] == 'P' ? "{}" : NULL, NULL, &r),
                    0);
    if (r.status != 200)
      fprintf(stderr, "%s %s: %ld %.200s\n", reads[i][0], reads[i][1], r.status,
              r.body ? r.body : "");
    CU_ASSERT_EQUAL(r.status, 200);
    vxh_resp_free(&r);
  }
  CU_ASSERT_TRUE(ready(&d));
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

/* ---- variant payloads */

/* A flag document with a json payload nested n levels, as a string. */
static char *payload_flag(const char *key, size_t n) {
  char prefix[256];
  snprintf(prefix, sizeof prefix,
           "{\"key\": \"%s\", \"type\": \"object\", \"environments\": "
           "{\"production\": {\"enabled\": true, \"strategies\": [{\"name\": "
           "\"default\"}], \"variants\": [{\"name\": \"v\", \"weight\": 1000, "
           "\"payload\": {\"type\": \"json\", \"value\": \"",
           key);
  return nested(prefix, n, "\"}}]}}}");
}

static void test_a_json_payload_nested_too_deep_is_refused(void) {
  char *ok = payload_flag("payload-ok", 64);
  json_decref(adm("PUT", "/api/v1/admin/flags/payload-ok", ok, 201));
  free(ok);
  /* About 230 levels crashed every OFREP evaluation once stored. */
  char *deep = payload_flag("payload-deep", 230);
  json_decref(adm_err("PUT", "/api/v1/admin/flags/payload-deep", ADMIN, deep,
                      NULL, 400, "VALIDATION_FAILED",
                      "environments.production.variants[0].payload.value"));
  free(deep);
  /* The lenient Unleash import refuses it too. */
  char *state = nested(
      "{\"features\": [{\"name\": \"payload-deep\", \"enabled\": true, "
      "\"strategies\": [{\"name\": \"default\", \"variants\": [{\"name\": "
      "\"v\", \"weight\": 1, \"payload\": {\"type\": \"json\", \"value\": \"",
      65, "\"}}]}]}]}");
  json_decref(adm_err(
      "POST", "/api/v1/admin/import?format=unleash&environment=production",
      ADMIN, state, NULL, 400, "VALIDATION_FAILED",
      "environments.production.strategies[0].variants[0].payload.value"));
  free(state);
  json_decref(adm_err("GET", "/api/v1/admin/flags/payload-deep", ADMIN, NULL,
                      NULL, 404, "NOT_FOUND", NULL));
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags/payload-ok", "{}", 200, NULL,
         NULL);
}

/* What an older version stored (it accepted about 230 levels): written
 * straight into SQLite. The daemon starts, warns, and serves the payload
 * as a JSON string of its text, single, bulk and native. */
static void
test_an_over_deep_payload_already_stored_neither_stops_nor_crashes(void) {
  vxh_daemon d;
  CU_ASSERT_FATAL(vxh_start(&d, NULL) == 0);
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&d, "PUT", "/api/v1/admin/flags/old", ADMIN,
                              "{\"key\": \"old\", \"type\": \"object\", "
                              "\"environments\": {\"production\": "
                              "{\"enabled\": true, \"strategies\": [{\"name\": "
                              "\"default\"}], \"variants\": [{\"name\": \"v\", "
                              "\"weight\": 1000, \"payload\": {\"type\": "
                              "\"json\", \"value\": \"[]\"}}]}}}",
                              NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 201);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL_FATAL(vxh_stop(&d, true), 0);

  char *text = nested("", 230, "");
  char db[400];
  snprintf(db, sizeof db, "%s/vexil.db", d.dir);
  sqlite3 *h;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &h), SQLITE_OK);
  sqlite3_stmt *s;
  CU_ASSERT_EQUAL_FATAL(
      sqlite3_prepare_v2(
          h,
          "UPDATE flag_states SET state = json_set(state, "
          "'$.variants[0].payload.value', ?1) WHERE flag = 'old'",
          -1, &s, NULL),
      SQLITE_OK);
  sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
  CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_DONE);
  CU_ASSERT_EQUAL(sqlite3_changes(h), 1);
  sqlite3_finalize(s);
  sqlite3_close(h);

  CU_ASSERT_FATAL(vxh_restart(&d, NULL) == 0);
  json_t *want = json_string(text);
  char *want_text = json_dumps(want, JSON_ENCODE_ANY);
  static const char *const paths[] = {"/ofrep/v1/evaluate/flags/old",
                                      "/ofrep/v1/evaluate/flags",
                                      "/api/v1/evaluate/old"};
  for (size_t i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(vxh_request(&d, "POST", paths[i], ADMIN,
                                "{\"context\": {\"targetingKey\": \"u\"}}",
                                NULL, &r),
                    0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(r.body != NULL ? strstr(r.body, want_text) : NULL);
    vxh_resp_free(&r);
  }
  CU_ASSERT_TRUE(ready(&d));
  /* The start said which flag and why. */
  FILE *f = fopen(d.log_path, "r");
  char line[2048];
  bool warned = false;
  while (f != NULL && fgets(line, sizeof line, f) != NULL)
    warned |= strstr(line, "flag old") != NULL &&
              strstr(line, "variants[0].payload.value nests deeper than 128 "
                           "levels") != NULL;
  if (f != NULL)
    fclose(f);
  CU_ASSERT_TRUE(warned);
  free(want_text);
  json_decref(want);
  free(text);
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

/* ---- context properties */

/* {"context": {"p0": "x", ...}} with n properties (malloc'ed). */
static char *wide_context(int n, bool nested_props) {
  size_t cap = 64 + (size_t)n * 16, o = 0;
  char *b = malloc(cap);
  o += (size_t)snprintf(b + o, cap - o,
                        "{\"context\": {%s\"targetingKey\": "
                        "\"u\"",
                        nested_props ? "\"properties\": {\"q\": 1}, " : "");
  for (int i = 0; i < n; i++)
    o += (size_t)snprintf(b + o, cap - o, ", \"p%d\": \"x\"", i);
  snprintf(b + o, cap - o, "}}");
  return b;
}

static void test_a_context_over_the_property_limit_is_refused(void) {
  char *ok = wide_context(256, false), *over = wide_context(256, true);
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags/known", ok, 200, NULL, NULL);
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags", ok, 200, NULL, NULL);
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags/known", over, 400,
         "INVALID_CONTEXT",
         "257 properties, more than the limit of 256 (setting "
         "max_context_properties)");
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags", over, 400,
         "INVALID_CONTEXT", "max_context_properties");
  free(ok);
  free(over);
  /* The native context: its properties object. */
  size_t cap = 16384, o = 0;
  char *native = malloc(cap);
  o +=
      (size_t)snprintf(native, cap, "{\"context\": {\"properties\": {\"a\": 0");
  for (int i = 0; i < 256; i++)
    o += (size_t)snprintf(native + o, cap - o, ", \"p%d\": %d", i, i);
  snprintf(native + o, cap - o, "}}}");
  expect(&adm_d, "POST", "/api/v1/evaluate/known", native, 400,
         "CONTEXT_TOO_LARGE", "257 properties");
  expect(&adm_d, "POST", "/api/v1/evaluate", native, 400, "CONTEXT_TOO_LARGE",
         NULL);
  expect(&adm_d, "POST",
         "/api/v1/admin/flags/known/environments/production/explain", native,
         400, "CONTEXT_TOO_LARGE", NULL);
  free(native);
}

/* Each flag reads a value again: with 1,000 flags testing a property, one
 * 1 MB value cost about 5 s of CPU in one bulk request. */
static void test_a_context_value_over_the_length_limit_is_refused(void) {
  char value[4100], body[4200];
  memset(value, 'v', 4097);
  value[4097] = '\0';
  const char *ofrep = "{\"context\": {\"targetingKey\": \"u\", \"email\": "
                      "\"%s\"}}";
  snprintf(body, sizeof body, ofrep, value + 1); /* 4096 bytes */
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags", body, 200, NULL, NULL);
  snprintf(body, sizeof body, ofrep, value);
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags/known", body, 400,
         "INVALID_CONTEXT",
         "context.email is 4097 bytes, more than the limit of 4096 (setting "
         "max_context_value_bytes)");
  expect(&adm_d, "POST", "/ofrep/v1/evaluate/flags", body, 400,
         "INVALID_CONTEXT", "max_context_value_bytes");
  snprintf(body, sizeof body, "{\"context\": {\"userId\": \"%s\"}}", value);
  expect(&adm_d, "POST", "/api/v1/evaluate/known", body, 400,
         "CONTEXT_TOO_LARGE", "context field userId is 4097 bytes");
  expect(&adm_d, "POST", "/api/v1/evaluate", body, 400, "CONTEXT_TOO_LARGE",
         NULL);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_a_deeply_nested_body_is_a_400_on_every_route),
      VX_TEST(test_the_largest_setting_is_safe_on_every_route),
      VX_TEST(test_a_json_payload_nested_too_deep_is_refused),
      VX_TEST(
          test_an_over_deep_payload_already_stored_neither_stops_nor_crashes),
      VX_TEST(test_a_context_over_the_property_limit_is_refused),
      VX_TEST(test_a_context_value_over_the_length_limit_is_refused),
      {NULL, NULL},
  };
  return vx_test_main("http/limits", tests, adm_suite_init, adm_suite_cleanup);
}
