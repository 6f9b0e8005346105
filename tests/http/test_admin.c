/*
 * test_admin.c - the admin API's flag routes against a real vexild: flags,
 * toggles, strategies (validated by the plugins), variants, dependencies,
 * optimistic concurrency, and the errors every route shares (401, 403,
 * 404, 405, 400 with a field). Environments, segments, tokens, audit,
 * revert, import/export: test_admin_misc.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"
#include "vx_test.h"

#define FLAGS "/api/v1/admin/flags"
#define PROD "environments/production"

/* ------------------------------------------------------------- flags */

static void test_flag_is_created_read_and_listed(void) {
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "POST", FLAGS, VXH_ADMIN_TOKEN,
                              "{\"key\": \"checkout-v2\", \"description\": "
                              "\"new checkout\", \"type\": \"string\"}",
                              NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 201);
  char h[256];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "Location", h, sizeof h));
  CU_ASSERT_STRING_EQUAL(h, "/api/v1/admin/flags/checkout-v2");
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "ETag", h, sizeof h));
  CU_ASSERT_STRING_EQUAL(adm_str(r.json, "key"), "checkout-v2");
  CU_ASSERT_STRING_EQUAL(adm_str(r.json, "type"), "string");
  CU_ASSERT_TRUE(json_is_false(adm_at(r.json, "archived")));
  CU_ASSERT_TRUE(
      json_is_false(adm_at(r.json, "environments.production.enabled")));
  long long rev = adm_int(r.json, "revision");
  CU_ASSERT_TRUE(rev > 0);
  char etag[64];
  snprintf(etag, sizeof etag, "\"%lld\"", rev);
  CU_ASSERT_STRING_EQUAL(h, etag);
  vxh_resp_free(&r);

  json_t *f = adm("GET", FLAGS "/checkout-v2", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(f, "description"), "new checkout");
  CU_ASSERT_EQUAL(adm_int(f, "revision"), rev);
  json_decref(f);

  json_t *list = adm("GET", FLAGS, NULL, 200);
  CU_ASSERT_TRUE(adm_int(list, "revision") >= rev);
  bool found = false;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(list, "flags"), i, x) {
    found |= strcmp(adm_str(x, "key"), "checkout-v2") == 0;
  }
  CU_ASSERT_TRUE(found);
  json_decref(list);
}

static void test_flag_created_twice_is_409_already_exists(void) {
  json_decref(adm_create_flag("twice"));
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN, "{\"key\": \"twice\"}",
                      NULL, 409, "ALREADY_EXISTS", "key"));
}

static void test_flag_bodies_of_the_wrong_shape_are_400(void) {
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN, "{\"description\": \"\"}",
                      NULL, 400, "VALIDATION_FAILED", "key"));
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN, "[1, 2]", NULL, 400,
                      "INVALID_TYPE", NULL));
  json_t *e = adm_err("POST", FLAGS, VXH_ADMIN_TOKEN, "{\"key\": ", NULL, 400,
                      "INVALID_JSON", NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "message"), "line 1"));
  json_decref(e);
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN,
                      "{\"key\": \"bad-desc\", \"description\": 5}", NULL, 400,
                      "INVALID_TYPE", "description"));
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN,
                      "{\"key\": \"bad-type\", \"type\": \"date\"}", NULL, 400,
                      "VALIDATION_FAILED", "type"));
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN,
                      "{\"key\": \"bad-field\", \"colour\": \"red\"}", NULL,
                      400, "VALIDATION_FAILED", "colour"));
  /* Nothing of it was stored. */
  json_decref(adm_err("GET", FLAGS "/bad-desc", VXH_ADMIN_TOKEN, NULL, NULL,
                      404, "NOT_FOUND", NULL));
  json_decref(adm_create_flag("shape"));
  json_decref(adm_err("PATCH", FLAGS "/shape", VXH_ADMIN_TOKEN,
                      "{\"environments\": {\"production\": {\"enabled\": "
                      "\"yes\"}}}",
                      NULL, 400, "INVALID_TYPE",
                      "environments.production.enabled"));
  json_decref(adm_err("PATCH", FLAGS "/shape", VXH_ADMIN_TOKEN,
                      "{\"environments\": {\"nowhere\": {}}}", NULL, 400,
                      "UNKNOWN_ENVIRONMENT", NULL));
  json_decref(adm_err("PUT", FLAGS "/shape", VXH_ADMIN_TOKEN,
                      "{\"key\": \"other\"}", NULL, 400, "VALIDATION_FAILED",
                      "key"));
}

