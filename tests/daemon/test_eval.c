/*
 * Evaluation: which strategy decides, which variant is served, and the
 * reason the decision reports (STATIC, TARGETING_MATCH, SPLIT, DISABLED,
 * DEFAULT, FLAG_NOT_FOUND). Runs on the real built-in plugins.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "eval.h"
#include "log.h"
#include "plugin_host.h"
#include "state.h"
#include "vx_test.h"
#ifdef VX_COUNT_ALLOC
#include "count_alloc.h"
#endif

static vx_plugin_host *plugins;
static vx_state st;
static vx_snapshot *snap;
static const vx_env *env;

static const char *flags_json =
    "{\"features\": ["
    " {\"name\": \"off\", \"enabled\": false,"
    "  \"strategies\": [{\"name\": \"default\"}]},"
    " {\"name\": \"everyone\", \"enabled\": true, \"strategies\": []},"
    " {\"name\": \"plain-default\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}]},"
    " {\"name\": \"beta-country\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\", \"constraints\": ["
    "   {\"contextName\": \"country\", \"operator\": \"IN\","
    "    \"values\": [\"NO\", \"SE\"]}]}]},"
    " {\"name\": \"listed\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"userWithId\","
    "   \"parameters\": {\"userIds\": \"alice, bob\"}}]},"
    " {\"name\": \"half\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"flexibleRollout\","
    "   \"parameters\": {\"rollout\": \"100\", \"stickiness\": \"default\","
    "    \"groupId\": \"half\"}}]},"
    " {\"name\": \"colours\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}],"
    "  \"variants\": ["
    "   {\"name\": \"red\", \"weight\": 50,"
    "    \"payload\": {\"type\": \"string\", \"value\": \"#f00\"},"
    "    \"overrides\": [{\"contextName\": \"userId\","
    "                     \"values\": [\"vip\"]}]},"
    "   {\"name\": \"blue\", \"weight\": 50,"
    "    \"payload\": {\"type\": \"json\", \"value\": \"{\\\"b\\\": 1}\"}}]},"
    " {\"name\": \"one-variant\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\"}],"
    "  \"variants\": [{\"name\": \"only\", \"weight\": 1}]},"
    " {\"name\": \"ghost-first\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"noSuchPlugin\"},"
    "                   {\"name\": \"userWithId\","
    "                    \"parameters\": {\"userIds\": \"carol\"}}]},"
    " {\"name\": \"second-decides\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"userWithId\","
    "                    \"parameters\": {\"userIds\": \"dave\"}},"
    "                   {\"name\": \"default\"}]},"
    " {\"name\": \"strategy-variants\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"default\","
    "   \"parameters\": {\"groupId\": \"g\"},"
    "   \"variants\": [{\"name\": \"s1\", \"weight\": 1},"
    "                  {\"name\": \"s2\", \"weight\": 1}]}],"
    "  \"variants\": [{\"name\": \"flag-level\", \"weight\": 1}]},"
    " {\"name\": \"disabled-first\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"userWithId\", \"disabled\": true,"
    "                    \"parameters\": {\"userIds\": \"x\"}},"
    "                   {\"name\": \"userWithId\","
    "                    \"parameters\": {\"userIds\": \"y\"}}]},"
    " {\"name\": \"all-disabled\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"userWithId\", \"disabled\": true,"
    "                    \"parameters\": {\"userIds\": \"x\"}}]},"
    " {\"name\": \"erring\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"returnsEinval\"}]},"
    " {\"name\": \"stray\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"returnsTwo\"}]},"
    " {\"name\": \"erring-then-default\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"returnsEinval\"},"
    "                   {\"name\": \"default\"}]},"
    " {\"name\": \"child\", \"enabled\": true,"
    "  \"dependencies\": [{\"feature\": \"beta-country\"}],"
    "  \"strategies\": []}"
    "]}";

/* Two plugins that break the evaluate contract: one returns an error
 * code, the other a value that is neither 0 nor 1. */
