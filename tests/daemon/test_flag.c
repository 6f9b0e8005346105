/*
 * Compiling one flag (daemon/flag.c). Strict mode (admin writes) refuses
 * every problem with a message naming its place; lenient mode (Unleash
 * imports) keeps the flag, turns the broken part off and logs a warning.
 * Runs on the real built-in plugins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "eval.h"
#include "flag.h"
#include "log.h"
#include "plugin_host.h"
#include "vx_test.h"

static vx_plugin_host *plugins;

/* Warnings captured from the log. */
static char warnings[8192];
static int n_warnings;

static void capture(vx_log_level level, const char *line, void *arg) {
  (void)arg;
  if (level != VX_LOG_WARN)
    return;
  n_warnings++;
  size_t used = strlen(warnings);
  snprintf(warnings + used, sizeof warnings - used, "%s\n", line);
}

static void clear_warnings(void) {
  warnings[0] = '\0';
  n_warnings = 0;
}

static int suite_init(void) {
  vx_log_set_level(VX_LOG_ERROR);
  plugins = vx_plugin_host_new();
  if (plugins == NULL ||
      vx_plugin_host_load_dir(plugins, getenv("VX_PLUGIN_DIR")) <= 0)
    return -1;
  if (vx_plugin_host_find(plugins, "flexibleRollout") == NULL ||
      vx_plugin_host_find(plugins, "userWithId") == NULL ||
      vx_plugin_host_find(plugins, "default") == NULL)
    return -1;
  vx_log_set_level(VX_LOG_WARN);
  vx_log_set_sink(capture, NULL);
  return 0;
}

static int suite_clean(void) {
  vx_log_set_sink(NULL, NULL);
  vx_plugin_host_free(plugins);
  return 0;
}

static json_t *parse(const char *text) {
  json_error_t jerr;
  json_t *doc = json_loads(text, 0, &jerr);
  if (doc == NULL)
    fprintf(stderr, "bad test JSON: %s at %d:%d\n", jerr.text, jerr.line,
            jerr.column);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  return doc;
}

static int compile(const char *def_text, const char *segments_text,
                   unsigned mode, vx_flag **out, char *err, size_t errlen) {
  json_t *def = parse(def_text);
  json_t *segs = segments_text ? parse(segments_text) : NULL;
  int rc = vx_flag_compile(def, segs, plugins, mode, out, err, errlen);
  json_decref(def);
  json_decref(segs);
  return rc;
}

/* The decision for flag and a context given as JSON; the flag is put in a
 * one-flag environment so that dependencies resolve. */
static vx_decision decide(vx_flag *flag, const char *context) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "test");
  CU_ASSERT_EQUAL_FATAL(vx_env_put(env, flag), 0);
  json_t *obj = parse(context);
  vx_context_json ctx;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(obj, &ctx, err, sizeof err), 0);
  vx_decision d;
  vx_eval_flag(env, flag, &ctx.ctx, &d);
  vx_context_json_dispose(&ctx);
  json_decref(obj);
  vx_snapshot_free(s);
  return d;
}

/* A strategy that is on for user "ann" only, appended after the broken
 * one: it must still decide. */
#define ANN_ONLY                                                               \
  "{\"name\": \"userWithId\", \"parameters\": {\"userIds\": \"ann\"}}"

typedef struct problem_case {
  const char *what;
  const char *def;
  const char *segments;
  const char *places[4]; /* the strict message contains each */
} problem_case;