static void test_put_replaces_and_patch_merges(void) {
  json_decref(admf("POST", FLAGS, 201,
                   "{\"key\": \"doc\", \"description\": \"first\", "
                   "\"environments\": {\"production\": {\"enabled\": true, "
                   "\"strategies\": [{\"name\": \"default\"}]}}}"));
  /* PATCH: only what is given changes. */
  json_t *f = adm("PATCH", FLAGS "/doc", "{\"description\": \"second\"}", 200);
  CU_ASSERT_STRING_EQUAL(adm_str(f, "description"), "second");
  CU_ASSERT_TRUE(json_is_true(adm_at(f, "environments.production.enabled")));
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 1);
  json_decref(f);
  f = adm("PATCH", FLAGS "/doc",
          "{\"environments\": {\"production\": {\"enabled\": false}}}", 200);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 1);
  json_decref(f);
  /* PUT: what is omitted is reset. */
  f = adm("PUT", FLAGS "/doc", "{\"type\": \"number\"}", 200);
  CU_ASSERT_STRING_EQUAL(adm_str(f, "description"), "");
  CU_ASSERT_STRING_EQUAL(adm_str(f, "type"), "number");
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 0);
  json_decref(f);
  /* PUT of a missing flag creates it. */
  f = adm("PUT", FLAGS "/made-by-put", "{\"description\": \"x\"}", 201);
  CU_ASSERT_STRING_EQUAL(adm_str(f, "key"), "made-by-put");
  json_decref(f);
  /* A GET document can be PUT back as it is: nothing changes. */
  f = adm("GET", FLAGS "/doc", NULL, 200);
  char *text = json_dumps(f, 0);
  json_t *g = adm("PUT", FLAGS "/doc", text, 200);
  CU_ASSERT_EQUAL(adm_int(g, "revision"), adm_int(f, "revision"));
  free(text);
  json_decref(f);
  json_decref(g);
}

static void test_stale_revision_is_409_and_nothing_is_stored(void) {
  json_t *f = adm_create_flag("occ");
  long long r1 = adm_int(f, "revision");
  json_decref(f);
  f = adm("PATCH", FLAGS "/occ", "{\"description\": \"a\"}", 200);
  long long r2 = adm_int(f, "revision");
  CU_ASSERT_TRUE(r2 > r1);
  json_decref(f);

  char ifm[64], body[128], path[128];
  snprintf(ifm, sizeof ifm, "If-Match: \"%lld\"", r1);
  const char *h[] = {ifm, NULL};
  json_decref(adm_err("PATCH", FLAGS "/occ", VXH_ADMIN_TOKEN,
                      "{\"description\": \"b\"}", h, 409, "CONFLICT",
                      "revision"));
  snprintf(body, sizeof body, "{\"description\": \"b\", \"revision\": %lld}",
           r1);
  json_decref(adm_err("PATCH", FLAGS "/occ", VXH_ADMIN_TOKEN, body, NULL, 409,
                      "CONFLICT", "revision"));
  snprintf(path, sizeof path, FLAGS "/occ/" PROD "/on?revision=%lld", r1);
  json_decref(adm_err("POST", path, VXH_ADMIN_TOKEN, NULL, NULL, 409,
                      "CONFLICT", NULL));
  f = adm("GET", FLAGS "/occ", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(f, "description"), "a");
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  CU_ASSERT_EQUAL(adm_int(f, "revision"), r2);
  json_decref(f);

  /* The current revision (the ETag) passes. */
  snprintf(ifm, sizeof ifm, "If-Match: \"%lld\"", r2);
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "PATCH", FLAGS "/occ", VXH_ADMIN_TOKEN,
                              "{\"description\": \"c\"}", h, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(r.json, "description"), "c");
  vxh_resp_free(&r);
  const char *bad[] = {"If-Match: yesterday", NULL};
  json_decref(adm_err("PATCH", FLAGS "/occ", VXH_ADMIN_TOKEN,
                      "{\"description\": \"d\"}", bad, 400, "VALIDATION_FAILED",
                      "If-Match"));
  json_decref(adm_err("PATCH", FLAGS "/occ", VXH_ADMIN_TOKEN,
                      "{\"description\": \"d\", \"revision\": \"1\"}", NULL,
                      400, "INVALID_TYPE", "revision"));
}

