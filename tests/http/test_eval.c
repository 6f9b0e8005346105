/*
 * The evaluation API against a real vexild (daemon/http_eval.c): OFREP
 * single and bulk evaluation with their exact shapes, ETag and
 * If-None-Match, per-flag errors, 400/401/404 errors in OFREP's shape,
 * X-API-Key and Bearer, client tokens bound to their environment, the
 * admin's ?environment=, open evaluation, and the native endpoints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;
static char prod_token[128];    /* client token of production */
static char staging_token[128]; /* client token of staging */

#define ADMIN VXH_ADMIN_TOKEN

static const char *production_state =
    "{\"version\": 1, \"features\": ["
    " {\"name\": \"checkout\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}]},"
    " {\"name\": \"beta\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"userWithId\","
    "   \"parameters\": {\"userIds\": \"alice,carol\"}}]},"
    " {\"name\": \"country-gate\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\", \"constraints\": ["
    "   {\"contextName\": \"country\", \"operator\": \"IN\","
    "    \"values\": [\"NO\"]}]}]},"
    " {\"name\": \"killed\", \"enabled\": false,"
    "  \"strategies\": [{\"name\": \"default\"}]},"
    " {\"name\": \"banner\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}],"
    "  \"variants\": [{\"name\": \"spring\", \"weight\": 1000,"
    "   \"payload\": {\"type\": \"string\", \"value\": \"Spring sale\"}}]},"
    " {\"name\": \"limit\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}],"
    "  \"variants\": [{\"name\": \"ten\", \"weight\": 1000,"
    "   \"payload\": {\"type\": \"number\", \"value\": \"10\"}}]},"
    " {\"name\": \"theme\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}],"
    "  \"variants\": [{\"name\": \"dark\", \"weight\": 1000,"
    "   \"payload\": {\"type\": \"json\","
    "    \"value\": \"{\\\"bg\\\": \\\"#000\\\", \\\"size\\\": 2}\"}}]},"
    " {\"name\": \"ab\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}],"
    "  \"variants\": ["
    "   {\"name\": \"a\", \"weight\": 500,"
    "    \"payload\": {\"type\": \"string\", \"value\": \"A\"}},"
    "   {\"name\": \"b\", \"weight\": 500,"
    "    \"payload\": {\"type\": \"string\", \"value\": \"B\"}}]}"
    "]}";
/* Every flag exists in every environment (switched off where it has no
 * state): 8 of production's and staging-only. */
#define ALL_FLAGS 9

static const char *staging_state =
    "{\"version\": 1, \"features\": ["
    " {\"name\": \"checkout\", \"enabled\": false,"
    "  \"strategies\": [{\"name\": \"default\"}]},"
    " {\"name\": \"staging-only\", \"enabled\": true, \"strategies\": []}"
    "]}";

/* An admin request outside a test (no CUnit assertions): the JSON body
 * when the status is the expected one, else NULL after printing it. */
static json_t *setup_admin(const vxh_daemon *dd, const char *method,
                           const char *path, const char *body, long status) {
  vxh_resp r;
  if (vxh_request(dd, method, path, ADMIN, body, NULL, &r) != 0)
    return NULL;
  json_t *j = NULL;
  if (r.status == status)
    j = r.json != NULL ? json_incref(r.json) : json_object();
  else
    fprintf(stderr, "%s %s: %ld (wanted %ld): %s\n", method, path, r.status,
            status, r.body != NULL ? r.body : "");
  vxh_resp_free(&r);
  return j;
}

static void copy_secret(json_t *token, char *out, size_t len) {
  const char *s = json_string_value(json_object_get(token, "secret"));
  snprintf(out, len, "%s", s != NULL ? s : "");
  json_decref(token);
}