static const problem_case problems[] = {
    {"unknown strategy plugin",
     "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
     " {\"name\": \"noSuchPlugin\"}, " ANN_ONLY "]}",
     NULL,
     {"strategies[0]", "noSuchPlugin"}},
    {"a plugin refusing its parameters",
     "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
     " {\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"140\","
     "  \"stickiness\": \"default\"}}, " ANN_ONLY "]}",
     NULL,
     {"strategies[0]", "flexibleRollout", "rollout", "140"}},
    {"a missing required parameter",
     "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
     " {\"name\": \"userWithId\", \"parameters\": {}}, " ANN_ONLY "]}",
     NULL,
     {"strategies[0]", "userWithId", "userIds"}},
    {"an unknown constraint operator",
     "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
     " {\"name\": \"default\", \"constraints\": [{\"contextName\": \"x\","
     "  \"operator\": \"SOUNDS_LIKE\", \"values\": [\"a\"]}]}, " ANN_ONLY "]}",
     NULL,
     {"strategies[0]", "constraints[0]", "SOUNDS_LIKE"}},
    {"a bad constraint value",
     "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
     " {\"name\": \"default\", \"constraints\": ["
     "  {\"contextName\": \"x\", \"operator\": \"IN\", \"values\": [\"a\"]},"
     "  {\"contextName\": \"n\", \"operator\": \"NUM_GT\", \"value\": \"abc\","
     "   \"inverted\": true}]}, " ANN_ONLY "]}",
     NULL,
     {"strategies[0]", "constraints[1]", "abc"}},
    {"an unknown segment id",
     "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
     " {\"name\": \"default\", \"segments\": [1, 42]}, " ANN_ONLY "]}",
     "{\"1\": {\"id\": 1, \"constraints\": []}}",
     {"strategies[0]", "segment 42"}},
};

static void test_strict_mode_refuses_each_problem_naming_its_place(void) {
  for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++) {
    const problem_case *pc = &problems[i];
    vx_flag *f = (vx_flag *)1;
    char err[512] = "";
    int rc =
        compile(pc->def, pc->segments, VX_COMPILE_STRICT, &f, err, sizeof err);
    CU_ASSERT(rc < 0);
    CU_ASSERT_PTR_NULL(f);
    for (size_t k = 0; k < 4 && pc->places[k] != NULL; k++) {
      if (strstr(err, pc->places[k]) == NULL)
        fprintf(stderr, "\n%s: \"%s\" lacks \"%s\"\n", pc->what, err,
                pc->places[k]);
      CU_ASSERT_PTR_NOT_NULL(strstr(err, pc->places[k]));
    }
  }
}

static void test_lenient_mode_turns_only_the_broken_strategy_off(void) {
  for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++) {
    const problem_case *pc = &problems[i];
    vx_flag *f = NULL;
    char err[512] = "";
    clear_warnings();
    int rc = compile(pc->def, pc->segments, 0, &f, err, sizeof err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->n_strategies, 2);
    /* A warning naming the flag and the place. */
    CU_ASSERT(n_warnings >= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "flag f"));
    CU_ASSERT_PTR_NOT_NULL(strstr(warnings, pc->places[0]));
    CU_ASSERT_PTR_NOT_NULL(strstr(warnings, pc->places[1]));
    /* The broken strategy would be on for anyone; it is on for no one,
     * and the next strategy still decides. */
    vx_decision d = decide(f, "{\"userId\": \"ann\"}");
    CU_ASSERT_TRUE(d.enabled);
    CU_ASSERT_EQUAL(d.strategy, 1);
    d = decide(f, "{\"userId\": \"bob\", \"properties\": {\"x\": \"a\","
                  " \"n\": \"5\"}}");
    if (d.enabled)
      fprintf(stderr, "\n%s: the broken strategy is on\n", pc->what);
    CU_ASSERT_FALSE(d.enabled);
    CU_ASSERT_EQUAL(d.reason, VX_REASON_DEFAULT);
    vx_flag_unref(f);
  }
}

static void
test_strategy_variant_with_negative_weight_is_refused_or_dropped(void) {
  const char *def = "{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
                    " {\"name\": \"default\", \"variants\": ["
                    "  {\"name\": \"v\", \"weight\": -5}]}]}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NULL(f);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "strategies[0]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[0].weight"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "-5"));
  /* Lenient: the problem is in the variants, not in the strategy's test:
   * the strategy keeps deciding and serves no variant of its own. */
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(n_warnings, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "variants[0].weight"));
  vx_decision d = decide(f, "{\"userId\": \"u\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_PTR_NULL(d.variant);
  vx_flag_unref(f);
}

