/*
 * test_explain.c - POST /api/v1/admin/flags/{key}/environments/{env}/explain
 * (daemon/http_admin_explain.c) against a real vexild: the decision is the
 * native evaluation's, and the report says which strategy decided, which
 * constraint (or segment) failed with the context's value, and which
 * dependency is not met.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"
#include "vx_test.h"

#define FLAGS "/api/v1/admin/flags"
#define EXPLAIN(key) FLAGS "/" key "/environments/production/explain"

/* The flags of every test, made once through the admin API (inside a
 * test, since the helpers assert). */
static void seed(void) {
  static bool done;
  if (done)
    return;
  done = true;
  json_t *seg = adm("POST", "/api/v1/admin/segments",
                    "{\"name\": \"beta testers\", \"constraints\": "
                    "[{\"contextName\": \"beta\", \"operator\": \"IN\", "
                    "\"values\": [\"yes\"]}]}",
                    201);
  const char *id = adm_str(seg, "id");
  /* 1: Nordic countries with appVersion >= 2; 2: alice and bob. */
  json_decref(admf("POST", FLAGS, 201,
                   "{\"key\": \"banner\", \"environments\": {\"production\": "
                   "{\"enabled\": true, \"strategies\": ["
                   "{\"name\": \"default\", \"constraints\": ["
                   "{\"contextName\": \"country\", \"operator\": \"IN\", "
                   "\"values\": [\"NO\", \"SE\"]},"
                   "{\"contextName\": \"appVersion\", \"operator\": "
                   "\"SEMVER_GTE\", \"value\": \"2.0.0\"}]},"
                   "{\"name\": \"userWithId\", \"parameters\": {\"userIds\": "
                   "\"alice,bob\"}},"
                   "{\"name\": \"default\", \"segments\": [\"%s\"]}],"
                   "\"variants\": [{\"name\": \"red\", \"weight\": 1}]}}}",
                   id ? id : "1"));
  json_decref(seg);
  json_decref(adm("POST", FLAGS,
                  "{\"key\": \"child\", \"environments\": {\"production\": "
                  "{\"enabled\": true, \"dependencies\": [{\"feature\": "
                  "\"banner\"}]}}}",
                  201));
  json_decref(adm("POST", FLAGS,
                  "{\"key\": \"off\", \"environments\": {\"production\": "
                  "{\"enabled\": false}}}",
                  201));
}

static json_t *explain(const char *path, const char *context) {
  seed();
  char body[1024];
  snprintf(body, sizeof body, "{\"context\": %s}", context);
  return adm("POST", path, body, 200);
}

/* The native evaluation's answer, for comparison. */
static json_t *native(const char *key, const char *context) {
  char path[256], body[1024];
  snprintf(path, sizeof path, "/api/v1/evaluate/%s?environment=production",
           key);
  snprintf(body, sizeof body, "{\"context\": %s}", context);
  return adm("POST", path, body, 200);
}

static void test_explain_names_the_strategy_that_decided(void) {
  json_t *e = explain(EXPLAIN("banner"), "{\"userId\": \"alice\"}");
  CU_ASSERT_TRUE(json_is_true(adm_at(e, "enabled")));
  CU_ASSERT_EQUAL(adm_int(e, "strategy"), 1);
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[0].result"), "constraints");
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[1].result"), "on");
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[1].name"), "userWithId");
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[2].result"), "not_reached");
  CU_ASSERT_STRING_EQUAL(adm_str(e, "variant.name"), "red");
  CU_ASSERT_PTR_NOT_NULL(
      strstr(adm_str(e, "explanation"), "strategy 2 (userWithId) decided"));
  json_decref(e);
}

static void
test_explain_shows_which_constraint_failed_and_the_value_seen(void) {
  json_t *e = explain(EXPLAIN("banner"),
                      "{\"userId\": \"carol\", \"properties\": {\"country\": "
                      "\"NO\", \"appVersion\": \"1.9.0\"}}");
  CU_ASSERT_TRUE(json_is_false(adm_at(e, "enabled")));
  CU_ASSERT_TRUE(json_is_null(adm_at(e, "strategy")));
  CU_ASSERT_STRING_EQUAL(adm_str(e, "reason"), "DEFAULT");
  CU_ASSERT_TRUE(json_is_true(adm_at(e, "strategies[0].constraints[0].holds")));
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[0].constraints[0].actual"),
                         "NO");
  CU_ASSERT_TRUE(
      json_is_false(adm_at(e, "strategies[0].constraints[1].holds")));
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[0].constraints[1].actual"),
                         "1.9.0");
  /* userWithId's conditions held (it has none): its plugin said no. */
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[1].result"), "off");
  /* The segment's constraint is reported with the segment's name. */
  CU_ASSERT_STRING_EQUAL(adm_str(e, "strategies[2].constraints[0].segment"),
                         "beta testers");
  CU_ASSERT_TRUE(
      json_is_null(adm_at(e, "strategies[2].constraints[0].actual")));
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "explanation"), "none of its 3"));
  json_decref(e);
}