static int suite_init(void) {
  if (vxh_start(&d, NULL) != 0)
    return -1;
  json_t *ok[3] = {
      setup_admin(&d, "POST", "/api/v1/admin/environments",
                  "{\"name\": \"staging\"}", 201),
      setup_admin(&d, "POST",
                  "/api/v1/admin/import?format=unleash&environment="
                  "production&mode=replace",
                  production_state, 200),
      setup_admin(&d, "POST",
                  "/api/v1/admin/import?format=unleash&environment="
                  "staging&mode=replace",
                  staging_state, 200)};
  for (int i = 0; i < 3; i++) {
    if (ok[i] == NULL)
      return -1;
    json_decref(ok[i]);
  }
  copy_secret(setup_admin(&d, "POST", "/api/v1/admin/tokens",
                          "{\"name\": \"svc-prod\", \"role\": \"client\","
                          " \"environment\": \"production\"}",
                          201),
              prod_token, sizeof prod_token);
  copy_secret(setup_admin(&d, "POST", "/api/v1/admin/tokens",
                          "{\"name\": \"svc-staging\", \"role\": \"client\","
                          " \"environment\": \"staging\"}",
                          201),
              staging_token, sizeof staging_token);
  return prod_token[0] && staging_token[0] ? 0 : -1;
}

static int suite_clean(void) {
  return vxh_stop(&d, false) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ helpers */

/* POST path with body; token NULL for none; asserts the status and
 * returns the response (free it). */
static vxh_resp post_as(const vxh_daemon *dd, const char *path,
                        const char *token, const char *body,
                        const char *const *headers, long status) {
  vxh_resp r;
  memset(&r, 0, sizeof r);
  CU_ASSERT_EQUAL_FATAL(vxh_request(dd, "POST", path, token, body, headers, &r),
                        0);
  if (r.status != status)
    fprintf(stderr, "POST %s: %ld (wanted %ld): %s\n", path, r.status, status,
            r.body != NULL ? r.body : "");
  CU_ASSERT_EQUAL(r.status, status);
  return r;
}

static vxh_resp post(const char *path, const char *token, const char *body,
                     long status) {
  return post_as(&d, path, token, body, NULL, status);
}

static const char *str_of(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* The item of a bulk answer for key, or NULL. */
static json_t *bulk_item(const json_t *answer, const char *key) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(answer, "flags"), i, it) {
    const char *k = str_of(it, "key");
    if (k != NULL && strcmp(k, key) == 0)
      return it;
  }
  return NULL;
}

/* Asserts an OFREP error body: errorCode, and key when given. */
static void assert_ofrep_error(const vxh_resp *r, const char *key,
                               const char *code) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
  CU_ASSERT_STRING_EQUAL(str_of(r->json, "errorCode"), code);
  CU_ASSERT_TRUE(json_is_string(json_object_get(r->json, "errorDetails")));
  if (key != NULL)
    CU_ASSERT_STRING_EQUAL(str_of(r->json, "key"), key);
  CU_ASSERT_PTR_NULL(json_object_get(r->json, "value"));
}

#define ONE "/ofrep/v1/evaluate/flags/"
#define BULK "/ofrep/v1/evaluate/flags"

/* ------------------------------------------------------- OFREP single */

static void test_ofrep_boolean_flag_answers_true_static(void) {
  vxh_resp r = post(ONE "checkout", prod_token,
                    "{\"context\": {\"targetingKey\": \"u-1\"}}", 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "key"), "checkout");
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "STATIC");
  json_t *meta = json_object_get(r.json, "metadata");
  CU_ASSERT_TRUE(json_is_integer(json_object_get(meta, "revision")));
  char ct[128];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "Content-Type", ct, sizeof ct));
  CU_ASSERT_PTR_NOT_NULL(strstr(ct, "application/json"));
  vxh_resp_free(&r);
}

static void test_ofrep_values_are_typed_by_payload(void) {
  vxh_resp r = post(ONE "banner", prod_token, "{\"context\": {}}", 200);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "value"), "Spring sale");
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "variant"), "spring");
  vxh_resp_free(&r);
  r = post(ONE "limit", prod_token, "{\"context\": {}}", 200);
  CU_ASSERT_TRUE(json_is_integer(json_object_get(r.json, "value")));
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "value")), 10);
  vxh_resp_free(&r);
  r = post(ONE "theme", prod_token, "{\"context\": {}}", 200);
  json_t *want = json_loads("{\"bg\": \"#000\", \"size\": 2}", 0, NULL);
  CU_ASSERT_TRUE(json_equal(json_object_get(r.json, "value"), want));
  json_decref(want);
  vxh_resp_free(&r);
}