static void test_archive_and_restore(void) {
  json_decref(adm_create_flag("old-banner"));
  json_t *f = adm("POST", FLAGS "/old-banner/archive", NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(f, "archived")));
  json_decref(f);
  /* Not listed by default; listed with archived=true and any. */
  json_t *live = adm("GET", FLAGS, NULL, 200);
  json_t *arch = adm("GET", FLAGS "?archived=true", NULL, 200);
  json_t *any = adm("GET", FLAGS "?archived=any", NULL, 200);
  bool in_live = false, in_arch = false;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(live, "flags"), i, x) {
    in_live |= strcmp(adm_str(x, "key"), "old-banner") == 0;
  }
  json_array_foreach(json_object_get(arch, "flags"), i, x) {
    in_arch |= strcmp(adm_str(x, "key"), "old-banner") == 0;
    CU_ASSERT_TRUE(json_is_true(adm_at(x, "archived")));
  }
  CU_ASSERT_FALSE(in_live);
  CU_ASSERT_TRUE(in_arch);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(any, "flags")),
                  json_array_size(json_object_get(live, "flags")) +
                      json_array_size(json_object_get(arch, "flags")));
  /* In key order, each as GET flags/{key} gives it, with the revision. */
  const char *prev = "";
  json_array_foreach(json_object_get(any, "flags"), i, x) {
    const char *key = adm_str(x, "key");
    CU_ASSERT_TRUE(strcmp(prev, key) < 0);
    prev = key;
    char path[512];
    snprintf(path, sizeof path, FLAGS "/%s", key);
    json_t *one = adm("GET", path, NULL, 200);
    CU_ASSERT_TRUE(json_equal(one, x));
    json_decref(one);
  }
  CU_ASSERT_TRUE(json_is_integer(adm_at(any, "revision")));
  json_decref(live);
  json_decref(arch);
  json_decref(any);
  json_decref(adm_err("GET", FLAGS "?archived=maybe", VXH_ADMIN_TOKEN, NULL,
                      NULL, 400, "VALIDATION_FAILED", "archived"));
  /* An archived flag's parts cannot change; its key stays taken. */
  json_decref(adm_err("POST", FLAGS "/old-banner/" PROD "/on", VXH_ADMIN_TOKEN,
                      NULL, NULL, 409, "FLAG_ARCHIVED", NULL));
  json_decref(adm_err("POST", FLAGS, VXH_ADMIN_TOKEN,
                      "{\"key\": \"old-banner\"}", NULL, 409, "ALREADY_EXISTS",
                      NULL));
  f = adm("POST", FLAGS "/old-banner/restore", NULL, 200);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "archived")));
  json_decref(f);
  json_decref(adm("POST", FLAGS "/old-banner/" PROD "/on", NULL, 200));
}

/* ----------------------------------------------------------- toggles */

static void test_toggle_is_visible_to_evaluation(void) {
  json_decref(adm_create_flag("dark-mode"));
  CU_ASSERT_EQUAL(adm_evaluate("dark-mode", "production"), 0);
  json_t *f = adm("PUT", FLAGS "/dark-mode/" PROD "/enabled",
                  "{\"enabled\": true}", 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(f, "environments.production.enabled")));
  json_decref(f);
  CU_ASSERT_EQUAL(adm_evaluate("dark-mode", "production"), 1);
  f = adm("POST", FLAGS "/dark-mode/" PROD "/off", NULL, 200);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  json_decref(f);
  CU_ASSERT_EQUAL(adm_evaluate("dark-mode", "production"), 0);
  f = adm("POST", FLAGS "/dark-mode/" PROD "/on", "", 200);
  json_decref(f);
  CU_ASSERT_EQUAL(adm_evaluate("dark-mode", "production"), 1);
  /* The state of one environment. */
  json_t *st = adm("GET", FLAGS "/dark-mode/" PROD, NULL, 200);
  CU_ASSERT_TRUE(json_is_true(json_object_get(st, "enabled")));
  json_decref(st);
}

