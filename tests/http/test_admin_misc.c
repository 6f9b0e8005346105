/*
 * test_admin_misc.c - the admin API's other routes against a real vexild:
 * environments, segments, tokens, the audit log and revert, export and
 * import (native and Unleash), and the list of loaded strategies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"
#include "vx_test.h"

#define ADMIN "/api/v1/admin"
#define FLAGS ADMIN "/flags"
#define PROD "environments/production"

static bool has_name(const json_t *list, const char *member,
                     const char *value) {
  size_t i;
  json_t *x;
  json_array_foreach(list, i, x) {
    const char *v = adm_str(x, member);
    if (v != NULL && strcmp(v, value) == 0)
      return true;
  }
  return false;
}

/* ------------------------------------------------------ environments */

static void test_environments_are_created_listed_and_deleted(void) {
  json_t *l = adm("GET", ADMIN "/environments", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(l, "default"), "production");
  CU_ASSERT_TRUE(
      has_name(json_object_get(l, "environments"), "name", "production"));
  json_decref(l);
  json_t *e =
      adm("POST", ADMIN "/environments", "{\"name\": \"staging\"}", 201);
  CU_ASSERT_STRING_EQUAL(adm_str(e, "name"), "staging");
  CU_ASSERT_TRUE(json_is_false(adm_at(e, "default")));
  json_decref(e);
  /* Every flag has a state in the new environment. */
  json_decref(adm_create_flag("env-flag"));
  json_t *f = adm("GET", FLAGS "/env-flag", NULL, 200);
  CU_ASSERT_PTR_NOT_NULL(adm_at(f, "environments.staging.enabled"));
  json_decref(f);
  json_decref(
      adm("POST", FLAGS "/env-flag/environments/staging/on", NULL, 200));
  CU_ASSERT_EQUAL(adm_evaluate("env-flag", "staging"), 1);
  CU_ASSERT_EQUAL(adm_evaluate("env-flag", "production"), 0);

  json_decref(adm_err("POST", ADMIN "/environments", VXH_ADMIN_TOKEN,
                      "{\"name\": \"staging\"}", NULL, 409, "ALREADY_EXISTS",
                      NULL));
  json_decref(adm_err("POST", ADMIN "/environments", VXH_ADMIN_TOKEN,
                      "{\"name\": \"no spaces\"}", NULL, 400,
                      "VALIDATION_FAILED", "name"));
  json_decref(adm_err("POST", ADMIN "/environments", VXH_ADMIN_TOKEN,
                      "{\"name\": 7}", NULL, 400, "INVALID_TYPE", "name"));
  json_decref(adm_err("DELETE", ADMIN "/environments/production",
                      VXH_ADMIN_TOKEN, NULL, NULL, 409, "DEFAULT_ENVIRONMENT",
                      NULL));
  json_decref(adm_err("DELETE", ADMIN "/environments/nowhere", VXH_ADMIN_TOKEN,
                      NULL, NULL, 404, "NOT_FOUND", NULL));

  /* An environment a client token uses cannot go; after revoking it can. */
  json_decref(adm("POST", ADMIN "/environments", "{\"name\": \"qa\"}", 201));
  json_t *t = adm("POST", ADMIN "/tokens",
                  "{\"name\": \"qa-svc\", \"role\": \"client\", "
                  "\"environment\": \"qa\"}",
                  201);
  json_decref(adm_err("DELETE", ADMIN "/environments/qa", VXH_ADMIN_TOKEN, NULL,
                      NULL, 409, "ENVIRONMENT_IN_USE", NULL));
  char path[128];
  snprintf(path, sizeof path, ADMIN "/tokens/%lld", adm_int(t, "id"));
  json_decref(adm("DELETE", path, NULL, 200));
  json_decref(t);
  e = adm("DELETE", ADMIN "/environments/qa", NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(e, "deleted")));
  json_decref(e);
  l = adm("GET", ADMIN "/environments", NULL, 200);
  CU_ASSERT_FALSE(has_name(json_object_get(l, "environments"), "name", "qa"));
  json_decref(l);
  f = adm("GET", FLAGS "/env-flag", NULL, 200);
  CU_ASSERT_PTR_NULL(adm_at(f, "environments.qa"));
  json_decref(f);
}

/* ---------------------------------------------------------- segments */