static void test_negative_flag_variant_weight_is_refused_or_dropped(void) {
  const char *def = "{\"name\": \"f\", \"enabled\": true, \"strategies\": [],"
                    " \"variants\": [{\"name\": \"ok\", \"weight\": 10},"
                    "  {\"name\": \"v\", \"weight\": -5}]}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NULL(f);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[1]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "weight"));
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(n_warnings, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "variants[1]"));
  vx_decision d = decide(f, "{\"userId\": \"u\"}");
  CU_ASSERT_TRUE(d.enabled); /* the flag itself still works */
  CU_ASSERT_PTR_NULL(d.variant);
  vx_flag_unref(f);
}

static void
test_json_payload_that_is_not_json_is_refused_or_kept_as_text(void) {
  const char *def =
      "{\"name\": \"f\", \"enabled\": true, \"strategies\": [],"
      " \"variants\": [{\"name\": \"v\", \"weight\": 1,"
      "  \"payload\": {\"type\": \"json\", \"value\": \"{nope\"}}]}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NULL(f);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[0].payload"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "JSON"));
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(n_warnings, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "variants[0].payload"));
  vx_decision d = decide(f, "{\"userId\": \"u\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d.variant);
  CU_ASSERT_STRING_EQUAL(d.variant->name, "v");
  /* Served as a JSON string of its text. */
  CU_ASSERT_STRING_EQUAL(d.variant->payload.json, "\"{nope\"");
  vx_flag_unref(f);
}

static void
test_dependencies_not_an_array_are_refused_or_never_satisfied(void) {
  const char *def = "{\"name\": \"f\", \"enabled\": true, \"strategies\": [],"
                    " \"dependencies\": {\"feature\": \"parent\"}}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NULL(f);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "dependencies must be an array"));
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(n_warnings, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "dependencies"));
  /* A dependency that cannot be read cannot be satisfied: the flag is not
   * on for everyone. */
  vx_decision d = decide(f, "{\"userId\": \"u\"}");
  CU_ASSERT_FALSE(d.enabled);
  vx_flag_unref(f);
}

static void test_dependency_without_a_feature_is_never_satisfied(void) {
  const char *def = "{\"name\": \"f\", \"enabled\": true, \"strategies\": [],"
                    " \"dependencies\": [{\"enabled\": true}]}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "dependencies[0].feature"));
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(f->n_deps, 1);
  vx_decision d = decide(f, "{}");
  CU_ASSERT_FALSE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_DEFAULT);
  vx_flag_unref(f);
}

static void test_strategies_not_an_array_keep_the_flag_off(void) {
  const char *def = "{\"name\": \"f\", \"enabled\": true,"
                    " \"strategies\": {\"name\": \"default\"}}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "strategies must be an array"));
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(n_warnings, 1);
  CU_ASSERT_FALSE(decide(f, "{}").enabled);
  vx_flag_unref(f);
}

static void test_enabled_that_is_not_a_boolean_is_refused_or_off(void) {
  const char *def = "{\"name\": \"f\", \"enabled\": \"true\"}";
  vx_flag *f = (vx_flag *)1;
  char err[512] = "";
  CU_ASSERT(compile(def, NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "enabled"));
  CU_ASSERT_EQUAL_FATAL(compile(def, NULL, 0, &f, err, sizeof err), 0);
  CU_ASSERT_FALSE(f->enabled);
  vx_flag_unref(f);
}

static void test_flag_without_a_name_is_refused_in_both_modes(void) {
  const char *defs[] = {"{\"enabled\": true}", "{\"name\": \"\"}",
                        "{\"name\": 3}", "[]"};
  for (size_t i = 0; i < 4; i++) {
    for (unsigned mode = 0; mode <= VX_COMPILE_STRICT; mode++) {
      vx_flag *f = (vx_flag *)1;
      char err[512] = "";
      CU_ASSERT_EQUAL(compile(defs[i], NULL, mode, &f, err, sizeof err),
                      VX_EINVAL);
      CU_ASSERT_PTR_NULL(f);
      CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
    }
  }
}

