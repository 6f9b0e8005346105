/*
 * The service's write path: validate, one transaction with its audit entry
 * and a new revision, then the next snapshot; and everything survives a
 * restart. Runs on a temporary database with the real built-in plugins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "eval.h"
#include "log.h"
#include "service.h"
#include "service_config.h"
#include "vx_test.h"

static char dir[] = "/tmp/vexil-service-XXXXXX";
static vx_config cfg;
static vx_service *svc;
static const vx_principal alice = {VX_ROLE_ADMIN, 1, "alice", ""};

/* Change notifications received. */
static int changes;
static uint64_t last_revision;
static char last_keys[512];
static char last_envs[512]; /* "null" when not known */

static void on_change(const vx_change *c, void *arg) {
  (void)arg;
  changes++;
  last_revision = c->revision;
  char *k = json_dumps(c->keys, JSON_COMPACT);
  snprintf(last_keys, sizeof last_keys, "%s", k ? k : "");
  free(k);
  char *e = c->envs ? json_dumps(c->envs, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  snprintf(last_envs, sizeof last_envs, "%s", e ? e : "null");
  free(e);
}

static void open_service(void) {
  char *secret = NULL, err[512];
  int rc = vx_service_open(&cfg, &svc, &secret, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "open: %s\n", err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  free(secret);
  vx_service_on_change(svc, on_change, NULL);
}

static int suite_init(void) {
  if (mkdtemp(dir) == NULL)
    return -1;
  vxt_service_config(&cfg, dir);
  return 0;
}

static int suite_clean(void) {
  vx_service_close(svc);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static json_t *J(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (j == NULL)
    fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
  return j;
}

static int put(const char *doc, int64_t if_revision, vx_werr *err) {
  json_t *j = J(doc);
  json_t *saved = NULL;
  memset(err, 0, sizeof *err);
  int rc =
      vx_service_put_flag(svc, &alice, "update", j, if_revision, &saved, err);
  json_decref(j);
  json_decref(saved);
  return rc;
}

static bool enabled_for(const char *flag, const char *env,
                        const char *context) {
  json_t *c = J(context);
  vx_context_json ctx;
  char err[128];
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(c, &ctx, err, sizeof err), 0);
  const vx_snapshot *s = vx_engine_acquire(vx_service_engine(svc));
  vx_decision d;
  vx_evaluate(vx_snapshot_env(s, env), flag, strlen(flag), &ctx.ctx, &d);
  vx_engine_release(vx_service_engine(svc));
  vx_context_json_dispose(&ctx);
  json_decref(c);
  return d.enabled;
}

static void test_first_start_creates_environment_and_admin_token(void) {
  open_service();
  json_t *envs = vx_service_list_environments(svc);
  CU_ASSERT_EQUAL(json_array_size(envs), 1);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(envs, 0)),
                         "production");
  json_decref(envs);
  vx_principal who;
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, "secret-admin", &who), 0);
  CU_ASSERT_EQUAL(who.role, VX_ROLE_ADMIN);
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, "wrong", &who), VX_ENOENT);
  CU_ASSERT_TRUE(vx_service_ready(svc));
}

static void test_created_flag_is_evaluated_after_the_call_returns(void) {
  vx_werr err;
  uint64_t before = vx_service_revision(svc);
  CU_ASSERT_EQUAL(put("{\"key\": \"checkout\", \"environments\": "
                      "{\"production\": {\"enabled\": true, \"strategies\": "
                      "[{\"name\": \"userWithId\", \"parameters\": "
                      "{\"userIds\": \"u1\"}}]}}}",
                      -1, &err),
                  0);
  CU_ASSERT_EQUAL(vx_service_revision(svc), before + 1);
  CU_ASSERT_EQUAL(last_revision, before + 1);
  CU_ASSERT_STRING_EQUAL(last_keys, "[\"checkout\"]");
  CU_ASSERT_TRUE(enabled_for("checkout", "production", "{\"userId\":\"u1\"}"));
  CU_ASSERT_FALSE(enabled_for("checkout", "production", "{\"userId\":\"u2\"}"));
}

