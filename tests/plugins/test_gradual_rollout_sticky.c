/*
 * test_gradual_rollout_sticky.c - the legacy "gradualRolloutUserId" and
 * "gradualRolloutSessionId" strategies, which differ only in the context
 * field they hash. Built once for each (see meson.build):
 *   TEST_MODULE       module file, e.g. "gradual_rollout_user_id"
 *   TEST_STRATEGY     strategy name, e.g. "gradualRolloutUserId"
 *   TEST_FIELD        the field it hashes, e.g. "userId"
 *   TEST_OTHER_FIELD  the other sticky field, which it must ignore
 *
 * Bucket values, normalised(id, group, 100, seed 0):
 *   group "":        "user-3" -> 75, "bob" -> 28
 *   group "my.flag": "user-3" -> 46, "bob" -> 67 (must NOT be used)
 *   group "Beta":    "bob" -> 14
 *   group "AB12A":   "122" -> 23, "155" -> 100, "123" -> 51
 */
#include <stdio.h>

#include "harness.h"

#if !defined(TEST_MODULE) || !defined(TEST_STRATEGY) ||                        \
    !defined(TEST_FIELD) || !defined(TEST_OTHER_FIELD)
#error "define TEST_MODULE, TEST_STRATEGY, TEST_FIELD, TEST_OTHER_FIELD"
#endif

const vx_strategy_descriptor *vexil_strategy_entry(void);

/* On for ctx at `at`, off at `at - 1` (group NULL: no groupId given). */
static void assert_bucket(const char *flag, const char *group,
                          const vx_context *ctx, unsigned at) {
  char on[8], off[8];
  snprintf(on, sizeof on, "%u", at);
  snprintf(off, sizeof off, "%u", at - 1);
  void *a = group != NULL
                ? th_compile_ok(flag, "percentage", on, "groupId", group, NULL)
                : th_compile_ok(flag, "percentage", on, NULL);
  void *b = group != NULL
                ? th_compile_ok(flag, "percentage", off, "groupId", group, NULL)
                : th_compile_ok(flag, "percentage", off, NULL);
  CU_ASSERT_EQUAL(th_eval(a, ctx), 1);
  CU_ASSERT_EQUAL(th_eval(b, ctx), 0);
  th_free(a);
  th_free(b);
}

static void test_gradual_rollout_declares_percentage_and_group(void) {
  static const th_param_expect params[] = {
      {"percentage", VX_PARAM_PERCENTAGE, 1},
      {"groupId", VX_PARAM_STRING, 0},
  };
  th_check_descriptor(TEST_STRATEGY, VX_KIND_SPLIT, params, 2);
}

static void test_gradual_rollout_missing_percentage_is_refused(void) {
  th_compile_fails("missing parameter percentage", "flag", NULL);
  th_compile_fails("missing parameter percentage", "flag", "rollout", "50",
                   "groupId", "g", NULL);
}

static void test_gradual_rollout_percentage_out_of_range_is_refused(void) {
  th_compile_fails("percentage must be 0..100, got 101", "flag", "percentage",
                   "101", NULL);
  th_compile_fails("percentage must be 0..100, got -5", "flag", "percentage",
                   "-5", NULL);
}

static void test_gradual_rollout_non_numeric_percentage_is_refused(void) {
  th_compile_fails("percentage must be a number, got \"ten\"", "flag",
                   "percentage", "ten", NULL);
}

static void test_gradual_rollout_group_defaults_to_empty_not_flag_key(void) {
  assert_bucket("my.flag", NULL, th_ctx1(TEST_FIELD, "user-3"), 75);
  assert_bucket("my.flag", NULL, th_ctx1(TEST_FIELD, "bob"), 28);
  assert_bucket("my.flag", "", th_ctx1(TEST_FIELD, "bob"), 28);
}

static void test_gradual_rollout_uses_the_given_group(void) {
  assert_bucket("my.flag", "Beta", th_ctx1(TEST_FIELD, "bob"), 14);
  assert_bucket("other", "my.flag", th_ctx1(TEST_FIELD, "user-3"), 46);
}

static void test_gradual_rollout_is_off_without_its_field(void) {
  void *in = th_compile_ok("flag", "percentage", "100", NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  fh_reset_counters();
  CU_ASSERT_EQUAL(th_eval(in, &empty), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1(TEST_FIELD, "")), 0);
  CU_ASSERT_EQUAL(fh_count.random_calls, 0);
  th_free(in);
}

static void test_gradual_rollout_ignores_the_other_sticky_field(void) {
  void *in = th_compile_ok("flag", "percentage", "100", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1(TEST_OTHER_FIELD, "user-3")), 0);
  th_free(in);
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, TEST_FIELD, "bob");          /* 28 */
  fh_ctx_set(&ctx, TEST_OTHER_FIELD, "user-3"); /* 75 */
  assert_bucket("flag", NULL, &ctx, 28);
}