static void test_toggle_errors(void) {
  json_decref(adm_create_flag("toggle-errors"));
  json_decref(adm_err("PUT", FLAGS "/toggle-errors/" PROD "/enabled",
                      VXH_ADMIN_TOKEN, "{\"enabled\": \"on\"}", NULL, 400,
                      "INVALID_TYPE", "enabled"));
  json_decref(adm_err("PUT", FLAGS "/toggle-errors/" PROD "/enabled",
                      VXH_ADMIN_TOKEN, "{\"enabled\": true, \"extra\": 1}",
                      NULL, 400, "VALIDATION_FAILED", "extra"));
  json_decref(adm_err("PUT", FLAGS "/toggle-errors/" PROD "/enabled",
                      VXH_ADMIN_TOKEN, NULL, NULL, 400, "INVALID_JSON", NULL));
  json_decref(adm_err("POST", FLAGS "/toggle-errors/environments/mars/on",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND",
                      "environment"));
  json_decref(adm_err("POST", FLAGS "/no-such-flag/" PROD "/on",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "key"));
  json_t *f = adm("GET", FLAGS "/toggle-errors", NULL, 200);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  json_decref(f);
}

/* -------------------------------------------------------- strategies */

static void test_strategies_are_added_read_replaced_ordered_deleted(void) {
  json_decref(adm_create_flag("strat"));
  const char *base = FLAGS "/strat/" PROD "/strategies";
  json_t *f = adm("POST", base,
                  "{\"name\": \"flexibleRollout\", \"parameters\": "
                  "{\"rollout\": \"25\", \"stickiness\": \"default\", "
                  "\"groupId\": \"strat\"}}",
                  201);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 1);
  json_decref(f);
  json_decref(adm("POST", base,
                  "{\"name\": \"userWithId\", \"parameters\": {\"userIds\": "
                  "\"alice,bob\"}, \"constraints\": [{\"contextName\": "
                  "\"appName\", \"operator\": \"IN\", \"values\": "
                  "[\"web\"]}]}",
                  201));
  json_decref(adm("POST", base, "{\"name\": \"default\"}", 201));

  json_t *list = adm("GET", base, NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(list, "strategies")), 3);
  CU_ASSERT_STRING_EQUAL(adm_str(list, "strategies[1].name"), "userWithId");
  json_decref(list);
  json_t *s = adm("GET", FLAGS "/strat/" PROD "/strategies/0", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(s, "parameters.rollout"), "25");
  json_decref(s);

  f = adm("PUT", FLAGS "/strat/" PROD "/strategies/0",
          "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": "
          "\"50\", \"stickiness\": \"userId\", \"groupId\": \"strat\"}}",
          200);
  CU_ASSERT_STRING_EQUAL(
      adm_str(f, "environments.production.strategies[0].parameters.rollout"),
      "50");
  json_decref(f);

  f = adm("POST", FLAGS "/strat/" PROD "/strategies/order",
          "{\"order\": [2, 0, 1]}", 200);
  CU_ASSERT_STRING_EQUAL(
      adm_str(f, "environments.production.strategies[0].name"), "default");
  CU_ASSERT_STRING_EQUAL(
      adm_str(f, "environments.production.strategies[1].name"),
      "flexibleRollout");
  CU_ASSERT_STRING_EQUAL(
      adm_str(f, "environments.production.strategies[2].name"), "userWithId");
  json_decref(f);

  f = adm("DELETE", FLAGS "/strat/" PROD "/strategies/0", NULL, 200);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 2);
  CU_ASSERT_STRING_EQUAL(
      adm_str(f, "environments.production.strategies[0].name"),
      "flexibleRollout");
  json_decref(f);
}