static void test_segments_crud_and_a_used_one_cannot_be_deleted(void) {
  json_t *s = adm("POST", ADMIN "/segments",
                  "{\"name\": \"beta\", \"description\": \"beta users\", "
                  "\"constraints\": [{\"contextName\": \"userId\", "
                  "\"operator\": \"IN\", \"values\": [\"ann\", \"ben\"]}]}",
                  201);
  const char *id = adm_str(s, "id");
  CU_ASSERT_PTR_NOT_NULL(id);
  char one[128];
  snprintf(one, sizeof one, ADMIN "/segments/%s", id ? id : "?");
  char sid[64];
  snprintf(sid, sizeof sid, "%s", id ? id : "?");
  json_decref(s);

  json_t *l = adm("GET", ADMIN "/segments", NULL, 200);
  CU_ASSERT_TRUE(has_name(json_object_get(l, "segments"), "name", "beta"));
  json_decref(l);
  s = adm("GET", one, NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(s, "description"), "beta users");
  json_decref(s);
  s = adm("PUT", one,
          "{\"name\": \"beta\", \"constraints\": [{\"contextName\": "
          "\"userId\", \"operator\": \"IN\", \"values\": [\"ann\"]}]}",
          200);
  CU_ASSERT_EQUAL(json_array_size(adm_at(s, "constraints[0].values")), 1);
  json_decref(s);
  /* A second POST gets another id. */
  s = adm("POST", ADMIN "/segments",
          "{\"name\": \"other\", \"constraints\": []}", 201);
  CU_ASSERT_STRING_NOT_EQUAL(adm_str(s, "id"), sid);
  json_decref(s);
  s = adm("PUT", ADMIN "/segments/named",
          "{\"name\": \"n\", \"constraints\": []}", 201);
  CU_ASSERT_STRING_EQUAL(adm_str(s, "id"), "named");
  json_decref(s);

  /* Used by a strategy: the segment applies, and cannot be deleted. */
  json_decref(adm_create_flag("seg-user"));
  json_decref(admf("POST", FLAGS "/seg-user/" PROD "/strategies", 201,
                   "{\"name\": \"default\", \"segments\": [%s]}", sid));
  json_decref(adm_err("DELETE", one, VXH_ADMIN_TOKEN, NULL, NULL, 409,
                      "SEGMENT_IN_USE", NULL));
  json_decref(adm_err("POST", FLAGS "/seg-user/" PROD "/strategies",
                      VXH_ADMIN_TOKEN,
                      "{\"name\": \"default\", \"segments\": [999]}", NULL, 400,
                      "VALIDATION_FAILED", NULL));
  json_decref(
      adm("DELETE", FLAGS "/seg-user/" PROD "/strategies/0", NULL, 200));
  s = adm("DELETE", one, NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(s, "deleted")));
  json_decref(s);
  json_decref(
      adm_err("GET", one, VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "id"));
  json_decref(adm_err("DELETE", one, VXH_ADMIN_TOKEN, NULL, NULL, 404,
                      "NOT_FOUND", NULL));

  /* Wrong shapes. */
  json_decref(adm_err("POST", ADMIN "/segments", VXH_ADMIN_TOKEN,
                      "{\"name\": \"x\", \"constraints\": {}}", NULL, 400,
                      "INVALID_TYPE", "constraints"));
  json_decref(adm_err("POST", ADMIN "/segments", VXH_ADMIN_TOKEN,
                      "{\"constraints\": []}", NULL, 400, "VALIDATION_FAILED",
                      "name"));
  json_decref(adm_err("POST", ADMIN "/segments", VXH_ADMIN_TOKEN,
                      "{\"name\": \"x\", \"constraints\": [{\"contextName\": "
                      "\"a\", \"operator\": \"NUM_GT\", \"value\": \"abc\"}]}",
                      NULL, 400, "VALIDATION_FAILED", "constraints[0]"));
  json_decref(
      adm_err("POST", ADMIN "/segments", VXH_ADMIN_TOKEN,
              "{\"id\": \"named\", \"name\": \"x\", \"constraints\": []}", NULL,
              409, "ALREADY_EXISTS", "id"));
  json_decref(
      adm_err("PUT", ADMIN "/segments/named", VXH_ADMIN_TOKEN,
              "{\"id\": \"other\", \"name\": \"x\", \"constraints\": []}", NULL,
              400, "VALIDATION_FAILED", "id"));
}

/* A segment write based on a stale revision is refused, as for flags: the
 * segment carries the revision of its last change. */