static int misc_compile(void *state, const char *flag, const vx_param *params,
                        size_t n, void **instance, char *err, size_t errlen) {
  (void)state, (void)flag, (void)params, (void)n, (void)err, (void)errlen;
  static int dummy;
  *instance = &dummy;
  return 0;
}
static int returns_einval(const void *instance, const vx_context *ctx) {
  (void)instance, (void)ctx;
  return VX_EINVAL;
}
static int returns_two(const void *instance, const vx_context *ctx) {
  (void)instance, (void)ctx;
  return 2;
}
static void misc_free(void *state, void *instance) {
  (void)state, (void)instance;
}
static const vx_strategy_descriptor einval_desc = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = "returnsEinval",
    .version = "6.6.6",
    .kind = VX_KIND_TARGETING,
    .compile = misc_compile,
    .evaluate = returns_einval,
    .free_instance = misc_free,
};
static const vx_strategy_descriptor two_desc = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = "returnsTwo",
    .kind = VX_KIND_STATIC,
    .compile = misc_compile,
    .evaluate = returns_two,
    .free_instance = misc_free,
};

static int suite_init(void) {
  vx_log_set_level(VX_LOG_ERROR);
  plugins = vx_plugin_host_new();
  if (vx_plugin_host_load_dir(plugins, getenv("VX_PLUGIN_DIR")) != 10)
    return -1;
  char why[256];
  if (vx_plugin_host_register(plugins, &einval_desc, "<test>", why,
                              sizeof why) != 0 ||
      vx_plugin_host_register(plugins, &two_desc, "<test>", why, sizeof why) !=
          0)
    return -1;
  json_t *doc = json_loads(flags_json, 0, NULL);
  char err[512];
  if (doc == NULL || vx_state_init(&st) != 0 ||
      vx_state_import_unleash(&st, doc, "production", VX_IMPORT_REPLACE, err,
                              sizeof err) != 0 ||
      vx_snapshot_build(&st, NULL, plugins, 0, &snap, err, sizeof err) != 0)
    return -1;
  json_decref(doc);
  env = vx_snapshot_env(snap, "production");
  return env != NULL ? 0 : -1;
}

static int suite_clean(void) {
  vx_snapshot_free(snap);
  vx_state_dispose(&st);
  vx_plugin_host_free(plugins);
  return 0;
}

/* Decides flag for a context given as JSON. */
static vx_decision decide(const char *flag, const char *context) {
  json_t *obj = json_loads(context, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
  vx_context_json ctx;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(obj, &ctx, err, sizeof err), 0);
  vx_decision d;
  vx_evaluate(env, flag, strlen(flag), &ctx.ctx, &d);
  vx_context_json_dispose(&ctx);
  json_decref(obj);
  return d;
}

static const char *variant_name(const vx_decision *d) {
  return d->variant ? d->variant->name : "disabled";
}

static void test_switched_off_flag_is_disabled(void) {
  vx_decision d = decide("off", "{\"userId\": \"a\"}");
  CU_ASSERT_FALSE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_DISABLED);
  CU_ASSERT_STRING_EQUAL(variant_name(&d), "disabled");
}