static void
test_plugin_refusal_is_400_with_its_message_and_nothing_stored(void) {
  json_decref(adm_create_flag("rollout-140"));
  const char *base = FLAGS "/rollout-140/" PROD "/strategies";
  json_t *before = adm("GET", FLAGS "/rollout-140", NULL, 200);
  int audit_before = adm_audit_count("rollout-140");
  json_t *e = adm_err("POST", base, VXH_ADMIN_TOKEN,
                      "{\"name\": \"flexibleRollout\", \"parameters\": "
                      "{\"rollout\": \"140\", \"stickiness\": \"default\"}}",
                      NULL, 400, "VALIDATION_FAILED", NULL);
  const char *msg = adm_str(e, "message");
  const char *field = adm_str(e, "field");
  CU_ASSERT_PTR_NOT_NULL(msg);
  CU_ASSERT_PTR_NOT_NULL(field);
  if (msg != NULL)
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "140"));
  if (field != NULL)
    CU_ASSERT_STRING_EQUAL(
        field, "environments.production.strategies[0].parameters.rollout");
  json_decref(e);
  json_t *after = adm("GET", FLAGS "/rollout-140", NULL, 200);
  CU_ASSERT_TRUE(json_equal(before, after));
  CU_ASSERT_EQUAL(adm_audit_count("rollout-140"), audit_before);
  json_decref(before);
  json_decref(after);

  /* The same through PUT of an existing strategy. */
  json_decref(adm("POST", base, "{\"name\": \"default\"}", 201));
  e = adm_err("PUT", FLAGS "/rollout-140/" PROD "/strategies/0",
              VXH_ADMIN_TOKEN,
              "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": "
              "\"140\"}}",
              NULL, 400, "VALIDATION_FAILED", NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "message"), "140"));
  json_decref(e);
  json_t *s = adm("GET", FLAGS "/rollout-140/" PROD "/strategies/0", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(s, "name"), "default");
  json_decref(s);
}

static void test_strategy_errors(void) {
  json_decref(adm_create_flag("strat-errors"));
  const char *base = FLAGS "/strat-errors/" PROD "/strategies";
  json_t *e = adm_err("POST", base, VXH_ADMIN_TOKEN, "{\"name\": \"nope\"}",
                      NULL, 400, "VALIDATION_FAILED", NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "message"), "nope"));
  json_decref(e);
  json_decref(adm_err("POST", base, VXH_ADMIN_TOKEN, "{\"parameters\": {}}",
                      NULL, 400, "VALIDATION_FAILED", "name"));
  json_decref(adm_err("POST", base, VXH_ADMIN_TOKEN,
                      "{\"name\": \"default\", \"parameters\": [1]}", NULL, 400,
                      "INVALID_TYPE", "parameters"));
  json_decref(adm_err("POST", base, VXH_ADMIN_TOKEN,
                      "{\"name\": \"default\", \"constraints\": {}}", NULL, 400,
                      "INVALID_TYPE", "constraints"));
  json_decref(adm_err("POST", base, VXH_ADMIN_TOKEN,
                      "{\"name\": \"default\", \"weight\": 3}", NULL, 400,
                      "VALIDATION_FAILED", "weight"));
  e = adm_err("POST", base, VXH_ADMIN_TOKEN,
              "{\"name\": \"default\", \"constraints\": [{\"contextName\": "
              "\"userId\", \"operator\": \"LIKE\", \"values\": [\"a\"]}]}",
              NULL, 400, "VALIDATION_FAILED",
              "environments.production.strategies[0].constraints[0]");
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "message"), "LIKE"));
  json_decref(e);
  /* A misspelt parameter name is refused, not kept and ignored. */
  e = adm_err("POST", base, VXH_ADMIN_TOKEN,
              "{\"name\": \"timeWindow\", \"parameters\": {\"start\": "
              "\"09:00\", \"end\": \"17:00\", \"timezone\": \"Europe/Paris\"}}",
              NULL, 400, "VALIDATION_FAILED",
              "environments.production.strategies[0].parameters.timezone");
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "message"),
                                "unknown parameter \"timezone\" (did you mean "
                                "\"timeZone\"?); timeWindow takes start, end, "
                                "weekdays, timeZone"));
  json_decref(e);
  json_decref(adm_err("GET", FLAGS "/strat-errors/" PROD "/strategies/0",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "index"));
  json_decref(adm_err("DELETE", FLAGS "/strat-errors/" PROD "/strategies/7",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "index"));
  json_decref(adm_err("PUT", FLAGS "/strat-errors/" PROD "/strategies/x",
                      VXH_ADMIN_TOKEN, "{\"name\": \"default\"}", NULL, 404,
                      "NOT_FOUND", "index"));
  json_decref(adm("POST", base, "{\"name\": \"default\"}", 201));
  json_decref(adm_err("POST", FLAGS "/strat-errors/" PROD "/strategies/order",
                      VXH_ADMIN_TOKEN, "{\"order\": [0, 0]}", NULL, 400,
                      "VALIDATION_FAILED", "order"));
  json_decref(adm_err("POST", FLAGS "/strat-errors/" PROD "/strategies/order",
                      VXH_ADMIN_TOKEN, "{\"order\": \"0\"}", NULL, 400,
                      "INVALID_TYPE", "order"));
  json_t *list = adm("GET", base, NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(list, "strategies")), 1);
  json_decref(list);
}