static void test_ofrep_targeting_match_and_default(void) {
  vxh_resp r = post(ONE "beta", prod_token,
                    "{\"context\": {\"targetingKey\": \"alice\"}}", 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "TARGETING_MATCH");
  vxh_resp_free(&r);
  /* userId wins over targetingKey. */
  r = post(ONE "beta", prod_token,
           "{\"context\": {\"targetingKey\": \"alice\", \"userId\": \"bob\"}}",
           200);
  CU_ASSERT_TRUE(json_is_false(json_object_get(r.json, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "DEFAULT");
  vxh_resp_free(&r);
  /* Other top-level keys are properties. */
  r = post(ONE "country-gate", prod_token,
           "{\"context\": {\"targetingKey\": \"x\", \"country\": \"NO\"}}",
           200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "TARGETING_MATCH");
  vxh_resp_free(&r);
}

static void test_ofrep_disabled_flag_answers_false_disabled(void) {
  vxh_resp r = post(ONE "killed", prod_token,
                    "{\"context\": {\"targetingKey\": \"u\"}}", 200);
  CU_ASSERT_TRUE(json_is_false(json_object_get(r.json, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "DISABLED");
  vxh_resp_free(&r);
}

static void test_ofrep_missing_flag_is_404_flag_not_found(void) {
  vxh_resp r = post(ONE "no-such-flag", prod_token, "{\"context\": {}}", 404);
  assert_ofrep_error(&r, "no-such-flag", "FLAG_NOT_FOUND");
  vxh_resp_free(&r);
}

static void test_ofrep_malformed_json_is_parse_error(void) {
  /* OFREP's failure shape names the flag on the single-flag route. */
  vxh_resp r = post(ONE "checkout", prod_token, "{\"context\": {", 400);
  assert_ofrep_error(&r, "checkout", "PARSE_ERROR");
  vxh_resp_free(&r);
  r = post(BULK, prod_token, "nope", 400);
  assert_ofrep_error(&r, NULL, "PARSE_ERROR");
  CU_ASSERT_PTR_NULL(json_object_get(r.json, "key"));
  vxh_resp_free(&r);
}

static void test_ofrep_bad_context_is_invalid_context(void) {
  vxh_resp r = post(ONE "checkout", prod_token,
                    "{\"context\": {\"targetingKey\": \"u\","
                    " \"address\": {\"city\": \"Oslo\"}}}",
                    400);
  assert_ofrep_error(&r, "checkout", "INVALID_CONTEXT");
  CU_ASSERT_PTR_NOT_NULL(
      strstr(str_of(r.json, "errorDetails"), "context.address"));
  vxh_resp_free(&r);
  r = post(ONE "checkout", prod_token, "{\"context\": \"u-1\"}", 400);
  assert_ofrep_error(&r, "checkout", "INVALID_CONTEXT");
  vxh_resp_free(&r);
  r = post(ONE "checkout", prod_token, "[1]", 400);
  assert_ofrep_error(&r, "checkout", "INVALID_CONTEXT");
  vxh_resp_free(&r);
}

static void test_ofrep_no_context_is_the_empty_context(void) {
  vxh_resp r = post(ONE "checkout", prod_token, "{}", 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  vxh_resp_free(&r);
  r = post(ONE "checkout", prod_token, NULL, 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  vxh_resp_free(&r);
}

static void test_ofrep_variant_split_needs_a_targeting_key(void) {
  vxh_resp r =
      post(ONE "ab", prod_token, "{\"context\": {\"plan\": \"x\"}}", 400);
  assert_ofrep_error(&r, "ab", "TARGETING_KEY_MISSING");
  vxh_resp_free(&r);
  r = post(ONE "ab", prod_token, "{\"context\": {\"targetingKey\": \"u-7\"}}",
           200);
  const char *v = str_of(r.json, "value");
  CU_ASSERT_TRUE(v != NULL && (strcmp(v, "A") == 0 || strcmp(v, "B") == 0));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "SPLIT");
  vxh_resp_free(&r);
}

static void test_ofrep_wrong_method_is_405(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", ONE "checkout", prod_token, NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 405);
  CU_ASSERT_PTR_NOT_NULL(json_object_get(r.json, "errorCode"));
  vxh_resp_free(&r);
}

static void test_keys_that_are_not_utf8_get_json_errors(void) {
  vxh_resp r = post(ONE "%FF%FEx", prod_token, "{\"context\": {}}", 404);
  assert_ofrep_error(&r, NULL, "FLAG_NOT_FOUND");
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "key"), "\xef\xbf\xbd\xef\xbf\xbdx");
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate/%FF", prod_token, "{}", 404);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "FLAG_NOT_FOUND");
  vxh_resp_free(&r);
  r = post(BULK "?environment=%FF", ADMIN, "{}", 400);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "errorCode"), "GENERAL");
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate?environment=%FF", ADMIN, "{}", 404);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "ENVIRONMENT_NOT_FOUND");
  vxh_resp_free(&r);
  r = post(BULK "?environment=%FF", staging_token, "{}", 403);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "errorCode"), "FORBIDDEN");
  vxh_resp_free(&r);
}