static void test_strict_mode_reports_the_first_problem(void) {
  vx_flag *f = NULL;
  char err[512] = "";
  CU_ASSERT(compile("{\"name\": \"f\", \"enabled\": true, \"strategies\": ["
                    " {\"name\": \"default\"},"
                    " {\"name\": \"firstMissing\"},"
                    " {\"name\": \"secondMissing\"}]}",
                    NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "strategies[1]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "firstMissing"));
  CU_ASSERT_PTR_NULL(strstr(err, "secondMissing"));
}

static void test_lenient_mode_warns_once_per_problem(void) {
  vx_flag *f = NULL;
  char err[512] = "";
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(
      compile("{\"name\": \"many\", \"enabled\": true, \"strategies\": ["
              " {\"name\": \"firstMissing\"},"
              " {\"name\": \"default\", \"segments\": [7]},"
              " {\"name\": \"default\"}]}",
              NULL, 0, &f, err, sizeof err),
      0);
  CU_ASSERT_EQUAL(n_warnings, 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "flag many: strategies[0]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(warnings, "flag many: strategies[1]"));
  CU_ASSERT_PTR_NULL(strstr(warnings, "strategies[2]"));
  vx_decision d = decide(f, "{}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.strategy, 2);
  vx_flag_unref(f);
}

static void test_well_formed_flag_compiles_strictly_without_warnings(void) {
  vx_flag *f = NULL;
  char err[512] = "x";
  clear_warnings();
  CU_ASSERT_EQUAL_FATAL(
      compile("{\"name\": \"good\", \"enabled\": true, \"strategies\": ["
              " {\"name\": \"flexibleRollout\", \"parameters\": {"
              "  \"rollout\": \"100\", \"stickiness\": \"default\","
              "  \"groupId\": \"good\"}, \"segments\": [\"s\"],"
              "  \"constraints\": [{\"contextName\": \"tier\","
              "   \"operator\": \"IN\", \"values\": [\"gold\"]}]}],"
              " \"variants\": [{\"name\": \"a\", \"weight\": 1}],"
              " \"dependencies\": [{\"feature\": \"parent\"}]}",
              "{\"s\": {\"id\": \"s\", \"constraints\": ["
              " {\"contextName\": \"country\", \"operator\": \"IN\","
              "  \"values\": [\"NO\"]}]}}",
              VX_COMPILE_STRICT, &f, err, sizeof err),
      0);
  CU_ASSERT_STRING_EQUAL(err, "");
  CU_ASSERT_EQUAL(n_warnings, 0);
  CU_ASSERT_STRING_EQUAL(f->key, "good");
  CU_ASSERT_EQUAL(f->key_len, 4);
  CU_ASSERT_EQUAL(f->key_hash, vx_key_hash("good", 4));
  CU_ASSERT_TRUE(f->enabled);
  CU_ASSERT_EQUAL(f->n_strategies, 1);
  /* Segments' constraints first, then the strategy's own. */
  const vx_cstrategy *s = &f->strategies[0];
  CU_ASSERT_EQUAL_FATAL(s->n_constraints, 2);
  CU_ASSERT_STRING_EQUAL(s->constraints[0].field, "country");
  CU_ASSERT_STRING_EQUAL(s->constraints[1].field, "tier");
  CU_ASSERT_TRUE(s->targeted);
  CU_ASSERT_FALSE(s->never);
  CU_ASSERT_PTR_EQUAL(s->plugin,
                      vx_plugin_host_find(plugins, "flexibleRollout"));
  CU_ASSERT_PTR_NOT_NULL(json_object_get(f->segments, "s"));
  CU_ASSERT_EQUAL(f->n_deps, 1);
  CU_ASSERT_STRING_EQUAL(f->deps[0].feature, "parent");
  CU_ASSERT_TRUE(f->deps[0].enabled);
  CU_ASSERT_EQUAL(f->variants.n, 1);
  vx_flag_unref(f);
}

static void test_compiled_strategy_holds_a_plugin_reference(void) {
  vx_plugin *p = vx_plugin_host_find(plugins, "userWithId");
  unsigned before = atomic_load(&p->refs);
  vx_flag *f = NULL;
  char err[512];
  CU_ASSERT_EQUAL_FATAL(
      compile("{\"name\": \"f\", \"enabled\": true, \"strategies\": [" ANN_ONLY
              ", " ANN_ONLY "]}",
              NULL, VX_COMPILE_STRICT, &f, err, sizeof err),
      0);
  CU_ASSERT_EQUAL(atomic_load(&p->refs), before + 2);
  vx_flag_ref(f);
  vx_flag_unref(f);
  CU_ASSERT_EQUAL(atomic_load(&p->refs), before + 2); /* still alive */
  vx_flag_unref(f);
  CU_ASSERT_EQUAL(atomic_load(&p->refs), before);
}

static void test_refused_strict_compile_releases_its_plugin_references(void) {
  vx_plugin *p = vx_plugin_host_find(plugins, "userWithId");
  unsigned before = atomic_load(&p->refs);
  vx_flag *f = NULL;
  char err[512];
  CU_ASSERT(
      compile("{\"name\": \"f\", \"enabled\": true, \"strategies\": [" ANN_ONLY
              ", {\"name\": \"noSuchPlugin\"}]}",
              NULL, VX_COMPILE_STRICT, &f, err, sizeof err) < 0);
  CU_ASSERT_EQUAL(atomic_load(&p->refs), before);
}

/* The lookup hash reads exactly len bytes and spreads similar keys: 10,000
 * keys differing only in a counter, in 16,384 buckets, collide little. */
static void test_key_hash_reads_len_bytes_and_spreads_similar_keys(void) {
  CU_ASSERT_EQUAL(vx_key_hash("foobarbaz", 6), vx_key_hash("foobar", 6));
  CU_ASSERT_NOT_EQUAL(vx_key_hash("foobar", 6), vx_key_hash("foobaz", 6));
  CU_ASSERT_NOT_EQUAL(vx_key_hash("", 0), vx_key_hash("\0", 1));
  CU_ASSERT_NOT_EQUAL(vx_key_hash("12345678a", 9), vx_key_hash("12345678b", 9));
  static unsigned char used[16384];
  memset(used, 0, sizeof used);
  size_t distinct = 0;
  for (int i = 0; i < 10000; i++) {
    char key[32];
    int n = snprintf(key, sizeof key, "feature.flag.%d", i);
    uint64_t h = vx_key_hash(key, (size_t)n) & 16383;
    distinct += used[h] == 0;
    used[h] = 1;
  }
  /* A uniform hash fills 16384 * (1 - e^(-10000/16384)) ~ 7,500 buckets. */
  CU_ASSERT_TRUE(distinct > 7000);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_strict_mode_refuses_each_problem_naming_its_place),
      VX_TEST(test_lenient_mode_turns_only_the_broken_strategy_off),
      VX_TEST(test_strategy_variant_with_negative_weight_is_refused_or_dropped),
      VX_TEST(test_negative_flag_variant_weight_is_refused_or_dropped),
      VX_TEST(test_json_payload_that_is_not_json_is_refused_or_kept_as_text),
      VX_TEST(test_dependencies_not_an_array_are_refused_or_never_satisfied),
      VX_TEST(test_dependency_without_a_feature_is_never_satisfied),
      VX_TEST(test_strategies_not_an_array_keep_the_flag_off),
      VX_TEST(test_enabled_that_is_not_a_boolean_is_refused_or_off),
      VX_TEST(test_flag_without_a_name_is_refused_in_both_modes),
      VX_TEST(test_strict_mode_reports_the_first_problem),
      VX_TEST(test_lenient_mode_warns_once_per_problem),
      VX_TEST(test_well_formed_flag_compiles_strictly_without_warnings),
      VX_TEST(test_compiled_strategy_holds_a_plugin_reference),
      VX_TEST(test_refused_strict_compile_releases_its_plugin_references),
      VX_TEST(test_key_hash_reads_len_bytes_and_spreads_similar_keys),
      {NULL, NULL},
  };
  return vx_test_main("flag", tests, suite_init, suite_clean);
}