/* Concurrent additions without a base revision: none is lost. */
static void *add_strategies(void *arg) {
  (void)arg;
  for (int i = 0; i < 5; i++) {
    vxh_resp r;
    if (vxh_request(&adm_d, "POST", FLAGS "/crowded/" PROD "/strategies",
                    VXH_ADMIN_TOKEN, "{\"name\": \"default\"}", NULL,
                    &r) == 0) {
      if (r.status != 201)
        fprintf(stderr, "concurrent add: %ld %s\n", r.status, r.body);
      vxh_resp_free(&r);
    }
  }
  return NULL;
}

static void test_concurrent_strategy_additions_are_all_kept(void) {
  json_decref(adm_create_flag("crowded"));
  pthread_t t[8];
  for (int i = 0; i < 8; i++)
    pthread_create(&t[i], NULL, add_strategies, NULL);
  for (int i = 0; i < 8; i++)
    pthread_join(t[i], NULL);
  json_t *list = adm("GET", FLAGS "/crowded/" PROD "/strategies", NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(list, "strategies")), 40);
  json_decref(list);
}

/* -------------------------------------------- variants, dependencies */

static void test_variants_are_put_and_read(void) {
  json_decref(
      admf("POST", FLAGS, 201, "{\"key\": \"colour\", \"type\": \"string\"}"));
  const char *path = FLAGS "/colour/" PROD "/variants";
  json_t *f = adm("PUT", path,
                  "{\"variants\": [{\"name\": \"red\", \"weight\": 500, "
                  "\"weightType\": \"variable\", \"stickiness\": \"default\", "
                  "\"payload\": {\"type\": \"string\", \"value\": \"#f00\"}}, "
                  "{\"name\": \"blue\", \"weight\": 500, \"weightType\": "
                  "\"variable\", \"stickiness\": \"default\", \"payload\": "
                  "{\"type\": \"string\", \"value\": \"#00f\"}}]}",
                  200);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.variants")), 2);
  json_decref(f);
  json_t *v = adm("GET", path, NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(v, "variants[1].name"), "blue");
  json_decref(v);
  /* A bare array is accepted too. */
  f = adm("PUT", path, "[]", 200);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.variants")), 0);
  json_decref(f);
  json_decref(adm_err("PUT", path, VXH_ADMIN_TOKEN, "{\"variants\": {}}", NULL,
                      400, "INVALID_TYPE", "variants"));
  json_decref(adm_err("PUT", path, VXH_ADMIN_TOKEN,
                      "{\"variants\": [{\"weight\": 10}]}", NULL, 400,
                      "VALIDATION_FAILED", NULL));
}