/* --------------------------------------------------------------- auth */

static void test_ofrep_needs_a_token(void) {
  vxh_resp r = post(ONE "checkout", NULL, "{\"context\": {}}", 401);
  assert_ofrep_error(&r, NULL, "UNAUTHORIZED");
  vxh_resp_free(&r);
  r = post(ONE "checkout", "not-a-token", "{\"context\": {}}", 401);
  assert_ofrep_error(&r, NULL, "UNAUTHORIZED");
  vxh_resp_free(&r);
  r = post(BULK, NULL, "{\"context\": {}}", 401);
  assert_ofrep_error(&r, NULL, "UNAUTHORIZED");
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate/checkout", NULL, "{\"context\": {}}", 401);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "UNAUTHORIZED");
  vxh_resp_free(&r);
}

static void test_bearer_and_x_api_key_are_both_accepted(void) {
  char bearer[200];
  snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", prod_token);
  const char *hdrs[] = {bearer, NULL};
  vxh_resp r =
      post_as(&d, ONE "checkout", NULL, "{\"context\": {}}", hdrs, 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  vxh_resp_free(&r);
  r = post_as(&d, BULK, NULL, "{\"context\": {}}", hdrs, 200);
  vxh_resp_free(&r);
  r = post(ONE "checkout", ADMIN, "{\"context\": {}}", 200);
  vxh_resp_free(&r);
  const char *bad[] = {"Authorization: Bearer wrong", NULL};
  r = post_as(&d, ONE "checkout", NULL, "{\"context\": {}}", bad, 401);
  vxh_resp_free(&r);
}

/* --------------------------------------------------------------- bulk */

static void test_ofrep_bulk_answers_every_flag(void) {
  vxh_resp r = post(BULK, prod_token,
                    "{\"context\": {\"targetingKey\": \"alice\"}}", 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "flags")), ALL_FLAGS);
  json_t *it = bulk_item(r.json, "checkout");
  CU_ASSERT_TRUE(json_is_true(json_object_get(it, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(it, "reason"), "STATIC");
  it = bulk_item(r.json, "beta");
  CU_ASSERT_STRING_EQUAL(str_of(it, "reason"), "TARGETING_MATCH");
  it = bulk_item(r.json, "killed");
  CU_ASSERT_TRUE(json_is_false(json_object_get(it, "value")));
  CU_ASSERT_STRING_EQUAL(str_of(it, "reason"), "DISABLED");
  it = bulk_item(r.json, "limit");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(it, "value")), 10);
  it = bulk_item(r.json, "ab");
  CU_ASSERT_PTR_NOT_NULL(json_object_get(it, "value"));
  char etag[128];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "ETag", etag, sizeof etag));
  CU_ASSERT_EQUAL(etag[0], '"');
  /* The flag set's metadata and the change stream, as OFREP says. */
  json_t *meta = json_object_get(r.json, "metadata");
  CU_ASSERT_TRUE(json_is_integer(json_object_get(meta, "revision")));
  CU_ASSERT_STRING_EQUAL(str_of(meta, "environment"), "production");
  json_t *streams = json_object_get(r.json, "eventStreams");
  CU_ASSERT_EQUAL(json_array_size(streams), 1);
  json_t *s = json_array_get(streams, 0);
  CU_ASSERT_STRING_EQUAL(str_of(s, "type"), "sse");
  CU_ASSERT_PTR_NULL(json_object_get(s, "url"));
  json_t *ep = json_object_get(s, "endpoint");
  CU_ASSERT_EQUAL(str_of(ep, "requestUri")[0], '/');
  CU_ASSERT_PTR_NOT_NULL(strstr(str_of(ep, "requestUri"), "/api/v1/stream"));
  CU_ASSERT_TRUE(json_integer_value(json_object_get(s, "inactivityDelaySec")) >=
                 1);
  vxh_resp_free(&r);
}