static void test_segment_writes_on_a_stale_revision_are_conflicts(void) {
  json_t *s = adm("PUT", ADMIN "/segments/occ",
                  "{\"name\": \"occ\", \"constraints\": []}", 201);
  long long first = adm_int(s, "revision");
  CU_ASSERT_TRUE(first > 0);
  json_decref(s);
  /* Based on what was read: accepted, with a newer revision. */
  s = admf("PUT", ADMIN "/segments/occ", 200,
           "{\"name\": \"occ 2\", \"constraints\": [], \"revision\": %lld}",
           first);
  long long second = adm_int(s, "revision");
  CU_ASSERT_TRUE(second > first);
  json_decref(s);
  /* Based on the first read again: 409, nothing written. */
  char body[160];
  snprintf(body, sizeof body,
           "{\"name\": \"stale\", \"constraints\": [], \"revision\": %lld}",
           first);
  json_decref(adm_err("PUT", ADMIN "/segments/occ", VXH_ADMIN_TOKEN, body, NULL,
                      409, "CONFLICT", "revision"));
  char if_match[64];
  snprintf(if_match, sizeof if_match, "If-Match: \"%lld\"", first);
  const char *stale[] = {if_match, NULL};
  json_decref(adm_err("DELETE", ADMIN "/segments/occ", VXH_ADMIN_TOKEN, NULL,
                      stale, 409, "CONFLICT", "revision"));
  s = adm("GET", ADMIN "/segments/occ", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(s, "name"), "occ 2");
  CU_ASSERT_EQUAL(adm_int(s, "revision"), second);
  json_decref(s);
  snprintf(if_match, sizeof if_match, "If-Match: \"%lld\"", second);
  const char *fresh[] = {if_match, NULL};
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&adm_d, "DELETE", ADMIN "/segments/occ",
                                    VXH_ADMIN_TOKEN, NULL, fresh, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
}

/* ------------------------------------------------------------ tokens */

static void test_token_is_created_used_and_revoked(void) {
  json_t *t = adm("POST", ADMIN "/tokens",
                  "{\"name\": \"ci-bot\", \"role\": \"admin\"}", 201);
  const char *secret = adm_str(t, "secret");
  CU_ASSERT_PTR_NOT_NULL(secret);
  CU_ASSERT_STRING_EQUAL(adm_str(t, "role"), "admin");
  char secret_copy[256];
  snprintf(secret_copy, sizeof secret_copy, "%s", secret ? secret : "");
  long long id = adm_int(t, "id");
  json_decref(t);

  /* Usable at once. */
  vxh_resp r;
  CU_ASSERT_EQUAL(
      vxh_request(&adm_d, "GET", FLAGS, secret_copy, NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);

  /* Listed without secrets or hashes. */
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "GET", ADMIN "/tokens", VXH_ADMIN_TOKEN,
                              NULL, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_PTR_NULL(strstr(r.body, secret_copy));
  CU_ASSERT_PTR_NULL(strstr(r.body, "\"secret\""));
  CU_ASSERT_PTR_NULL(strstr(r.body, "\"hash\""));
  CU_ASSERT_TRUE(has_name(json_object_get(r.json, "tokens"), "name", "ci-bot"));
  vxh_resp_free(&r);

  char path[128];
  snprintf(path, sizeof path, ADMIN "/tokens/%lld", id);
  t = adm("DELETE", path, NULL, 200);
  CU_ASSERT_TRUE(json_is_integer(adm_at(t, "revoked_at")));
  json_decref(t);
  json_decref(adm_err("GET", FLAGS, secret_copy, NULL, NULL, 401,
                      "UNAUTHORIZED", NULL));

  /* A client token evaluates in its environment only. */
  t = adm("POST", ADMIN "/tokens",
          "{\"name\": \"web\", \"role\": \"client\", \"environment\": "
          "\"production\"}",
          201);
  CU_ASSERT_STRING_EQUAL(adm_str(t, "environment"), "production");
  json_decref(adm_create_flag("client-eval"));
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "POST", "/api/v1/evaluate/client-eval",
                              adm_str(t, "secret"), "{\"context\": {}}", NULL,
                              &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  json_decref(t);

  json_decref(adm_err("POST", ADMIN "/tokens", VXH_ADMIN_TOKEN,
                      "{\"name\": \"x\", \"role\": \"root\"}", NULL, 400,
                      "VALIDATION_FAILED", "role"));
  json_decref(adm_err("POST", ADMIN "/tokens", VXH_ADMIN_TOKEN,
                      "{\"name\": 3, \"role\": \"admin\"}", NULL, 400,
                      "INVALID_TYPE", "name"));
  json_decref(adm_err("POST", ADMIN "/tokens", VXH_ADMIN_TOKEN,
                      "{\"name\": \"x\", \"role\": \"client\"}", NULL, 400,
                      "UNKNOWN_ENVIRONMENT", "environment"));
  json_decref(adm_err("POST", ADMIN "/tokens", VXH_ADMIN_TOKEN,
                      "{\"name\": \"x\", \"role\": \"client\", "
                      "\"environment\": \"mars\"}",
                      NULL, 400, "UNKNOWN_ENVIRONMENT", "environment"));
  json_decref(adm_err("DELETE", ADMIN "/tokens/99999", VXH_ADMIN_TOKEN, NULL,
                      NULL, 404, "NOT_FOUND", NULL));
  json_decref(adm_err("DELETE", ADMIN "/tokens/abc", VXH_ADMIN_TOKEN, NULL,
                      NULL, 404, "NOT_FOUND", NULL));
}

/* The last active admin token cannot be revoked, also not by itself: the
 * admin API would be lost for good. Another admin token can. */
static void test_last_admin_token_cannot_be_revoked_even_by_itself(void) {
  /* Leave the first admin token (id 1) the only active admin one. */
  json_t *list = adm("GET", ADMIN "/tokens", NULL, 200);
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(list, "tokens"), i, t) {
    const char *role = adm_str(t, "role");
    if (adm_int(t, "id") != 1 && role && strcmp(role, "admin") == 0 &&
        json_is_null(adm_at(t, "revoked_at"))) {
      char path[128];
      snprintf(path, sizeof path, ADMIN "/tokens/%lld", adm_int(t, "id"));
      json_decref(adm("DELETE", path, NULL, 200));
    }
  }
  json_decref(list);
  json_t *e = adm_err("DELETE", ADMIN "/tokens/1", VXH_ADMIN_TOKEN, NULL, NULL,
                      409, "LAST_ADMIN", "id");
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(e, "message"), "Create another"));
  json_decref(e);
  /* Still in use. */
  json_decref(adm("GET", ADMIN "/tokens", NULL, 200));
  /* A deputy admin token may revoke itself while the first one lives. */
  json_t *deputy = adm("POST", ADMIN "/tokens",
                       "{\"name\": \"deputy\", \"role\": \"admin\"}", 201);
  char path[128];
  snprintf(path, sizeof path, ADMIN "/tokens/%lld", adm_int(deputy, "id"));
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "DELETE", path, adm_str(deputy, "secret"),
                              NULL, NULL, &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  json_decref(deputy);
  json_decref(adm_err("DELETE", ADMIN "/tokens/1", VXH_ADMIN_TOKEN, NULL, NULL,
                      409, "LAST_ADMIN", "id"));
}

