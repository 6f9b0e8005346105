/*
 * test_gradual_rollout_random.c - the legacy "gradualRolloutRandom"
 * strategy. The plugin maps host->random_u32() r to a bucket in 1..100 as
 * (r * 100 >> 32) + 1 (th_random_for_bucket inverts that).
 */
#include <stdio.h>

#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

static unsigned count_on(void *in, const vx_context *ctx, unsigned n) {
  unsigned on = 0;
  for (unsigned i = 0; i < n; i++)
    on += (unsigned)th_eval(in, ctx);
  return on;
}

static void test_gradual_random_declares_a_required_percentage(void) {
  static const th_param_expect params[] = {
      {"percentage", VX_PARAM_PERCENTAGE, 1},
  };
  th_check_descriptor("gradualRolloutRandom", VX_KIND_SPLIT, params, 1);
}

static void test_gradual_random_missing_percentage_is_refused(void) {
  th_compile_fails("missing parameter percentage", "flag", NULL);
  th_compile_fails("missing parameter percentage", "flag", "rollout", "100",
                   NULL);
}

static void test_gradual_random_percentage_out_of_range_is_refused(void) {
  th_compile_fails("percentage must be 0..100, got 250", "flag", "percentage",
                   "250", NULL);
  th_compile_fails("percentage must be 0..100, got -1", "flag", "percentage",
                   "-1", NULL);
}

static void test_gradual_random_non_numeric_percentage_is_refused(void) {
  th_compile_fails("percentage must be a number, got \"50%\"", "flag",
                   "percentage", "50%", NULL);
}

static void
test_gradual_random_is_on_when_the_bucket_is_within_percentage(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *p30 = th_compile_ok("flag", "percentage", "30", NULL);
  void *p29 = th_compile_ok("flag", "percentage", "29", NULL);
  fh_reset_counters();
  fh_random_fixed(th_random_for_bucket(30));
  CU_ASSERT_EQUAL(th_eval(p30, &empty), 1);
  CU_ASSERT_EQUAL(th_eval(p29, &empty), 0);
  CU_ASSERT_EQUAL(fh_count.random_calls, 2);
  fh_random_fixed(th_random_for_bucket(31) - 1); /* still bucket 30 */
  CU_ASSERT_EQUAL(th_eval(p30, &empty), 1);
  fh_random_fixed(th_random_for_bucket(31));
  CU_ASSERT_EQUAL(th_eval(p30, &empty), 0);
  fh_random_fixed(0);
  th_free(p30);
  th_free(p29);
}

static void test_gradual_random_extremes_of_random_are_buckets_1_and_100(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *p1 = th_compile_ok("flag", "percentage", "1", NULL);
  void *p99 = th_compile_ok("flag", "percentage", "99", NULL);
  void *p100 = th_compile_ok("flag", "percentage", "100", NULL);
  fh_random_fixed(0);
  CU_ASSERT_EQUAL(th_eval(p1, &empty), 1);
  fh_random_fixed(UINT32_MAX);
  CU_ASSERT_EQUAL(th_eval(p99, &empty), 0);
  CU_ASSERT_EQUAL(th_eval(p100, &empty), 1);
  fh_random_fixed(0x80000000u); /* bucket 51 */
  CU_ASSERT_EQUAL(th_eval(p99, &empty), 1);
  fh_random_fixed(0);
  th_free(p1);
  th_free(p99);
  th_free(p100);
}

static void test_gradual_random_0_is_never_on(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *in = th_compile_ok("flag", "percentage", "0", NULL);
  fh_random_fixed(0); /* the lowest bucket */
  CU_ASSERT_EQUAL(count_on(in, &empty, 1000), 0);
  fh_random_sequence(11);
  CU_ASSERT_EQUAL(count_on(in, th_ctx1("userId", "u"), 1000), 0);
  fh_random_fixed(0);
  th_free(in);
}

static void test_gradual_random_100_is_always_on(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *in = th_compile_ok("flag", "percentage", "100", NULL);
  fh_random_fixed(UINT32_MAX); /* the highest bucket */
  CU_ASSERT_EQUAL(count_on(in, &empty, 1000), 1000);
  fh_random_sequence(12);
  CU_ASSERT_EQUAL(count_on(in, th_ctx1("userId", "u"), 1000), 1000);
  fh_random_fixed(0);
  th_free(in);
}