static void test_ofrep_bulk_carries_per_flag_errors(void) {
  vxh_resp r =
      post(BULK, prod_token, "{\"context\": {\"plan\": \"free\"}}", 200);
  json_t *it = bulk_item(r.json, "ab");
  CU_ASSERT_PTR_NOT_NULL_FATAL(it);
  CU_ASSERT_STRING_EQUAL(str_of(it, "errorCode"), "TARGETING_KEY_MISSING");
  CU_ASSERT_TRUE(json_is_string(json_object_get(it, "errorDetails")));
  CU_ASSERT_PTR_NULL(json_object_get(it, "value"));
  /* The others are answered. */
  it = bulk_item(r.json, "checkout");
  CU_ASSERT_TRUE(json_is_true(json_object_get(it, "value")));
  vxh_resp_free(&r);
}

static void test_ofrep_bulk_bad_context_fails_whole(void) {
  vxh_resp r = post(BULK, prod_token, "{\"context\": {\"tags\": [1]}}", 400);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "errorCode"), "INVALID_CONTEXT");
  CU_ASSERT_PTR_NULL(json_object_get(r.json, "flags"));
  vxh_resp_free(&r);
}

static void test_ofrep_bulk_etag_gives_304_until_something_changes(void) {
  const char *body = "{\"context\": {\"targetingKey\": \"carol\"}}";
  vxh_resp r = post(BULK, prod_token, body, 200);
  char etag[128], hdr[160];
  CU_ASSERT_PTR_NOT_NULL_FATAL(vxh_header(&r, "ETag", etag, sizeof etag));
  vxh_resp_free(&r);

  snprintf(hdr, sizeof hdr, "If-None-Match: %s", etag);
  const char *inm[] = {hdr, NULL};
  r = post_as(&d, BULK, prod_token, body, inm, 304);
  CU_ASSERT_EQUAL(r.len, 0);
  char again[128];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "ETag", again, sizeof again));
  CU_ASSERT_STRING_EQUAL(again, etag);
  vxh_resp_free(&r);

  /* Another context: another ETag, a full answer. */
  r = post_as(&d, BULK, prod_token,
              "{\"context\": {\"targetingKey\": \"dan\"}}", inm, 200);
  char other[128];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "ETag", other, sizeof other));
  CU_ASSERT_STRING_NOT_EQUAL(other, etag);
  vxh_resp_free(&r);

  /* A change: the same context gets a full answer and a new ETag. */
  json_decref(vxh_admin(&d, "POST",
                        "/api/v1/admin/flags/killed/environments/production/on",
                        NULL, 200));
  r = post_as(&d, BULK, prod_token, body, inm, 200);
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "ETag", other, sizeof other));
  CU_ASSERT_STRING_NOT_EQUAL(other, etag);
  json_t *it = bulk_item(r.json, "killed");
  CU_ASSERT_TRUE(json_is_true(json_object_get(it, "value")));
  vxh_resp_free(&r);
  json_decref(vxh_admin(
      &d, "POST", "/api/v1/admin/flags/killed/environments/production/off",
      NULL, 200));
}

/* -------------------------------------------------------- environments */