/* GET tokens says when each token was last used (null: never). */
static void test_tokens_list_their_last_use(void) {
  json_t *t = adm("POST", ADMIN "/tokens",
                  "{\"name\": \"used-once\", \"role\": \"client\", "
                  "\"environment\": \"production\"}",
                  201);
  CU_ASSERT_TRUE(json_is_null(adm_at(t, "last_used")));
  long long id = adm_int(t, "id");
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(&adm_d, "POST", "/ofrep/v1/evaluate/flags",
                              adm_str(t, "secret"), "{\"context\": {}}", NULL,
                              &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  long long created = adm_int(t, "created_at");
  json_decref(t);
  json_t *list = adm("GET", ADMIN "/tokens", NULL, 200);
  size_t i;
  json_t *x;
  bool seen = false;
  json_array_foreach(json_object_get(list, "tokens"), i, x) {
    CU_ASSERT_PTR_NOT_NULL(adm_at(x, "last_used"));
    if (adm_int(x, "id") != id)
      continue;
    seen = true;
    long long used = adm_int(x, "last_used");
    CU_ASSERT_TRUE(used >= created - 1000 && used <= created + 60000);
  }
  CU_ASSERT_TRUE(seen);
  json_decref(list);
}

/* Ids in paths beyond 2^63 - 1 are a 400 naming the id; the largest one is
 * looked up like any other (it overflowed before: UBSan). */
static void test_huge_ids_are_a_clean_400(void) {
  json_decref(adm_err("GET", ADMIN "/audit/9223372036854775807",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "id"));
  json_decref(adm_err("GET", ADMIN "/audit/9223372036854775808",
                      VXH_ADMIN_TOKEN, NULL, NULL, 400, "VALIDATION_FAILED",
                      "id"));
  json_decref(adm_err("GET", ADMIN "/audit/99999999999999999999999999",
                      VXH_ADMIN_TOKEN, NULL, NULL, 400, "VALIDATION_FAILED",
                      "id"));
  json_decref(adm_err("POST", ADMIN "/audit/99999999999999999999/revert",
                      VXH_ADMIN_TOKEN, NULL, NULL, 400, "VALIDATION_FAILED",
                      "id"));
  json_decref(adm_err("POST", ADMIN "/audit/9223372036854775807/revert",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "id"));
  json_decref(adm_err("DELETE", ADMIN "/tokens/18446744073709551616",
                      VXH_ADMIN_TOKEN, NULL, NULL, 400, "VALIDATION_FAILED",
                      "id"));
  json_decref(adm_err("DELETE", ADMIN "/tokens/9223372036854775807",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "id"));
  json_decref(adm_err("GET", ADMIN "/audit?before=9223372036854775808",
                      VXH_ADMIN_TOKEN, NULL, NULL, 400, "VALIDATION_FAILED",
                      "before"));
  json_t *page =
      adm("GET", ADMIN "/audit?before=9223372036854775807&limit=1", NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(adm_at(page, "entries")), 1);
  json_decref(page);
  /* Not numbers at all: no such thing. */
  json_decref(adm_err("GET", ADMIN "/audit/0", VXH_ADMIN_TOKEN, NULL, NULL, 404,
                      "NOT_FOUND", "id"));
  json_decref(adm_err("GET", ADMIN "/audit/-1", VXH_ADMIN_TOKEN, NULL, NULL,
                      404, "NOT_FOUND", "id"));
  json_decref(adm_err("GET", ADMIN "/audit/00000000000000000000000000000",
                      VXH_ADMIN_TOKEN, NULL, NULL, 404, "NOT_FOUND", "id"));
  json_decref(adm_err("GET", ADMIN "/audit/1e3", VXH_ADMIN_TOKEN, NULL, NULL,
                      404, "NOT_FOUND", "id"));
}

/* ------------------------------------------------------ audit, revert */

static void test_audit_names_the_token_and_pages_newest_first(void) {
  json_t *t = adm("POST", ADMIN "/tokens",
                  "{\"name\": \"alice\", \"role\": \"admin\"}", 201);
  char secret[256];
  snprintf(secret, sizeof secret, "%s", adm_str(t, "secret"));
  json_decref(t);
  vxh_resp r;
  vxh_request(&adm_d, "POST", FLAGS, secret, "{\"key\": \"audited\"}", NULL,
              &r);
  CU_ASSERT_EQUAL(r.status, 201);
  vxh_resp_free(&r);
  vxh_request(&adm_d, "POST", FLAGS "/audited/" PROD "/on", secret, NULL, NULL,
              &r);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
  json_decref(adm("POST", FLAGS "/audited/" PROD "/off", NULL, 200));

  json_t *page = adm("GET", FLAGS "/audited/audit", NULL, 200);
  json_t *entries = json_object_get(page, "entries");
  CU_ASSERT_EQUAL(json_array_size(entries), 3);
  CU_ASSERT_TRUE(json_is_null(json_object_get(page, "next")));
  /* Newest first: off (the bootstrap admin), on (alice), create (alice). */
  CU_ASSERT_STRING_EQUAL(adm_str(entries, "[0].actor"), "admin");
  CU_ASSERT_STRING_EQUAL(adm_str(entries, "[1].actor"), "alice");
  CU_ASSERT_STRING_EQUAL(adm_str(entries, "[2].actor"), "alice");
  CU_ASSERT_STRING_EQUAL(adm_str(entries, "[2].action"), "create");
  CU_ASSERT_STRING_EQUAL(adm_str(entries, "[0].flag"), "audited");
  CU_ASSERT_TRUE(adm_int(entries, "[0].id") > adm_int(entries, "[1].id"));
  CU_ASSERT_TRUE(json_is_true(adm_at(entries, "[1].after.environments."
                                              "production.enabled")));
  long long newest = adm_int(entries, "[0].id");
  json_decref(page);

  /* Pages of one. */
  page = adm("GET", FLAGS "/audited/audit?limit=1", NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(page, "entries")), 1);
  CU_ASSERT_EQUAL(adm_int(page, "entries[0].id"), newest);
  long long next = adm_int(page, "next");
  CU_ASSERT_EQUAL(next, newest);
  json_decref(page);
  char path[256];
  snprintf(path, sizeof path, FLAGS "/audited/audit?limit=2&before=%lld", next);
  page = adm("GET", path, NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(page, "entries")), 2);
  CU_ASSERT_STRING_EQUAL(adm_str(page, "entries[1].action"), "create");
  CU_ASSERT_TRUE(json_is_null(json_object_get(page, "next")));
  json_decref(page);

  /* The global log, filtered by flag, and one entry. */
  page = adm("GET", ADMIN "/audit?flag=audited&limit=10", NULL, 200);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(page, "entries")), 3);
  json_decref(page);
  page = adm("GET", ADMIN "/audit", NULL, 200);
  CU_ASSERT_TRUE(json_array_size(json_object_get(page, "entries")) >= 3);
  CU_ASSERT_EQUAL(adm_int(page, "entries[0].id"), newest);
  json_decref(page);
  snprintf(path, sizeof path, ADMIN "/audit/%lld", newest);
  json_t *e = adm("GET", path, NULL, 200);
  CU_ASSERT_EQUAL(adm_int(e, "id"), newest);
  json_decref(e);

  json_decref(adm_err("GET", ADMIN "/audit?limit=0", VXH_ADMIN_TOKEN, NULL,
                      NULL, 400, "VALIDATION_FAILED", "limit"));
  json_decref(adm_err("GET", ADMIN "/audit?limit=many", VXH_ADMIN_TOKEN, NULL,
                      NULL, 400, "VALIDATION_FAILED", "limit"));
  json_decref(adm_err("GET", ADMIN "/audit?before=-3", VXH_ADMIN_TOKEN, NULL,
                      NULL, 400, "VALIDATION_FAILED", "before"));
  json_decref(adm_err("GET", ADMIN "/audit/999999", VXH_ADMIN_TOKEN, NULL, NULL,
                      404, "NOT_FOUND", NULL));
}