static void test_plugin_refusal_is_a_400_naming_the_place(void) {
  vx_werr err;
  uint64_t before = vx_service_revision(svc);
  int rc = put("{\"key\": \"checkout\", \"environments\": {\"production\": "
               "{\"strategies\": [{\"name\": \"flexibleRollout\", "
               "\"parameters\": {\"rollout\": \"140\"}}]}}}",
               -1, &err);
  CU_ASSERT_NOT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(err.status, 400);
  CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "140"));
  CU_ASSERT_STRING_EQUAL(err.field,
                         "environments.production.strategies[0].parameters."
                         "rollout");
  /* Nothing stored, nothing published. */
  CU_ASSERT_EQUAL(vx_service_revision(svc), before);
  CU_ASSERT_TRUE(enabled_for("checkout", "production", "{\"userId\":\"u1\"}"));
}

/* A misspelt parameter name ("timezone" for "timeZone") used to be kept
 * and ignored: the window silently ran in UTC. An admin write now refuses
 * it, naming the parameter's place, the closest name and the known ones;
 * an import keeps it with a warning, as Unleash would. */
static void
test_unknown_parameter_is_refused_on_write_and_kept_on_import(void) {
  vx_werr err;
  uint64_t before = vx_service_revision(svc);
  int rc = put("{\"key\": \"window\", \"environments\": {\"production\": "
               "{\"enabled\": true, \"strategies\": [{\"name\": "
               "\"timeWindow\", \"parameters\": {\"start\": \"09:00\", "
               "\"end\": \"17:00\", \"timezone\": \"Europe/Paris\"}}]}}}",
               -1, &err);
  CU_ASSERT_EQUAL(rc, VX_EINVAL);
  CU_ASSERT_EQUAL(err.status, 400);
  CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
  CU_ASSERT_STRING_EQUAL(err.field, "environments.production.strategies[0]."
                                    "parameters.timezone");
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "unknown parameter \"timezone\" "
                                             "(did you mean \"timeZone\"?)"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(err.message, "timeWindow takes start, end, weekdays, timeZone"));
  CU_ASSERT_EQUAL(vx_service_revision(svc), before);
  json_t *state = J("{\"version\": 1, \"features\": [{\"name\": "
                    "\"window\", \"enabled\": true, \"strategies\": "
                    "[{\"name\": \"timeWindow\", \"parameters\": "
                    "{\"start\": \"00:00\", \"end\": \"23:59\", "
                    "\"timezone\": \"Europe/Paris\"}}]}]}");
  json_t *summary = NULL;
  CU_ASSERT_EQUAL(vx_service_import_unleash(svc, &alice, state, "production",
                                            VX_MERGE, &summary, &err),
                  0);
  const char *warning = json_string_value(
      json_array_get(json_object_get(summary, "warnings"), 0));
  CU_ASSERT_PTR_NOT_NULL(warning);
  if (warning != NULL)
    CU_ASSERT_PTR_NOT_NULL(strstr(warning, "unknown parameter \"timezone\""));
  /* Kept as it was given. */
  json_t *flag = vx_service_get_flag(svc, "window");
  json_t *params = json_object_get(
      json_array_get(
          json_object_get(json_object_get(json_object_get(flag, "environments"),
                                          "production"),
                          "strategies"),
          0),
      "parameters");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(params, "timezone")),
                         "Europe/Paris");
  json_decref(flag);
  json_decref(summary);
  json_decref(state);
}

static void test_bad_documents_are_refused_with_codes(void) {
  vx_werr err;
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"a/b\"}", -1, &err), 0);
  CU_ASSERT_STRING_EQUAL(err.field, "key");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"x\", \"colour\": 1}", -1, &err), 0);
  CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"x\", \"type\": \"integer\"}", -1, &err),
                      0);
  CU_ASSERT_NOT_EQUAL(
      put("{\"key\": \"x\", \"environments\": {\"staging\": {}}}", -1, &err),
      0);
  CU_ASSERT_STRING_EQUAL(err.code, "UNKNOWN_ENVIRONMENT");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"x\", \"environments\": {\"production\":"
                          " {\"enabled\": \"yes\"}}}",
                          -1, &err),
                      0);
  CU_ASSERT_STRING_EQUAL(err.code, "INVALID_TYPE");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"x\", \"environments\": {\"production\":"
                          " {\"strategies\": [{\"name\": \"default\", "
                          "\"constraints\": [{\"contextName\": \"e\", "
                          "\"operator\": \"REGEX\", \"value\": \"(a)\\\\1\"}]"
                          "}]}}}",
                          -1, &err),
                      0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "backreference"));
  json_t *missing = vx_service_get_flag(svc, "x");
  CU_ASSERT_PTR_NULL(missing);
}