static void test_client_token_is_bound_to_its_environment(void) {
  vxh_resp r = post(ONE "checkout", staging_token, "{\"context\": {}}", 200);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "DISABLED");
  vxh_resp_free(&r);
  r = post(ONE "staging-only", staging_token, "{\"context\": {}}", 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  vxh_resp_free(&r);
  r = post(ONE "staging-only", prod_token, "{\"context\": {}}", 200);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "DISABLED");
  vxh_resp_free(&r);
  r = post(ONE "checkout?environment=production", staging_token,
           "{\"context\": {}}", 403);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "errorCode"), "FORBIDDEN");
  vxh_resp_free(&r);
  /* Its own environment by name is fine. */
  r = post(ONE "checkout?environment=staging", staging_token,
           "{\"context\": {}}", 200);
  vxh_resp_free(&r);
  r = post(BULK, staging_token, "{\"context\": {}}", 200);
  CU_ASSERT_PTR_NOT_NULL(bulk_item(r.json, "staging-only"));
  CU_ASSERT_STRING_EQUAL(
      str_of(json_object_get(r.json, "metadata"), "environment"), "staging");
  vxh_resp_free(&r);
}

static void test_admin_token_chooses_the_environment(void) {
  vxh_resp r =
      post(ONE "checkout?environment=staging", ADMIN, "{\"context\": {}}", 200);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "DISABLED");
  vxh_resp_free(&r);
  r = post(ONE "checkout", ADMIN, "{\"context\": {}}", 200);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "STATIC");
  vxh_resp_free(&r);
  r = post(ONE "checkout?environment=nowhere", ADMIN, "{\"context\": {}}", 400);
  assert_ofrep_error(&r, "checkout", "GENERAL");
  vxh_resp_free(&r);
  r = post(BULK "?environment=nowhere", ADMIN, "{\"context\": {}}", 400);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "errorCode"), "GENERAL");
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate/checkout?environment=nowhere", ADMIN,
           "{\"context\": {}}", 404);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "ENVIRONMENT_NOT_FOUND");
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate?environment=staging", ADMIN, "{\"context\": {}}",
           200);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "environment"), "staging");
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "flags")), ALL_FLAGS);
  vxh_resp_free(&r);
}

/* -------------------------------------------------------------- native */

static void test_native_single_answers_a_decision_with_revision(void) {
  vxh_resp r = post("/api/v1/evaluate/banner", prod_token,
                    "{\"context\": {\"userId\": \"u-1\","
                    " \"properties\": {\"plan\": \"gold\"}}}",
                    200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "flag"), "banner");
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "enabled")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "STATIC");
  CU_ASSERT_TRUE(json_is_integer(json_object_get(r.json, "revision")));
  json_t *v = json_object_get(r.json, "variant");
  CU_ASSERT_STRING_EQUAL(str_of(v, "name"), "spring");
  CU_ASSERT_TRUE(json_is_true(json_object_get(v, "enabled")));
  CU_ASSERT_TRUE(json_is_true(json_object_get(v, "feature_enabled")));
  json_t *p = json_object_get(v, "payload");
  CU_ASSERT_STRING_EQUAL(str_of(p, "type"), "string");
  CU_ASSERT_STRING_EQUAL(str_of(p, "value"), "Spring sale");
  vxh_resp_free(&r);

  r = post("/api/v1/evaluate/beta", prod_token,
           "{\"context\": {\"userId\": \"carol\"}}", 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "enabled")));
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "reason"), "TARGETING_MATCH");
  CU_ASSERT_STRING_EQUAL(str_of(json_object_get(r.json, "variant"), "name"),
                         "disabled");
  vxh_resp_free(&r);

  /* The native API keeps Unleash's semantics: no identity, still a
   * variant. */
  r = post("/api/v1/evaluate/ab", prod_token, "{}", 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "enabled")));
  vxh_resp_free(&r);
}

static void test_native_errors(void) {
  vxh_resp r =
      post("/api/v1/evaluate/nope", prod_token, "{\"context\": {}}", 404);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "FLAG_NOT_FOUND");
  CU_ASSERT_TRUE(json_is_string(json_object_get(r.json, "message")));
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate/checkout", prod_token,
           "{\"context\": {\"properties\": [1]}}", 400);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "INVALID_CONTEXT");
  vxh_resp_free(&r);
  r = post("/api/v1/evaluate/checkout", prod_token, "{\"context\": ", 400);
  CU_ASSERT_STRING_EQUAL(str_of(r.json, "code"), "INVALID_JSON");
  vxh_resp_free(&r);
}