static void test_revert_restores_the_state_before_an_entry(void) {
  json_decref(adm_create_flag("reverted"));
  json_decref(adm("POST", FLAGS "/reverted/" PROD "/strategies",
                  "{\"name\": \"userWithId\", \"parameters\": {\"userIds\": "
                  "\"u1\"}}",
                  201));
  json_decref(adm("POST", FLAGS "/reverted/" PROD "/on", NULL, 200));
  json_decref(
      adm("PATCH", FLAGS "/reverted", "{\"description\": \"later\"}", 200));
  json_t *page = adm("GET", FLAGS "/reverted/audit", NULL, 200);
  /* [0] description, [1] on, [2] strategy, [3] create */
  long long on_id = adm_int(page, "entries[1].id");
  long long strategy_id = adm_int(page, "entries[2].id");
  long long create_id = adm_int(page, "entries[3].id");
  json_decref(page);

  char path[128];
  snprintf(path, sizeof path, ADMIN "/audit/%lld/revert", strategy_id);
  json_t *f = adm("POST", path, NULL, 200);
  /* Back to the state before the strategy: no strategy, off, and the
   * description of then. */
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 0);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  CU_ASSERT_STRING_EQUAL(adm_str(f, "description"), "");
  json_decref(f);
  CU_ASSERT_EQUAL(adm_evaluate("reverted", "production"), 0);
  page = adm("GET", FLAGS "/reverted/audit?limit=1", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(page, "entries[0].action"), "revert");
  json_decref(page);

  /* Reverting "on" after that gives the state before "on": the strategy is
   * back, still off. */
  snprintf(path, sizeof path, ADMIN "/audit/%lld/revert", on_id);
  f = adm("POST", path, NULL, 200);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(f, "environments.production.strategies")), 1);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  long long rev = adm_int(f, "revision");
  json_decref(f);

  /* A stale base revision is refused. */
  char stale[160];
  snprintf(stale, sizeof stale, ADMIN "/audit/%lld/revert?revision=%lld",
           create_id, rev - 1);
  json_decref(adm_err("POST", stale, VXH_ADMIN_TOKEN, NULL, NULL, 409,
                      "CONFLICT", NULL));
  /* Reverting the creation archives the flag. */
  snprintf(path, sizeof path, ADMIN "/audit/%lld/revert", create_id);
  f = adm("POST", path, NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(f, "archived")));
  json_decref(f);

  json_decref(adm_err("POST", ADMIN "/audit/999999/revert", VXH_ADMIN_TOKEN,
                      NULL, NULL, 404, "NOT_FOUND", NULL));
  /* An entry that is not about a flag. */
  json_t *t = adm("POST", ADMIN "/tokens",
                  "{\"name\": \"not-a-flag\", \"role\": \"admin\"}", 201);
  json_decref(t);
  page = adm("GET", ADMIN "/audit?limit=1", NULL, 200);
  snprintf(path, sizeof path, ADMIN "/audit/%lld/revert",
           adm_int(page, "entries[0].id"));
  json_decref(page);
  json_decref(adm_err("POST", path, VXH_ADMIN_TOKEN, NULL, NULL, 400,
                      "NOT_REVERTIBLE", NULL));
}