static void test_gradual_random_splits_evaluations_by_percentage(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *p10 = th_compile_ok("flag", "percentage", "10", NULL);
  void *p75 = th_compile_ok("flag", "percentage", "75", NULL);
  fh_random_sequence(13);
  unsigned on10 = count_on(p10, &empty, 10000);
  unsigned on75 = count_on(p75, &empty, 10000);
  CU_ASSERT(on10 > 800 && on10 < 1200);
  CU_ASSERT(on75 > 7200 && on75 < 7800);
  fh_random_fixed(0);
  th_free(p10);
  th_free(p75);
}

static void test_gradual_random_is_not_sticky(void) {
  void *in = th_compile_ok("flag", "percentage", "50", NULL);
  const vx_context *ctx = th_ctx1("userId", "same-user");
  fh_random_fixed(th_random_for_bucket(50));
  CU_ASSERT_EQUAL(th_eval(in, ctx), 1);
  fh_random_fixed(th_random_for_bucket(51));
  CU_ASSERT_EQUAL(th_eval(in, ctx), 0);
  fh_random_fixed(0);
  th_free(in);
}

/* ../shared/conformance/unleash/05-gradual-rollout-random-strategy.json */
static void test_gradual_random_follows_the_unleash_specification(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *a5 = th_compile_ok("Feature.A5", "percentage", "100", NULL);
  void *b5 = th_compile_ok("Feature.B5", "percentage", "0", NULL);
  fh_random_sequence(14);
  CU_ASSERT_EQUAL(count_on(a5, &empty, 100), 100);
  CU_ASSERT_EQUAL(count_on(b5, &empty, 100), 0);
  fh_random_fixed(0);
  th_free(a5);
  th_free(b5);
}

static void test_gradual_random_ignores_unknown_parameters(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  void *in = th_compile_ok("flag", "percentage", "100", "groupId", "g",
                           "rollout", "0", NULL);
  CU_ASSERT_EQUAL(th_eval(in, &empty), 1);
  th_free(in);
}

static void test_gradual_random_compile_survives_allocation_failures(void) {
  th_assert_compile_survives_alloc_failures("flag", "percentage", "5", NULL);
}

static void test_gradual_random_evaluate_allocates_nothing(void) {
  vx_context empty, user;
  fh_ctx_init(&empty);
  fh_ctx_init(&user);
  fh_ctx_set(&user, "userId", "u");
  const vx_context *ctxs[] = {&empty, &user};
  void *in = th_compile_ok("flag", "percentage", "50", NULL);
  fh_random_sequence(15);
  th_assert_evaluate_allocates_nothing(in, ctxs, 2, 10000);
  fh_random_fixed(0);
  th_free(in);
}

static void test_gradual_random_init_needs_random_u32_from_the_host(void) {
  long live = fh_count.live;
  void *state = NULL;
  /* A table that ends just before random_u32. */
  uint32_t size = (uint32_t)offsetof(vx_host_api, random_u32);
  CU_ASSERT_EQUAL(th_desc->init(fh_host_variant(size, VX_ABI_MAJOR), &state),
                  VX_EABI);
  CU_ASSERT_EQUAL(fh_count.live, live);
}

static const vx_test tests[] = {
    VX_TEST(test_gradual_random_init_needs_random_u32_from_the_host),
    VX_TEST(test_gradual_random_declares_a_required_percentage),
    VX_TEST(test_gradual_random_missing_percentage_is_refused),
    VX_TEST(test_gradual_random_percentage_out_of_range_is_refused),
    VX_TEST(test_gradual_random_non_numeric_percentage_is_refused),
    VX_TEST(test_gradual_random_is_on_when_the_bucket_is_within_percentage),
    VX_TEST(test_gradual_random_extremes_of_random_are_buckets_1_and_100),
    VX_TEST(test_gradual_random_0_is_never_on),
    VX_TEST(test_gradual_random_100_is_always_on),
    VX_TEST(test_gradual_random_splits_evaluations_by_percentage),
    VX_TEST(test_gradual_random_is_not_sticky),
    VX_TEST(test_gradual_random_follows_the_unleash_specification),
    VX_TEST(test_gradual_random_ignores_unknown_parameters),
    VX_TEST(test_gradual_random_compile_survives_allocation_failures),
    VX_TEST(test_gradual_random_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("gradual_rollout_random", vexil_strategy_entry(), tests);
}