static void test_flag_without_strategies_is_static_on(void) {
  vx_decision d = decide("everyone", "{}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_STATIC);
  CU_ASSERT_EQUAL(d.strategy, -1);
}

static void test_default_strategy_is_static_on(void) {
  vx_decision d = decide("plain-default", "{}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_STATIC);
  CU_ASSERT_EQUAL(d.strategy, 0);
}

static void test_constraint_match_is_targeting_match(void) {
  vx_decision d = decide("beta-country", "{\"properties\": {\"country\": "
                                         "\"SE\"}}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_TARGETING_MATCH);
}

static void test_no_match_is_default_and_off(void) {
  vx_decision d = decide("beta-country", "{\"properties\": {\"country\": "
                                         "\"DK\"}}");
  CU_ASSERT_FALSE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_DEFAULT);
  CU_ASSERT_EQUAL(d.strategy, -1);
}

static void test_user_list_is_targeting_match(void) {
  vx_decision d = decide("listed", "{\"userId\": \"bob\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_TARGETING_MATCH);
  d = decide("listed", "{\"userId\": \"eve\"}");
  CU_ASSERT_FALSE(d.enabled);
}

static void test_rollout_is_split(void) {
  vx_decision d = decide("half", "{\"userId\": \"u1\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_SPLIT);
}

static void test_variant_hash_is_split_and_sticky(void) {
  vx_decision a = decide("colours", "{\"userId\": \"u-42\"}");
  vx_decision b = decide("colours", "{\"userId\": \"u-42\"}");
  CU_ASSERT_TRUE(a.enabled);
  CU_ASSERT_EQUAL(a.reason, VX_REASON_SPLIT);
  CU_ASSERT_PTR_EQUAL(a.variant, b.variant);
  /* Both variants are served to someone. */
  bool red = false, blue = false;
  for (int i = 0; i < 200; i++) {
    char ctx[64];
    snprintf(ctx, sizeof ctx, "{\"userId\": \"user-%d\"}", i);
    vx_decision d = decide("colours", ctx);
    red |= strcmp(variant_name(&d), "red") == 0;
    blue |= strcmp(variant_name(&d), "blue") == 0;
  }
  CU_ASSERT_TRUE(red && blue);
}

static void test_variant_override_is_targeting_match(void) {
  vx_decision d = decide("colours", "{\"userId\": \"vip\"}");
  CU_ASSERT_STRING_EQUAL(variant_name(&d), "red");
  CU_ASSERT_EQUAL(d.reason, VX_REASON_TARGETING_MATCH);
}

static void test_single_variant_keeps_the_strategy_reason(void) {
  vx_decision d = decide("one-variant", "{\"userId\": \"x\"}");
  CU_ASSERT_STRING_EQUAL(variant_name(&d), "only");
  CU_ASSERT_EQUAL(d.reason, VX_REASON_STATIC);
}

static void test_missing_plugin_is_off_and_others_still_decide(void) {
  vx_decision d = decide("ghost-first", "{\"userId\": \"carol\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.strategy, 1);
  d = decide("ghost-first", "{\"userId\": \"zed\"}");
  CU_ASSERT_FALSE(d.enabled);
}

static void test_first_strategy_that_is_on_decides(void) {
  vx_decision d = decide("second-decides", "{\"userId\": \"dave\"}");
  CU_ASSERT_EQUAL(d.strategy, 0);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_TARGETING_MATCH);
  d = decide("second-decides", "{\"userId\": \"erin\"}");
  CU_ASSERT_EQUAL(d.strategy, 1);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_STATIC);
}

static void test_strategy_variants_win_over_flag_variants(void) {
  for (int i = 0; i < 20; i++) {
    char ctx[64];
    snprintf(ctx, sizeof ctx, "{\"userId\": \"%d\"}", i);
    vx_decision d = decide("strategy-variants", ctx);
    CU_ASSERT_EQUAL(variant_name(&d)[0], 's');
  }
}

static void test_unknown_flag_is_not_found(void) {
  vx_decision d;
  vx_context ctx;
  vx_context_init(&ctx);
  CU_ASSERT_EQUAL(vx_evaluate(env, "nope", 4, &ctx, &d), VX_ENOENT);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_FLAG_NOT_FOUND);
  CU_ASSERT_FALSE(d.enabled);
  CU_ASSERT_PTR_NULL(d.flag);
  CU_ASSERT_EQUAL(vx_evaluate(NULL, "nope", 4, &ctx, &d), VX_ENOENT);
}

static void test_unsatisfied_dependency_is_default_and_off(void) {
  vx_decision d = decide("child", "{\"properties\": {\"country\": \"NO\"}}");
  CU_ASSERT_TRUE(d.enabled);
  d = decide("child", "{\"properties\": {\"country\": \"US\"}}");
  CU_ASSERT_FALSE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_DEFAULT);
}

/* Unleash's server never sends a disabled strategy to its clients: it is
 * as if absent, so only disabled strategies means on for everyone. */
static void test_disabled_strategies_are_ignored(void) {
  vx_decision d = decide("disabled-first", "{\"userId\": \"x\"}");
  CU_ASSERT_FALSE(d.enabled);
  d = decide("disabled-first", "{\"userId\": \"y\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.strategy, 1); /* the index in the definition */
  d = decide("all-disabled", "{\"userId\": \"z\"}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_STATIC);
}

/* Log lines captured while a test runs. */
static char logged[8][1024];
static int n_logged;

static void capture(vx_log_level level, const char *line, void *arg) {
  (void)level, (void)arg;
  if (n_logged < 8)
    snprintf(logged[n_logged], sizeof logged[0], "%s", line);
  n_logged++;
}

static uint64_t errors_of(const char *strategy) {
  return atomic_load(&vx_plugin_host_find(plugins, strategy)->stats->errors);
}

/* Fail closed: an error code from evaluate is off (not on, as any
 * non-zero result once was), counted per strategy, and logged once a
 * minute at most, naming the flag and the code. */
static void test_plugin_error_is_off_counted_and_logged_once(void) {
  uint64_t before = errors_of("returnsEinval");
  n_logged = 0;
  vx_log_set_level(VX_LOG_WARN);
  vx_log_set_sink(capture, NULL);
  vx_decision d[3];
  for (int i = 0; i < 3; i++)
    d[i] = decide("erring", "{\"userId\": \"u1\"}");
  vx_log_set_sink(NULL, NULL);
  vx_log_set_level(VX_LOG_ERROR);
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_FALSE(d[i].enabled);
    CU_ASSERT_EQUAL(d[i].reason, VX_REASON_DEFAULT);
    CU_ASSERT_EQUAL(d[i].strategy, -1);
  }
  CU_ASSERT_EQUAL(errors_of("returnsEinval") - before, 3);
  /* Earlier tests may have logged already this minute: at most one line,
   * and exactly one when this is the strategy's first error. */
  CU_ASSERT(n_logged <= 1);
  if (before == 0) {
    CU_ASSERT_EQUAL_FATAL(n_logged, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(logged[0], "strategy returnsEinval 6.6.6"));
    CU_ASSERT_PTR_NOT_NULL(strstr(logged[0], "returned -1 (EINVAL, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(logged[0], "flag erring"));
  }
}

static void test_plugin_result_other_than_one_is_off(void) {
  uint64_t before = errors_of("returnsTwo");
  vx_decision d = decide("stray", "{}");
  CU_ASSERT_FALSE(d.enabled);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_DEFAULT);
  CU_ASSERT_EQUAL(errors_of("returnsTwo") - before, 1);
}

/* An erring strategy does not decide; the next one still may. */
static void test_plugin_error_lets_the_next_strategy_decide(void) {
  vx_decision d = decide("erring-then-default", "{}");
  CU_ASSERT_TRUE(d.enabled);
  CU_ASSERT_EQUAL(d.strategy, 1);
  CU_ASSERT_EQUAL(d.reason, VX_REASON_STATIC);
}

static void test_reason_names_are_the_ofrep_ones(void) {
  CU_ASSERT_STRING_EQUAL(vx_reason_name(VX_REASON_STATIC), "STATIC");
  CU_ASSERT_STRING_EQUAL(vx_reason_name(VX_REASON_TARGETING_MATCH),
                         "TARGETING_MATCH");
  CU_ASSERT_STRING_EQUAL(vx_reason_name(VX_REASON_SPLIT), "SPLIT");
  CU_ASSERT_STRING_EQUAL(vx_reason_name(VX_REASON_DISABLED), "DISABLED");
  CU_ASSERT_STRING_EQUAL(vx_reason_name(VX_REASON_DEFAULT), "DEFAULT");
  CU_ASSERT_STRING_EQUAL(vx_reason_name(VX_REASON_FLAG_NOT_FOUND),
                         "FLAG_NOT_FOUND");
}

#ifdef VX_COUNT_ALLOC
/* The hot path: look up, evaluate (constraints, plugins, variants),
 * decide. Not one allocation once the context exists. */
static void test_evaluation_allocates_nothing(void) {
  /* The last context's properties are found by binary search among 60. */
  char many[2048];
  size_t o = (size_t)snprintf(many, sizeof many,
                              "{\"userId\": \"bob\", \"properties\": {");
  for (int i = 0; i < 59; i++)
    o += (size_t)snprintf(many + o, sizeof many - o, "\"p%02d\": \"%d\", ", i,
                          i);
  snprintf(many + o, sizeof many - o, "\"country\": \"SE\"}}");
  const char *contexts[] = {
      "{\"userId\": \"alice\", \"properties\": {\"country\": \"SE\"}}",
      "{\"sessionId\": \"s1\", \"remoteAddress\": \"10.1.2.3\"}",
      "{}",
      many,
  };
  static const char *keys[] = {
      "off",         "everyone",       "plain-default",     "beta-country",
      "listed",      "half",           "colours",           "one-variant",
      "ghost-first", "second-decides", "strategy-variants", "child",
      "missing",     "stray"};
  for (size_t c = 0; c < sizeof contexts / sizeof *contexts; c++) {
    json_t *obj = json_loads(contexts[c], 0, NULL);
    vx_context_json ctx;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(vx_context_from_json(obj, &ctx, err, sizeof err), 0);
    vx_decision d;
    vx_evaluate(env, "half", 4, &ctx.ctx, &d); /* warm per-thread state */
    size_t before = vx_alloc_count();
    for (int round = 0; round < 1000; round++)
      for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        vx_evaluate(env, keys[k], strlen(keys[k]), &ctx.ctx, &d);
    CU_ASSERT_EQUAL(vx_alloc_count() - before, 0);
    vx_context_json_dispose(&ctx);
    json_decref(obj);
  }
}
#endif

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_switched_off_flag_is_disabled),
      VX_TEST(test_flag_without_strategies_is_static_on),
      VX_TEST(test_default_strategy_is_static_on),
      VX_TEST(test_constraint_match_is_targeting_match),
      VX_TEST(test_no_match_is_default_and_off),
      VX_TEST(test_user_list_is_targeting_match),
      VX_TEST(test_rollout_is_split),
      VX_TEST(test_variant_hash_is_split_and_sticky),
      VX_TEST(test_variant_override_is_targeting_match),
      VX_TEST(test_single_variant_keeps_the_strategy_reason),
      VX_TEST(test_missing_plugin_is_off_and_others_still_decide),
      VX_TEST(test_first_strategy_that_is_on_decides),
      VX_TEST(test_strategy_variants_win_over_flag_variants),
      VX_TEST(test_unknown_flag_is_not_found),
      VX_TEST(test_unsatisfied_dependency_is_default_and_off),
      VX_TEST(test_disabled_strategies_are_ignored),
      VX_TEST(test_plugin_error_is_off_counted_and_logged_once),
      VX_TEST(test_plugin_result_other_than_one_is_off),
      VX_TEST(test_plugin_error_lets_the_next_strategy_decide),
      VX_TEST(test_reason_names_are_the_ofrep_ones),
#ifdef VX_COUNT_ALLOC
      VX_TEST(test_evaluation_allocates_nothing),
#endif
      {NULL, NULL},
  };
  return vx_test_main("daemon/eval", tests, suite_init, suite_clean);
}