/* ../shared/conformance/unleash/03-gradual-rollout-user-id-strategy.json
 * (the same values hold for sessions: only the field differs). */
static void
test_gradual_rollout_matches_the_unleash_specification_values(void) {
  void *a3 = th_compile_ok("Feature.A3", "percentage", "100", "groupId",
                           "AB12A", NULL);
  void *b3 =
      th_compile_ok("Feature.B3", "percentage", "50", "groupId", "AB12A", NULL);
  void *c3 =
      th_compile_ok("Feature.C3", "percentage", "0", "groupId", "AB12A", NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  CU_ASSERT_EQUAL(th_eval(a3, th_ctx1(TEST_FIELD, "123")), 1);
  CU_ASSERT_EQUAL(th_eval(a3, &empty), 0);
  CU_ASSERT_EQUAL(th_eval(b3, th_ctx1(TEST_FIELD, "122")), 1);
  CU_ASSERT_EQUAL(th_eval(b3, th_ctx1(TEST_FIELD, "155")), 0);
  CU_ASSERT_EQUAL(th_eval(c3, th_ctx1(TEST_FIELD, "122")), 0);
  th_free(a3);
  th_free(b3);
  th_free(c3);
  assert_bucket("Feature.B3", "AB12A", th_ctx1(TEST_FIELD, "123"), 51);
  assert_bucket("Feature.B3", "AB12A", th_ctx1(TEST_FIELD, "155"), 100);
}

static void test_gradual_rollout_0_is_never_on_and_100_always_on(void) {
  void *none = th_compile_ok("flag", "percentage", "0", NULL);
  void *all = th_compile_ok("flag", "percentage", "100", NULL);
  unsigned on_none = 0, on_all = 0;
  for (unsigned i = 0; i < 1000; i++) {
    const vx_context *ctx = th_ctx1(TEST_FIELD, th_id("user-", i));
    on_none += (unsigned)th_eval(none, ctx);
    on_all += (unsigned)th_eval(all, ctx);
  }
  CU_ASSERT_EQUAL(on_none, 0);
  CU_ASSERT_EQUAL(on_all, 1000);
  th_free(none);
  th_free(all);
}

static void test_gradual_rollout_50_splits_ids_about_in_half(void) {
  void *in = th_compile_ok("flag", "percentage", "50", NULL);
  unsigned on = 0;
  for (unsigned i = 0; i < 10000; i++)
    on += (unsigned)th_eval(in, th_ctx1(TEST_FIELD, th_id("user-", i)));
  CU_ASSERT(on > 4700 && on < 5300);
  th_free(in);
}

static void test_gradual_rollout_ignores_unknown_parameters(void) {
  void *in = th_compile_ok("flag", "percentage", "28", "rollout", "0",
                           "stickiness", "random", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1(TEST_FIELD, "bob")), 1);
  th_free(in);
}

static void test_gradual_rollout_compile_survives_allocation_failures(void) {
  th_assert_compile_survives_alloc_failures("flag", "percentage", "5",
                                            "groupId", "g", NULL);
}

static void test_gradual_rollout_evaluate_allocates_nothing(void) {
  vx_context a, b, empty;
  fh_ctx_init(&a);
  fh_ctx_set(&a, TEST_FIELD, "bob");
  fh_ctx_init(&b);
  fh_ctx_set(&b, TEST_FIELD, "user-3");
  fh_ctx_init(&empty);
  const vx_context *ctxs[] = {&a, &b, &empty};
  void *in = th_compile_ok("flag", "percentage", "50", NULL);
  th_assert_evaluate_allocates_nothing(in, ctxs, 3, 10000);
  th_free(in);
}

static const vx_test tests[] = {
    VX_TEST(test_gradual_rollout_declares_percentage_and_group),
    VX_TEST(test_gradual_rollout_missing_percentage_is_refused),
    VX_TEST(test_gradual_rollout_percentage_out_of_range_is_refused),
    VX_TEST(test_gradual_rollout_non_numeric_percentage_is_refused),
    VX_TEST(test_gradual_rollout_group_defaults_to_empty_not_flag_key),
    VX_TEST(test_gradual_rollout_uses_the_given_group),
    VX_TEST(test_gradual_rollout_is_off_without_its_field),
    VX_TEST(test_gradual_rollout_ignores_the_other_sticky_field),
    VX_TEST(test_gradual_rollout_matches_the_unleash_specification_values),
    VX_TEST(test_gradual_rollout_0_is_never_on_and_100_always_on),
    VX_TEST(test_gradual_rollout_50_splits_ids_about_in_half),
    VX_TEST(test_gradual_rollout_ignores_unknown_parameters),
    VX_TEST(test_gradual_rollout_compile_survives_allocation_failures),
    VX_TEST(test_gradual_rollout_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both(TEST_MODULE, vexil_strategy_entry(), tests);
}