static void test_dependencies_and_cycles(void) {
  json_decref(adm_create_flag("parent"));
  json_decref(adm_create_flag("child"));
  json_t *f = adm("PUT", FLAGS "/child/" PROD "/dependencies",
                  "{\"dependencies\": [{\"feature\": \"parent\", "
                  "\"enabled\": true}]}",
                  200);
  CU_ASSERT_STRING_EQUAL(
      adm_str(f, "environments.production.dependencies[0].feature"), "parent");
  json_decref(f);
  json_t *d = adm("GET", FLAGS "/child/" PROD "/dependencies", NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(d, "dependencies")), 1);
  json_decref(d);
  /* The parent depending on its child is a cycle. */
  json_decref(adm_err("PUT", FLAGS "/parent/" PROD "/dependencies",
                      VXH_ADMIN_TOKEN,
                      "{\"dependencies\": [{\"feature\": \"child\"}]}", NULL,
                      400, "DEPENDENCY_CYCLE", NULL));
  json_decref(adm_err("PUT", FLAGS "/parent/dependencies", VXH_ADMIN_TOKEN,
                      "{\"dependencies\": [{\"feature\": \"parent\"}]}", NULL,
                      400, "DEPENDENCY_CYCLE", NULL));
  json_decref(adm_err("PUT", FLAGS "/child/" PROD "/dependencies",
                      VXH_ADMIN_TOKEN,
                      "{\"dependencies\": [{\"feature\": \"ghost\"}]}", NULL,
                      400, "UNKNOWN_FLAG", NULL));
  f = adm("GET", FLAGS "/parent", NULL, 200);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.dependencies")), 0);
  json_decref(f);

  /* A child is off while its parent is off, on once the parent is on. */
  json_decref(adm("POST", FLAGS "/child/" PROD "/on", NULL, 200));
  CU_ASSERT_EQUAL(adm_evaluate("child", "production"), 0);
  json_decref(adm("POST", FLAGS "/parent/" PROD "/on", NULL, 200));
  CU_ASSERT_EQUAL(adm_evaluate("child", "production"), 1);

  /* All environments at once. */
  json_decref(adm_create_flag("child2"));
  f = adm("PUT", FLAGS "/child2/dependencies",
          "{\"dependencies\": [{\"feature\": \"parent\"}]}", 200);
  size_t n = 0;
  const char *env;
  json_t *st;
  json_object_foreach(json_object_get(f, "environments"), env, st) {
    CU_ASSERT_STRING_EQUAL(adm_str(st, "dependencies[0].feature"), "parent");
    n++;
  }
  CU_ASSERT_TRUE(n >= 1);
  json_decref(f);
}

/* ------------------------------------------------- what every route does */

static void test_unknown_routes_are_404(void) {
  const char *paths[] = {"/api/v1/admin",
                         "/api/v1/admin/",
                         "/api/v1/admin/nothing",
                         "/api/v1/admin/flags/a/b",
                         "/api/v1/admin/flags/a/environments/production/x",
                         "/api/v1/admin/flags//archive",
                         "/api/v1/admin/tokens/1/2",
                         NULL};
  for (int i = 0; paths[i] != NULL; i++)
    json_decref(adm_err("GET", paths[i], VXH_ADMIN_TOKEN, NULL, NULL, 404,
                        "NOT_FOUND", NULL));
  json_decref(adm_err("GET", FLAGS "/missing", VXH_ADMIN_TOKEN, NULL, NULL, 404,
                      "NOT_FOUND", "key"));
  json_decref(adm_err("PATCH", FLAGS "/missing", VXH_ADMIN_TOKEN,
                      "{\"description\": \"\"}", NULL, 404, "NOT_FOUND",
                      "key"));
  json_decref(adm_err("POST", FLAGS "/missing/archive", VXH_ADMIN_TOKEN, NULL,
                      NULL, 404, "NOT_FOUND", "key"));
  json_decref(adm_err("GET", FLAGS "/missing/audit", VXH_ADMIN_TOKEN, NULL,
                      NULL, 404, "NOT_FOUND", "key"));
}