/* ---------------------------------------------------- export, import */

/* A flag without the server's bookkeeping fields. */
static json_t *content(const json_t *flag) {
  json_t *c = json_deep_copy(flag);
  json_object_del(c, "revision");
  json_object_del(c, "created_at");
  json_object_del(c, "updated_at");
  return c;
}

static void test_export_then_import_round_trips(void) {
  json_decref(adm("POST", ADMIN "/segments",
                  "{\"id\": \"rt\", \"name\": \"rt\", \"constraints\": "
                  "[{\"contextName\": \"appName\", \"operator\": \"IN\", "
                  "\"values\": [\"web\"]}]}",
                  201));
  json_decref(admf("POST", FLAGS, 201,
                   "{\"key\": \"rt-flag\", \"description\": \"round trip\", "
                   "\"environments\": {\"production\": {\"enabled\": true, "
                   "\"strategies\": [{\"name\": \"flexibleRollout\", "
                   "\"parameters\": {\"rollout\": \"30\", \"stickiness\": "
                   "\"default\", \"groupId\": \"rt-flag\"}, \"segments\": "
                   "[\"rt\"]}]}}}"));
  json_t *exported = adm("GET", ADMIN "/export", NULL, 200);
  CU_ASSERT_EQUAL(adm_int(exported, "version"), 1);
  CU_ASSERT_TRUE(json_is_array(json_object_get(exported, "flags")));
  char *text = json_dumps(exported, 0);

  /* Into a fresh daemon, then out again: the same flags and segments. */
  vxh_daemon saved = adm_d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&adm_d, NULL), 0);
  /* The other daemon lacks the exported environments: create them. */
  size_t i;
  json_t *env;
  json_array_foreach(json_object_get(exported, "environments"), i, env) {
    if (strcmp(json_string_value(env), "production") != 0)
      json_decref(admf("POST", ADMIN "/environments", 201, "{\"name\": \"%s\"}",
                       json_string_value(env)));
  }
  json_t *sum =
      adm("POST", ADMIN "/import?format=native&mode=replace", text, 200);
  CU_ASSERT_TRUE(adm_int(sum, "created") > 0);
  json_decref(sum);
  json_t *again = adm("GET", ADMIN "/export", NULL, 200);
  json_t *flag;
  size_t compared = 0;
  json_array_foreach(json_object_get(exported, "flags"), i, flag) {
    size_t j;
    json_t *other;
    bool found = false;
    json_array_foreach(json_object_get(again, "flags"), j, other) {
      if (strcmp(adm_str(flag, "key"), adm_str(other, "key")) != 0)
        continue;
      found = true;
      json_t *a = content(flag), *b = content(other);
      if (!json_equal(a, b)) {
        char *x = json_dumps(a, 0), *y = json_dumps(b, 0);
        fprintf(stderr, "round trip changed a flag:\n%s\n%s\n", x, y);
        free(x);
        free(y);
      }
      CU_ASSERT_TRUE(json_equal(a, b));
      json_decref(a);
      json_decref(b);
      compared++;
    }
    CU_ASSERT_TRUE(found);
  }
  CU_ASSERT_TRUE(compared >= 1);
  /* The same segments, but for the revision of their last change. */
  json_t *seg, *seg2;
  CU_ASSERT_EQUAL(json_array_size(json_object_get(exported, "segments")),
                  json_array_size(json_object_get(again, "segments")));
  json_array_foreach(json_object_get(exported, "segments"), i, seg) {
    seg2 = json_array_get(json_object_get(again, "segments"), i);
    json_t *a = json_copy(seg), *b = json_copy(seg2);
    json_object_del(a, "revision");
    json_object_del(b, "revision");
    CU_ASSERT_TRUE(json_equal(a, b));
    CU_ASSERT_TRUE(json_is_integer(json_object_get(seg2, "revision")));
    json_decref(a);
    json_decref(b);
  }
  CU_ASSERT_EQUAL(adm_evaluate("rt-flag", "production") >= 0, 1);
  json_decref(again);
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
  adm_d = saved;
  free(text);
  json_decref(exported);

  json_decref(adm_err("POST", ADMIN "/import?format=yaml", VXH_ADMIN_TOKEN,
                      "{}", NULL, 400, "VALIDATION_FAILED", "format"));
  json_decref(adm_err("POST", ADMIN "/import?mode=sideways", VXH_ADMIN_TOKEN,
                      "{}", NULL, 400, "VALIDATION_FAILED", "mode"));
  json_decref(adm_err("POST", ADMIN "/import", VXH_ADMIN_TOKEN, "[]", NULL, 400,
                      "INVALID_TYPE", NULL));
}