static void test_stale_revision_is_a_conflict(void) {
  vx_werr err;
  json_t *f = vx_service_get_flag(svc, "checkout");
  int64_t rev = json_integer_value(json_object_get(f, "revision"));
  json_decref(f);
  CU_ASSERT_EQUAL(
      put("{\"key\": \"checkout\", \"description\": \"one\"}", rev, &err), 0);
  CU_ASSERT_NOT_EQUAL(
      put("{\"key\": \"checkout\", \"description\": \"two\"}", rev, &err), 0);
  CU_ASSERT_EQUAL(err.status, 409);
  CU_ASSERT_STRING_EQUAL(err.code, "CONFLICT");
}

static void test_unchanged_write_makes_no_revision(void) {
  vx_werr err;
  uint64_t before = vx_service_revision(svc);
  CU_ASSERT_EQUAL(
      put("{\"key\": \"checkout\", \"description\": \"one\"}", -1, &err), 0);
  CU_ASSERT_EQUAL(vx_service_revision(svc), before);
}

static void test_dependency_cycles_and_depth_are_refused(void) {
  vx_werr err;
  CU_ASSERT_EQUAL(put("{\"key\": \"parent\", \"environments\": "
                      "{\"production\": {\"enabled\": true}}}",
                      -1, &err),
                  0);
  CU_ASSERT_EQUAL(put("{\"key\": \"child\", \"environments\": {\"production\":"
                      " {\"enabled\": true, \"dependencies\": [{\"feature\": "
                      "\"parent\"}]}}}",
                      -1, &err),
                  0);
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"parent\", \"environments\": "
                          "{\"production\": {\"dependencies\": [{\"feature\": "
                          "\"child\"}]}}}",
                          -1, &err),
                      0);
  CU_ASSERT_STRING_EQUAL(err.code, "DEPENDENCY_CYCLE");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"self\", \"environments\": "
                          "{\"production\": {\"dependencies\": [{\"feature\": "
                          "\"self\"}]}}}",
                          -1, &err),
                      0);
  CU_ASSERT_STRING_EQUAL(err.code, "DEPENDENCY_CYCLE");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"grandchild\", \"environments\": "
                          "{\"production\": {\"dependencies\": [{\"feature\": "
                          "\"child\"}]}}}",
                          -1, &err),
                      0);
  CU_ASSERT_STRING_EQUAL(err.code, "DEPENDENCY_DEPTH");
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"orphan\", \"environments\": "
                          "{\"production\": {\"dependencies\": [{\"feature\": "
                          "\"nobody\"}]}}}",
                          -1, &err),
                      0);
  CU_ASSERT_STRING_EQUAL(err.code, "UNKNOWN_FLAG");
}

static void test_audit_names_the_actor_and_revert_restores(void) {
  json_t *log = vx_service_audit(svc, "checkout", 0, 10);
  CU_ASSERT_TRUE_FATAL(json_array_size(log) >= 2);
  json_t *newest = json_array_get(log, 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(newest, "actor")),
                         "alice");
  /* Revert the description change: back to "" . */
  int64_t id = json_integer_value(json_object_get(newest, "id"));
  json_decref(log);
  vx_werr err;
  json_t *saved = NULL;
  CU_ASSERT_EQUAL(vx_service_revert(svc, &alice, id, -1, &saved, &err), 0);
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_object_get(saved, "description")), "");
  json_decref(saved);
  log = vx_service_audit(svc, "checkout", 0, 1);
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_object_get(json_array_get(log, 0), "action")),
      "revert");
  json_decref(log);
  CU_ASSERT_NOT_EQUAL(vx_service_revert(svc, &alice, 999999, -1, NULL, &err),
                      0);
  CU_ASSERT_EQUAL(err.status, 404);
}