static void test_explain_gives_the_same_decision_as_native_evaluation(void) {
  const char *contexts[] = {
      "{}", "{\"userId\": \"bob\"}",
      "{\"userId\": \"zed\", \"properties\": {\"country\": \"SE\", "
      "\"appVersion\": \"2.1.0\"}}",
      "{\"userId\": \"zed\", \"properties\": {\"beta\": \"yes\"}}",
      "{\"properties\": {\"country\": \"DK\", \"appVersion\": \"3.0.0\"}}"};
  const char *keys[] = {"banner", "child", "off"};
  for (size_t k = 0; k < 3; k++) {
    char path[256];
    snprintf(path, sizeof path, FLAGS "/%s/environments/production/explain",
             keys[k]);
    for (size_t i = 0; i < sizeof contexts / sizeof *contexts; i++) {
      json_t *e = explain(path, contexts[i]);
      json_t *n = native(keys[k], contexts[i]);
      CU_ASSERT_TRUE(json_equal(adm_at(e, "enabled"), adm_at(n, "enabled")));
      CU_ASSERT_STRING_EQUAL(adm_str(e, "reason"), adm_str(n, "reason"));
      CU_ASSERT_TRUE(json_equal(adm_at(e, "variant"), adm_at(n, "variant")));
      json_decref(e);
      json_decref(n);
    }
  }
}

static void test_explain_reports_an_unmet_dependency(void) {
  json_t *e = explain(EXPLAIN("child"), "{\"userId\": \"carol\"}");
  CU_ASSERT_TRUE(json_is_false(adm_at(e, "enabled")));
  CU_ASSERT_STRING_EQUAL(adm_str(e, "dependencies[0].feature"), "banner");
  CU_ASSERT_TRUE(json_is_false(adm_at(e, "dependencies[0].parent_enabled")));
  CU_ASSERT_TRUE(json_is_false(adm_at(e, "dependencies[0].holds")));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(adm_str(e, "explanation"), "depends on banner"));
  json_decref(e);
  e = explain(EXPLAIN("child"), "{\"userId\": \"alice\"}");
  CU_ASSERT_TRUE(json_is_true(adm_at(e, "enabled")));
  CU_ASSERT_TRUE(json_is_true(adm_at(e, "dependencies[0].holds")));
  CU_ASSERT_STRING_EQUAL(adm_str(e, "dependencies[0].parent_variant"), "red");
  json_decref(e);
}

static void test_explain_says_a_switched_off_flag_is_off(void) {
  json_t *e = explain(EXPLAIN("off"), "{\"userId\": \"alice\"}");
  CU_ASSERT_STRING_EQUAL(adm_str(e, "reason"), "DISABLED");
  CU_ASSERT_PTR_NOT_NULL(
      strstr(adm_str(e, "explanation"), "switched off in production"));
  CU_ASSERT_STRING_EQUAL(adm_str(e, "environment"), "production");
  CU_ASSERT_TRUE(adm_int(e, "revision") > 0);
  json_decref(e);
}

static void test_explain_refuses_bad_requests_with_stable_codes(void) {
  seed();
  json_decref(adm_err("POST", EXPLAIN("nope"), VXH_ADMIN_TOKEN, "{}", NULL, 404,
                      "NOT_FOUND", "key"));
  json_decref(adm_err("POST", FLAGS "/banner/environments/nowhere/explain",
                      VXH_ADMIN_TOKEN, "{}", NULL, 404, "NOT_FOUND",
                      "environment"));
  json_decref(adm_err("POST", EXPLAIN("banner"), VXH_ADMIN_TOKEN,
                      "{\"context\": [1]}", NULL, 400, "INVALID_CONTEXT",
                      "context"));
  json_decref(adm_err("POST", EXPLAIN("banner"), VXH_ADMIN_TOKEN,
                      "{\"context\": {\"userId\": {\"a\": 1}}}", NULL, 400,
                      "INVALID_CONTEXT", "context"));
  json_decref(adm_err("POST", EXPLAIN("banner"), VXH_ADMIN_TOKEN,
                      "{\"contxt\": {}}", NULL, 400, "VALIDATION_FAILED",
                      "contxt"));
  json_decref(adm_err("POST", EXPLAIN("banner"), VXH_ADMIN_TOKEN, "{", NULL,
                      400, "INVALID_JSON", NULL));
  json_decref(adm_err("GET", EXPLAIN("banner"), VXH_ADMIN_TOKEN, NULL, NULL,
                      405, "METHOD_NOT_ALLOWED", NULL));
}

static void test_explain_needs_an_admin_token(void) {
  seed();
  json_decref(adm_err("POST", EXPLAIN("banner"), NULL, "{}", NULL, 401,
                      "UNAUTHORIZED", NULL));
  json_t *t = adm("POST", "/api/v1/admin/tokens",
                  "{\"name\": \"svc\", \"role\": \"client\", "
                  "\"environment\": \"production\"}",
                  201);
  json_decref(adm_err("POST", EXPLAIN("banner"), adm_str(t, "secret"), "{}",
                      NULL, 403, "FORBIDDEN", NULL));
  json_decref(t);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_explain_names_the_strategy_that_decided),
      VX_TEST(test_explain_shows_which_constraint_failed_and_the_value_seen),
      VX_TEST(test_explain_gives_the_same_decision_as_native_evaluation),
      VX_TEST(test_explain_reports_an_unmet_dependency),
      VX_TEST(test_explain_says_a_switched_off_flag_is_off),
      VX_TEST(test_explain_refuses_bad_requests_with_stable_codes),
      VX_TEST(test_explain_needs_an_admin_token),
      {NULL, NULL}};
  return vx_test_main("http/explain", tests, adm_suite_init, adm_suite_cleanup);
}