static void test_unleash_import_merge_and_replace(void) {
  json_decref(adm("POST", ADMIN "/environments", "{\"name\": \"unl\"}", 201));
  const char *first =
      "{\"version\": 1, \"features\": ["
      "{\"name\": \"u-a\", \"enabled\": true, \"strategies\": [{\"name\": "
      "\"default\"}]},"
      "{\"name\": \"u-b\", \"enabled\": true, \"strategies\": [{\"name\": "
      "\"userWithId\", \"parameters\": {\"userIds\": \"x\"}}]}]}";
  json_t *sum =
      adm("POST", ADMIN "/import?format=unleash&environment=unl&mode=merge",
          first, 200);
  CU_ASSERT_EQUAL(adm_int(sum, "created"), 2);
  json_decref(sum);
  CU_ASSERT_EQUAL(adm_evaluate("u-a", "unl"), 1);
  json_t *f = adm("GET", FLAGS "/u-b", NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(f, "environments.unl.enabled")));
  CU_ASSERT_STRING_EQUAL(adm_str(f, "environments.unl.strategies[0].name"),
                         "userWithId");
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  json_decref(f);

  /* Merge: u-b is not named, it stays as it is. */
  sum = adm("POST", ADMIN "/import?format=unleash&environment=unl&mode=merge",
            "{\"version\": 1, \"features\": [{\"name\": \"u-c\", "
            "\"enabled\": true, \"strategies\": []}]}",
            200);
  json_decref(sum);
  f = adm("GET", FLAGS "/u-b", NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(f, "environments.unl.enabled")));
  json_decref(f);

  /* Replace: what the state does not name is switched off there. */
  sum = adm("POST", ADMIN "/import?format=unleash&environment=unl&mode=replace",
            "{\"version\": 1, \"features\": [{\"name\": \"u-a\", "
            "\"enabled\": true, \"strategies\": [{\"name\": \"default\"}]}]}",
            200);
  json_decref(sum);
  CU_ASSERT_EQUAL(adm_evaluate("u-a", "unl"), 1);
  CU_ASSERT_EQUAL(adm_evaluate("u-b", "unl"), 0);
  CU_ASSERT_EQUAL(adm_evaluate("u-c", "unl"), 0);
  f = adm("GET", FLAGS "/u-b", NULL, 200);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.unl.enabled")));
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "archived")));
  json_decref(f);

  json_decref(adm_err("POST", ADMIN "/import?format=unleash&environment=mars",
                      VXH_ADMIN_TOKEN, first, NULL, 400, "UNKNOWN_ENVIRONMENT",
                      NULL));
  json_decref(adm_err("POST", ADMIN "/import?format=unleash", VXH_ADMIN_TOKEN,
                      "{\"version\": 1}", NULL, 400, "INVALID_TYPE", NULL));
  json_decref(adm_err("POST", ADMIN "/import?environment=unl", VXH_ADMIN_TOKEN,
                      "{}", NULL, 400, "VALIDATION_FAILED", "environment"));
}