static void test_segments_apply_and_cannot_be_deleted_while_used(void) {
  vx_werr err;
  json_t *seg = J("{\"id\": \"nordics\", \"name\": \"Nordics\", "
                  "\"constraints\": [{\"contextName\": \"country\", "
                  "\"operator\": \"IN\", \"values\": [\"NO\", \"SE\"]}]}");
  CU_ASSERT_EQUAL(
      vx_service_put_segment(svc, &alice, seg, false, -1, NULL, NULL, &err), 0);
  json_decref(seg);
  CU_ASSERT_EQUAL(put("{\"key\": \"nordic-only\", \"environments\": "
                      "{\"production\": {\"enabled\": true, \"strategies\": "
                      "[{\"name\": \"default\", \"segments\": "
                      "[\"nordics\"]}]}}}",
                      -1, &err),
                  0);
  CU_ASSERT_TRUE(enabled_for("nordic-only", "production",
                             "{\"properties\": {\"country\": \"NO\"}}"));
  /* Changing the segment changes the decision: the flag is recompiled. */
  seg = J("{\"id\": \"nordics\", \"name\": \"Nordics\", \"constraints\": "
          "[{\"contextName\": \"country\", \"operator\": \"IN\", "
          "\"values\": [\"SE\"]}]}");
  CU_ASSERT_EQUAL(
      vx_service_put_segment(svc, &alice, seg, false, -1, NULL, NULL, &err), 0);
  json_decref(seg);
  CU_ASSERT_STRING_EQUAL(last_keys, "[\"nordic-only\"]");
  CU_ASSERT_FALSE(enabled_for("nordic-only", "production",
                              "{\"properties\": {\"country\": \"NO\"}}"));
  CU_ASSERT_NOT_EQUAL(
      vx_service_delete_segment(svc, &alice, "nordics", -1, &err), 0);
  CU_ASSERT_STRING_EQUAL(err.code, "SEGMENT_IN_USE");
}

static void test_environments_and_client_tokens(void) {
  vx_werr err;
  CU_ASSERT_EQUAL(vx_service_put_environment(svc, &alice, "staging", &err), 0);
  CU_ASSERT_NOT_EQUAL(vx_service_put_environment(svc, &alice, "staging", &err),
                      0);
  CU_ASSERT_EQUAL(err.status, 409);
  /* Every flag exists, off, in the new environment. */
  json_t *f = vx_service_get_flag(svc, "checkout");
  CU_ASSERT_PTR_NOT_NULL(
      json_object_get(json_object_get(f, "environments"), "staging"));
  json_decref(f);
  json_t *created = NULL;
  CU_ASSERT_EQUAL(vx_service_create_token(svc, &alice, "web", VX_ROLE_CLIENT,
                                          "staging", &created, &err),
                  0);
  const char *secret = json_string_value(json_object_get(created, "secret"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(secret);
  vx_principal who;
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, secret, &who), 0);
  CU_ASSERT_EQUAL(who.role, VX_ROLE_CLIENT);
  CU_ASSERT_STRING_EQUAL(who.environment, "staging");
  /* The environment is in use by the token. */
  CU_ASSERT_NOT_EQUAL(
      vx_service_delete_environment(svc, &alice, "staging", &err), 0);
  CU_ASSERT_STRING_EQUAL(err.code, "ENVIRONMENT_IN_USE");
  int64_t id = json_integer_value(json_object_get(created, "id"));
  CU_ASSERT_EQUAL(vx_service_revoke_token(svc, &alice, id, &err), 0);
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, secret, &who), VX_ENOENT);
  json_decref(created);
  json_t *tokens = vx_service_list_tokens(svc);
  CU_ASSERT_PTR_NULL(json_object_get(json_array_get(tokens, 0), "hash"));
  json_decref(tokens);
  CU_ASSERT_EQUAL(vx_service_delete_environment(svc, &alice, "staging", &err),
                  0);
  CU_ASSERT_NOT_EQUAL(
      vx_service_delete_environment(svc, &alice, "production", &err), 0);
  CU_ASSERT_STRING_EQUAL(err.code, "DEFAULT_ENVIRONMENT");
}

/* civetweb decodes a URL path, reads '\' as '/' and drops the dots at the
 * end of a segment: a name that would lose something there could be
 * created but never reached. */