static void test_wrong_methods_are_405_with_allow(void) {
  struct {
    const char *method, *path, *allow;
  } cases[] = {
      {"DELETE", FLAGS "/x", "GET, PUT, PATCH"},
      {"PUT", FLAGS, "GET, POST"},
      {"GET", FLAGS "/x/archive", "POST"},
      {"GET", FLAGS "/x/" PROD "/on", "POST"},
      {"GET", FLAGS "/x/" PROD "/strategies/order", "POST"},
      {"POST", FLAGS "/x/" PROD "/strategies/0", "GET, PUT, DELETE"},
      {"GET", "/api/v1/admin/import", "POST"},
      {"POST", "/api/v1/admin/export", "GET"},
      {"PUT", "/api/v1/admin/tokens/1", "DELETE"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vxh_resp r;
    CU_ASSERT_EQUAL(vxh_request(&adm_d, cases[i].method, cases[i].path,
                                VXH_ADMIN_TOKEN, NULL, NULL, &r),
                    0);
    CU_ASSERT_EQUAL(r.status, 405);
    CU_ASSERT_STRING_EQUAL(adm_str(r.json, "code"), "METHOD_NOT_ALLOWED");
    char allow[128];
    CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "Allow", allow, sizeof allow));
    if (vxh_header(&r, "Allow", allow, sizeof allow) != NULL)
      CU_ASSERT_STRING_EQUAL(allow, cases[i].allow);
    vxh_resp_free(&r);
  }
}

static void test_tokens_are_required_and_checked(void) {
  json_decref(
      adm_err("GET", FLAGS, NULL, NULL, NULL, 401, "UNAUTHORIZED", NULL));
  json_decref(adm_err("POST", FLAGS, "wrong-token", "{\"key\": \"nope\"}", NULL,
                      401, "UNAUTHORIZED", NULL));
  const char *bearer[] = {"Authorization: Bearer " VXH_ADMIN_TOKEN, NULL};
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "GET", FLAGS, NULL, NULL, bearer, &r), 0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  /* A client token is refused on every admin route. */
  json_t *t = adm("POST", "/api/v1/admin/tokens",
                  "{\"name\": \"svc\", \"role\": \"client\", "
                  "\"environment\": \"production\"}",
                  201);
  const char *secret = adm_str(t, "secret");
  CU_ASSERT_PTR_NOT_NULL(secret);
  const char *paths[] = {FLAGS, "/api/v1/admin/tokens",
                         "/api/v1/admin/strategies", "/api/v1/admin/export",
                         NULL};
  for (int i = 0; secret != NULL && paths[i] != NULL; i++)
    json_decref(
        adm_err("GET", paths[i], secret, NULL, NULL, 403, "FORBIDDEN", NULL));
  if (secret != NULL)
    json_decref(adm_err("POST", FLAGS, secret, "{\"key\": \"by-client\"}", NULL,
                        403, "FORBIDDEN", NULL));
  json_decref(t);
  json_decref(adm_err("GET", FLAGS "/by-client", VXH_ADMIN_TOKEN, NULL, NULL,
                      404, "NOT_FOUND", NULL));
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_flag_is_created_read_and_listed),
      VX_TEST(test_flag_created_twice_is_409_already_exists),
      VX_TEST(test_flag_bodies_of_the_wrong_shape_are_400),
      VX_TEST(test_put_replaces_and_patch_merges),
      VX_TEST(test_stale_revision_is_409_and_nothing_is_stored),
      VX_TEST(test_archive_and_restore),
      VX_TEST(test_toggle_is_visible_to_evaluation),
      VX_TEST(test_toggle_errors),
      VX_TEST(test_strategies_are_added_read_replaced_ordered_deleted),
      VX_TEST(test_plugin_refusal_is_400_with_its_message_and_nothing_stored),
      VX_TEST(test_strategy_errors),
      VX_TEST(test_concurrent_strategy_additions_are_all_kept),
      VX_TEST(test_variants_are_put_and_read),
      VX_TEST(test_dependencies_and_cycles),
      VX_TEST(test_unknown_routes_are_404),
      VX_TEST(test_wrong_methods_are_405_with_allow),
      VX_TEST(test_tokens_are_required_and_checked),
      {NULL, NULL}};
  return vx_test_main("http/admin", tests, adm_suite_init, adm_suite_cleanup);
}