static void test_native_all_flags(void) {
  vxh_resp r = post("/api/v1/evaluate", prod_token,
                    "{\"context\": {\"userId\": \"alice\"}}", 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
  CU_ASSERT_TRUE(json_is_integer(json_object_get(r.json, "revision")));
  json_t *flags = json_object_get(r.json, "flags");
  CU_ASSERT_EQUAL(json_array_size(flags), ALL_FLAGS);
  size_t i;
  json_t *it;
  int seen = 0;
  json_array_foreach(flags, i, it) {
    CU_ASSERT_TRUE(json_is_string(json_object_get(it, "flag")));
    CU_ASSERT_TRUE(json_is_object(json_object_get(it, "variant")));
    if (strcmp(str_of(it, "flag"), "beta") == 0) {
      seen++;
      CU_ASSERT_TRUE(json_is_true(json_object_get(it, "enabled")));
    }
  }
  CU_ASSERT_EQUAL(seen, 1);
  vxh_resp_free(&r);
}

/* ----------------------------------------------------- open evaluation */

static void test_open_evaluation_needs_no_token(void) {
  vxh_daemon open;
  const char *args[] = {"--open-evaluation", NULL};
  CU_ASSERT_EQUAL_FATAL(vxh_start(&open, args), 0);
  json_decref(vxh_admin(&open, "POST",
                        "/api/v1/admin/import?format=unleash&environment="
                        "production&mode=replace",
                        production_state, 200));
  vxh_resp r =
      post_as(&open, ONE "checkout", NULL, "{\"context\": {}}", NULL, 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "value")));
  vxh_resp_free(&r);
  r = post_as(&open, BULK, NULL, "{\"context\": {}}", NULL, 200);
  vxh_resp_free(&r);
  r = post_as(&open, "/api/v1/evaluate/checkout", NULL, "{}", NULL, 200);
  vxh_resp_free(&r);
  /* A wrong token is still refused: its sender should learn it. */
  r = post_as(&open, ONE "checkout", "wrong", "{\"context\": {}}", NULL, 401);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(vxh_stop(&open, false), 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_ofrep_boolean_flag_answers_true_static),
      VX_TEST(test_ofrep_values_are_typed_by_payload),
      VX_TEST(test_ofrep_targeting_match_and_default),
      VX_TEST(test_ofrep_disabled_flag_answers_false_disabled),
      VX_TEST(test_ofrep_missing_flag_is_404_flag_not_found),
      VX_TEST(test_ofrep_malformed_json_is_parse_error),
      VX_TEST(test_ofrep_bad_context_is_invalid_context),
      VX_TEST(test_ofrep_no_context_is_the_empty_context),
      VX_TEST(test_ofrep_variant_split_needs_a_targeting_key),
      VX_TEST(test_ofrep_wrong_method_is_405),
      VX_TEST(test_keys_that_are_not_utf8_get_json_errors),
      VX_TEST(test_ofrep_needs_a_token),
      VX_TEST(test_bearer_and_x_api_key_are_both_accepted),
      VX_TEST(test_ofrep_bulk_answers_every_flag),
      VX_TEST(test_ofrep_bulk_carries_per_flag_errors),
      VX_TEST(test_ofrep_bulk_bad_context_fails_whole),
      VX_TEST(test_ofrep_bulk_etag_gives_304_until_something_changes),
      VX_TEST(test_client_token_is_bound_to_its_environment),
      VX_TEST(test_admin_token_chooses_the_environment),
      VX_TEST(test_native_single_answers_a_decision_with_revision),
      VX_TEST(test_native_errors),
      VX_TEST(test_native_all_flags),
      VX_TEST(test_open_evaluation_needs_no_token),
      {NULL, NULL}};
  return vx_test_main("http/eval", tests, suite_init, suite_clean);
}