static void test_names_a_url_cannot_reach_are_refused(void) {
  static const char *const unreachable[] = {".", "..", "...", "a.", "a\\b"};
  vx_werr err;
  for (size_t i = 0; i < sizeof unreachable / sizeof *unreachable; i++) {
    const char *n = unreachable[i];
    json_t *flag = json_pack("{s:s}", "key", n);
    memset(&err, 0, sizeof err);
    CU_ASSERT_EQUAL(
        vx_service_put_flag(svc, &alice, "update", flag, -1, NULL, &err),
        VX_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
    CU_ASSERT_STRING_EQUAL(err.field, "key");
    json_decref(flag);
    json_t *seg =
        json_pack("{s:s, s:s, s:[]}", "id", n, "name", "s", "constraints");
    memset(&err, 0, sizeof err);
    CU_ASSERT_EQUAL(
        vx_service_put_segment(svc, &alice, seg, false, -1, NULL, NULL, &err),
        VX_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "id");
    json_decref(seg);
    memset(&err, 0, sizeof err);
    CU_ASSERT_EQUAL(vx_service_put_environment(svc, &alice, n, &err),
                    VX_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "name");
    json_t *state =
        json_pack("{s:[{s:s}], s:[{s:s, s:s, s:[]}]}", "features", "name",
                  "ok-flag", "segments", "id", n, "name", "s", "constraints");
    memset(&err, 0, sizeof err);
    CU_ASSERT_EQUAL(vx_service_import_unleash(svc, &alice, state, "production",
                                              VX_MERGE, NULL, &err),
                    VX_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
    json_decref(state);
  }
  /* Dots elsewhere are fine. */
  CU_ASSERT_EQUAL(put("{\"key\": \".hidden.a..b\"}", -1, &err), 0);
  CU_ASSERT_EQUAL(vx_service_put_environment(svc, &alice, "eu.west", &err), 0);
}

/* Listeners hear in which environments a flag's evaluation may have
 * changed (event streams of one environment hear only of theirs). */
static void test_change_names_the_environments_where_a_flag_changed(void) {
  vx_werr err;
  CU_ASSERT_EQUAL_FATAL(
      vx_service_put_environment(svc, &alice, "where-a", &err), 0);
  CU_ASSERT_EQUAL(put("{\"key\": \"where\"}", -1, &err), 0);
  /* New: every environment. */
  CU_ASSERT_PTR_NOT_NULL(strstr(last_envs, "\"where-a\":[\"where\"]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(last_envs, "\"production\":[\"where\"]"));
  CU_ASSERT_EQUAL(put("{\"key\": \"where\", \"environments\": "
                      "{\"where-a\": {\"enabled\": true}}}",
                      -1, &err),
                  0);
  CU_ASSERT_STRING_EQUAL(last_envs, "{\"where-a\":[\"where\"]}");
  CU_ASSERT_STRING_EQUAL(last_keys, "[\"where\"]");
  /* The description changes no decision: no environment. */
  CU_ASSERT_EQUAL(put("{\"key\": \"where\", \"description\": \"d\", "
                      "\"environments\": {\"where-a\": {\"enabled\": "
                      "true}}}",
                      -1, &err),
                  0);
  CU_ASSERT_STRING_EQUAL(last_envs, "{}");
  /* Its type changes its value everywhere. */
  CU_ASSERT_EQUAL(put("{\"key\": \"where\", \"type\": \"string\", "
                      "\"description\": \"d\", \"environments\": "
                      "{\"where-a\": {\"enabled\": true}}}",
                      -1, &err),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(last_envs, "\"production\":[\"where\"]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(last_envs, "\"where-a\":[\"where\"]"));
  /* A change of environments themselves names no flag. */
  CU_ASSERT_EQUAL(vx_service_delete_environment(svc, &alice, "where-a", &err),
                  0);
  CU_ASSERT_STRING_EQUAL(last_keys, "[]");
}

static void test_unleash_import_is_one_revision_and_lenient(void) {
  vx_werr err;
  uint64_t before = vx_service_revision(svc);
  json_t *state =
      J("{\"version\": 1, \"features\": ["
        "{\"name\": \"imported\", \"enabled\": true, \"strategies\": "
        "[{\"name\": \"remoteAddress\", \"parameters\": {\"IPs\": "
        "\"10.0.0.1, not-an-ip\"}}]},"
        "{\"name\": \"imported-2\", \"enabled\": true, \"strategies\": []}]}");
  json_t *summary = NULL;
  CU_ASSERT_EQUAL(vx_service_import_unleash(svc, &alice, state, "production",
                                            VX_MERGE, &summary, &err),
                  0);
  CU_ASSERT_EQUAL(vx_service_revision(svc), before + 1);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(summary, "created")), 2);
  /* The bad IP is a warning, as in Unleash; the good one works. */
  CU_ASSERT_EQUAL(json_array_size(json_object_get(summary, "warnings")), 1);
  CU_ASSERT_TRUE(enabled_for("imported", "production",
                             "{\"remoteAddress\": \"10.0.0.1\"}"));
  json_decref(summary);
  json_decref(state);
}

