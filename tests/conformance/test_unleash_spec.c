/*
 * The Unleash client specification, case by case: each file's "state" is
 * imported into an environment, every "tests" case must give the expected
 * enabled flag and every "variantTests" case the expected variant (name,
 * payload, enabled, feature_enabled). A mismatch prints file and case.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "decision_json.h"
#include "eval.h"
#include "log.h"
#include "plugin_host.h"
#include "state.h"
#include "vx_test.h"

static vx_plugin_host *plugins;

static int suite_init(void) {
  vx_log_set_level(VX_LOG_ERROR); /* the spec has deliberately bad flags */
  plugins = vx_plugin_host_new();
  const char *dir = getenv("VX_PLUGIN_DIR");
  return plugins != NULL && dir != NULL &&
                 vx_plugin_host_load_dir(plugins, dir) >= 8
             ? 0
             : -1;
}

static int suite_clean(void) {
  vx_plugin_host_free(plugins);
  return 0;
}

static json_t *load_spec(const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", getenv("VX_SPEC_DIR"), file);
  json_error_t jerr;
  json_t *doc = json_load_file(path, 0, &jerr);
  if (doc == NULL)
    fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
  return doc;
}

/* Decides toggleName for the case's context. */
static int decide(const vx_env *env, const json_t *c, vx_decision *d) {
  vx_context_json ctx;
  char err[256];
  if (vx_context_from_json(json_object_get(c, "context"), &ctx, err,
                           sizeof err) != 0) {
    fprintf(stderr, "bad context: %s\n", err);
    return -1;
  }
  const char *flag = json_string_value(json_object_get(c, "toggleName"));
  vx_evaluate(env, flag, strlen(flag), &ctx.ctx, d);
  vx_context_json_dispose(&ctx);
  return 0;
}

static void run_spec(const char *file) {
  json_t *doc = load_spec(file);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  vx_state st;
  CU_ASSERT_EQUAL_FATAL(vx_state_init(&st), 0);
  char err[1024] = "";
  int rc =
      vx_state_import_unleash(&st, json_object_get(doc, "state"), "production",
                              VX_IMPORT_REPLACE, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "%s: import: %s\n", file, err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  vx_snapshot *snap = NULL;
  CU_ASSERT_EQUAL_FATAL(
      vx_snapshot_build(&st, NULL, plugins, 0, &snap, err, sizeof err), 0);
  const vx_env *env = vx_snapshot_env(snap, "production");
  CU_ASSERT_PTR_NOT_NULL_FATAL(env);

  size_t i, cases = 0;
  json_t *c;
  json_array_foreach(json_object_get(doc, "tests"), i, c) {
    vx_decision d;
    CU_ASSERT_EQUAL_FATAL(decide(env, c, &d), 0);
    bool want = json_is_true(json_object_get(c, "expectedResult"));
    if (d.enabled != want)
      fprintf(stderr, "%s: \"%s\": expected %s, got %s (reason %s)\n", file,
              json_string_value(json_object_get(c, "description")),
              want ? "true" : "false", d.enabled ? "true" : "false",
              vx_reason_name(d.reason));
    CU_ASSERT_EQUAL(d.enabled, want);
    cases++;
  }
  json_array_foreach(json_object_get(doc, "variantTests"), i, c) {
    vx_decision d;
    CU_ASSERT_EQUAL_FATAL(decide(env, c, &d), 0);
    json_t *got = vx_variant_json(&d);
    json_t *want = json_object_get(c, "expectedResult");
    /* Older spec files spell feature_enabled as featureEnabled. */
    json_t *norm = json_deep_copy(want);
    json_t *fe = json_object_get(norm, "featureEnabled");
    if (fe != NULL) {
      json_object_set(norm, "feature_enabled", fe);
      json_object_del(norm, "featureEnabled");
    }
    if (!json_equal(got, norm)) {
      char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
      char *w = json_dumps(norm, JSON_COMPACT | JSON_SORT_KEYS);
      fprintf(stderr, "%s: \"%s\":\n  expected %s\n  got      %s\n", file,
              json_string_value(json_object_get(c, "description")), w, g);
      free(g);
      free(w);
    }
    CU_ASSERT_TRUE(json_equal(got, norm));
    json_decref(got);
    json_decref(norm);
    cases++;
  }
  CU_ASSERT_TRUE(cases > 0); /* a spec file with no case proves nothing */
  vx_snapshot_free(snap);
  vx_state_dispose(&st);
  json_decref(doc);
}

#define SPEC_FILES(X)                                                          \
  X(simple_examples, "01-simple-examples.json")                                \
  X(user_with_id_strategy, "02-user-with-id-strategy.json")                    \
  X(gradual_rollout_user_id_strategy,                                          \
    "03-gradual-rollout-user-id-strategy.json")                                \
  X(gradual_rollout_random_strategy,                                           \
    "05-gradual-rollout-random-strategy.json")                                 \
  X(remote_address_strategy, "06-remote-address-strategy.json")                \
  X(multiple_strategies, "07-multiple-strategies.json")                        \
  X(variants, "08-variants.json")                                              \
  X(strategy_constraints, "09-strategy-constraints.json")                      \
  X(flexible_rollout_strategy, "10-flexible-rollout-strategy.json")            \
  X(custom_stickiness, "12-custom-stickiness.json")                            \
  X(constraint_operators, "13-constraint-operators.json")                      \
  X(strategy_variants, "16-strategy-variants.json")                            \
  X(dependent_features, "17-dependent-features.json")                          \
  X(utf8_flag_names, "18-utf8-flag-names.json")

#define DEFINE_TEST(name, file)                                                \
  static void test_spec_##name(void) {                                         \
    run_spec(file);                                                            \
  }
SPEC_FILES(DEFINE_TEST)

/* Every spec file in the folder is run: a new file cannot be forgotten. */
static void test_every_spec_file_in_the_folder_is_run(void) {
  static const char *known[] = {
#define NAME_OF(name, file) file,
      SPEC_FILES(NAME_OF)
#undef NAME_OF
  };
  DIR *d = opendir(getenv("VX_SPEC_DIR"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  struct dirent *e;
  size_t found = 0;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
      continue;
    bool listed = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
      listed |= strcmp(known[i], e->d_name) == 0;
    if (!listed)
      fprintf(stderr, "spec file %s is not run\n", e->d_name);
    CU_ASSERT_TRUE(listed);
    found++;
  }
  closedir(d);
  CU_ASSERT_EQUAL(found, sizeof known / sizeof known[0]);
}

int main(void) {
  static const vx_test tests[] = {
#define ENTRY(name, file) {"test_spec_" #name, test_spec_##name},
      SPEC_FILES(ENTRY)
#undef ENTRY
          VX_TEST(test_every_spec_file_in_the_folder_is_run),
      {NULL, NULL},
  };
  return vx_test_main("conformance/unleash", tests, suite_init, suite_clean);
}