/* -------------------------------------------------- loaded strategies */

static void test_strategies_list_the_plugins_with_their_parameters(void) {
  json_t *l = adm("GET", ADMIN "/strategies", NULL, 200);
  json_t *list = json_object_get(l, "strategies");
  CU_ASSERT_TRUE(has_name(list, "name", "default"));
  CU_ASSERT_TRUE(has_name(list, "name", "flexibleRollout"));
  CU_ASSERT_TRUE(has_name(list, "name", "userWithId"));
  size_t i;
  json_t *s;
  json_array_foreach(list, i, s) {
    CU_ASSERT_PTR_NOT_NULL(adm_str(s, "version"));
    CU_ASSERT_PTR_NOT_NULL(adm_str(s, "description"));
    CU_ASSERT_PTR_NOT_NULL(adm_str(s, "kind"));
    CU_ASSERT_TRUE(json_is_array(json_object_get(s, "params")));
  }
  json_decref(l);
  json_t *fr = adm("GET", ADMIN "/strategies/flexibleRollout", NULL, 200);
  CU_ASSERT_STRING_EQUAL(adm_str(fr, "kind"), "split");
  bool rollout = false;
  json_t *p;
  json_array_foreach(json_object_get(fr, "params"), i, p) {
    if (strcmp(adm_str(p, "name"), "rollout") == 0) {
      rollout = true;
      CU_ASSERT_STRING_EQUAL(adm_str(p, "type"), "percentage");
      CU_ASSERT_TRUE(json_is_boolean(json_object_get(p, "required")));
      CU_ASSERT_PTR_NOT_NULL(adm_str(p, "help"));
    }
  }
  CU_ASSERT_TRUE(rollout);
  json_decref(fr);
  json_decref(adm_err("GET", ADMIN "/strategies/nope", VXH_ADMIN_TOKEN, NULL,
                      NULL, 404, "NOT_FOUND", "name"));
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_environments_are_created_listed_and_deleted),
      VX_TEST(test_segments_crud_and_a_used_one_cannot_be_deleted),
      VX_TEST(test_segment_writes_on_a_stale_revision_are_conflicts),
      VX_TEST(test_token_is_created_used_and_revoked),
      VX_TEST(test_audit_names_the_token_and_pages_newest_first),
      VX_TEST(test_last_admin_token_cannot_be_revoked_even_by_itself),
      VX_TEST(test_tokens_list_their_last_use),
      VX_TEST(test_huge_ids_are_a_clean_400),
      VX_TEST(test_revert_restores_the_state_before_an_entry),
      VX_TEST(test_export_then_import_round_trips),
      VX_TEST(test_unleash_import_merge_and_replace),
      VX_TEST(test_strategies_list_the_plugins_with_their_parameters),
      {NULL, NULL}};
  return vx_test_main("http/admin_misc", tests, adm_suite_init,
                      adm_suite_cleanup);
}