/* A flag document (or Unleash feature when unleash) whose variant payload
 * is a JSON text nested n arrays deep; in a strategy's variants when
 * in_strategy. */
static json_t *deep_payload_flag(const char *key, int n, bool in_strategy,
                                 bool unleash) {
  char *text = malloc(2 * (size_t)n + 1);
  memset(text, '[', (size_t)n);
  memset(text + n, ']', (size_t)n);
  text[2 * n] = '\0';
  json_t *variants =
      json_pack("[{s:s, s:i, s:{s:s, s:s}}]", "name", "v", "weight", 1000,
                "payload", "type", "json", "value", text);
  free(text);
  json_t *strategy = json_pack("{s:s}", "name", "default");
  json_t *state =
      json_pack("{s:b, s:[o]}", "enabled", 1, "strategies", strategy);
  json_object_set_new(in_strategy ? strategy : state, "variants", variants);
  if (unleash) {
    json_object_set_new(state, "name", json_string(key));
    return json_pack("{s:i, s:[o]}", "version", 1, "features", state);
  }
  return json_pack("{s:s, s:s, s:{s:o}}", "key", key, "type", "object",
                   "environments", "production", state);
}

static void
test_json_payload_deeper_than_the_limit_is_refused_everywhere(void) {
  vx_werr err;
  json_t *saved = NULL;
  /* At the limit: accepted. */
  json_t *ok = deep_payload_flag("deep-ok", 64, false, false);
  CU_ASSERT_EQUAL(
      vx_service_put_flag(svc, &alice, "update", ok, -1, &saved, &err), 0);
  json_decref(saved);
  json_decref(ok);
  /* One level more, flag or strategy variants: refused, naming the path. */
  for (int in_strategy = 0; in_strategy < 2; in_strategy++) {
    json_t *deep = deep_payload_flag("deep", 65, in_strategy, false);
    memset(&err, 0, sizeof err);
    CU_ASSERT_EQUAL(
        vx_service_put_flag(svc, &alice, "update", deep, -1, NULL, &err),
        VX_ETOOBIG);
    CU_ASSERT_EQUAL(err.status, 400);
    CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
    CU_ASSERT_STRING_EQUAL(
        err.field, in_strategy
                       ? "environments.production.strategies[0].variants[0]"
                         ".payload.value"
                       : "environments.production.variants[0].payload.value");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "deeper than 64 levels"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "max_json_depth"));
    json_decref(deep);
  }
  /* The lenient imports refuse it too: it is never stored. */
  uint64_t before = vx_service_revision(svc);
  json_t *state = deep_payload_flag("deep", 65, true, true);
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(vx_service_import_unleash(svc, &alice, state, "production",
                                            VX_MERGE, NULL, &err),
                  VX_ETOOBIG);
  CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
  CU_ASSERT_STRING_EQUAL(
      err.field,
      "environments.production.strategies[0].variants[0].payload.value");
  json_decref(state);
  json_t *native = json_pack("{s:[o]}", "flags",
                             deep_payload_flag("deep", 65, false, false));
  CU_ASSERT_EQUAL(
      vx_service_import_native(svc, &alice, native, VX_MERGE, NULL, &err),
      VX_ETOOBIG);
  json_decref(native);
  CU_ASSERT_EQUAL(vx_service_revision(svc), before);
  json_t *none = vx_service_get_flag(svc, "deep");
  CU_ASSERT_PTR_NULL(none);
  json_decref(none);
}

/* The message once quoted the key after its document was freed (found by
 * AddressSanitizer: heap-use-after-free). */
static void test_import_naming_a_flag_twice_is_refused_naming_it(void) {
  vx_werr err;
  uint64_t before = vx_service_revision(svc);
  json_t *native = J("{\"flags\": [{\"key\": \"twice-over-the-import\"}, "
                     "{\"key\": \"twice-over-the-import\"}]}");
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(
      vx_service_import_native(svc, &alice, native, VX_MERGE, NULL, &err),
      VX_EEXIST);
  CU_ASSERT_STRING_EQUAL(err.code, "VALIDATION_FAILED");
  CU_ASSERT_STRING_EQUAL(err.field, "twice-over-the-import");
  CU_ASSERT_STRING_EQUAL(err.message,
                         "flag twice-over-the-import appears twice");
  json_decref(native);
  json_t *state = J("{\"features\": [{\"name\": \"twice-in-unleash\"}, "
                    "{\"name\": \"twice-in-unleash\"}]}");
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(vx_service_import_unleash(svc, &alice, state, "production",
                                            VX_MERGE, NULL, &err),
                  VX_EEXIST);
  CU_ASSERT_STRING_EQUAL(err.message, "flag twice-in-unleash appears twice");
  json_decref(state);
  CU_ASSERT_EQUAL(vx_service_revision(svc), before);
}

static void test_export_then_import_round_trips(void) {
  json_t *doc = vx_service_export(svc);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  vx_werr err;
  json_t *summary = NULL;
  uint64_t before = vx_service_revision(svc);
  CU_ASSERT_EQUAL(
      vx_service_import_native(svc, &alice, doc, VX_MERGE, &summary, &err), 0);
  json_decref(summary);
  /* Importing what is there changes no flag content. */
  json_t *again = vx_service_export(svc);
  json_t *a = json_object_get(doc, "flags"),
         *b = json_object_get(again, "flags");
  CU_ASSERT_EQUAL(json_array_size(a), json_array_size(b));
  CU_ASSERT_TRUE(vx_service_revision(svc) >= before);
  json_decref(again);
  json_decref(doc);
}

static void test_everything_survives_a_restart(void) {
  json_t *before = vx_service_export(svc);
  uint64_t revision = vx_service_revision(svc);
  vx_service_close(svc);
  svc = NULL;
  open_service();
  json_t *after = vx_service_export(svc);
  CU_ASSERT_EQUAL(vx_service_revision(svc), revision);
  json_object_del(before, "revision");
  json_object_del(after, "revision");
  if (!json_equal(before, after)) {
    char *a = json_dumps(before, JSON_SORT_KEYS | JSON_COMPACT);
    char *b = json_dumps(after, JSON_SORT_KEYS | JSON_COMPACT);
    fprintf(stderr, "\nbefore restart: %s\nafter restart:  %s\n", a, b);
    free(a);
    free(b);
  }
  CU_ASSERT_TRUE(json_equal(before, after));
  CU_ASSERT_TRUE(enabled_for("checkout", "production", "{\"userId\":\"u1\"}"));
  vx_principal who;
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, "secret-admin", &who), 0);
  json_decref(before);
  json_decref(after);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_first_start_creates_environment_and_admin_token),
      VX_TEST(test_created_flag_is_evaluated_after_the_call_returns),
      VX_TEST(test_plugin_refusal_is_a_400_naming_the_place),
      VX_TEST(test_unknown_parameter_is_refused_on_write_and_kept_on_import),
      VX_TEST(test_bad_documents_are_refused_with_codes),
      VX_TEST(test_stale_revision_is_a_conflict),
      VX_TEST(test_unchanged_write_makes_no_revision),
      VX_TEST(test_dependency_cycles_and_depth_are_refused),
      VX_TEST(test_audit_names_the_actor_and_revert_restores),
      VX_TEST(test_segments_apply_and_cannot_be_deleted_while_used),
      VX_TEST(test_environments_and_client_tokens),
      VX_TEST(test_names_a_url_cannot_reach_are_refused),
      VX_TEST(test_change_names_the_environments_where_a_flag_changed),
      VX_TEST(test_unleash_import_is_one_revision_and_lenient),
      VX_TEST(test_json_payload_deeper_than_the_limit_is_refused_everywhere),
      VX_TEST(test_import_naming_a_flag_twice_is_refused_naming_it),
      VX_TEST(test_export_then_import_round_trips),
      VX_TEST(test_everything_survives_a_restart),
      {NULL, NULL},
  };
  return vx_test_main("daemon/service", tests, suite_init, suite_clean);
}
