/*
 * test_flexible_rollout.c - the "flexibleRollout" strategy.
 *
 * Bucket values used below, normalised(id, group, 100, seed 0) as Unleash
 * computes them (and as the specification's cases confirm):
 *   group "my.flag": "user-3" -> 46, "user-2" -> 100, "alice" -> 31
 *   group "":        "user-3" -> 75
 *   group "Feature.flexibleRollout.10": "174" -> 10, "499" -> 32
 */
#include <stdio.h>

#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

/* On for ctx at `at`, off at `at - 1`: the bucket of ctx is exactly `at`. */
static void assert_bucket(const char *flag, const char *stickiness,
                          const char *group, const vx_context *ctx,
                          unsigned at) {
  char on[8], off[8];
  snprintf(on, sizeof on, "%u", at);
  snprintf(off, sizeof off, "%u", at - 1);
  void *a = group != NULL ? th_compile_ok(flag, "rollout", on, "stickiness",
                                          stickiness, "groupId", group, NULL)
                          : th_compile_ok(flag, "rollout", on, "stickiness",
                                          stickiness, NULL);
  void *b = group != NULL ? th_compile_ok(flag, "rollout", off, "stickiness",
                                          stickiness, "groupId", group, NULL)
                          : th_compile_ok(flag, "rollout", off, "stickiness",
                                          stickiness, NULL);
  CU_ASSERT_EQUAL(th_eval(a, ctx), 1);
  CU_ASSERT_EQUAL(th_eval(b, ctx), 0);
  th_free(a);
  th_free(b);
}

static void test_flexible_rollout_declares_rollout_stickiness_and_group(void) {
  static const th_param_expect params[] = {
      {"rollout", VX_PARAM_PERCENTAGE, 1},
      {"stickiness", VX_PARAM_STRING, 0},
      {"groupId", VX_PARAM_STRING, 0},
  };
  th_check_descriptor("flexibleRollout", VX_KIND_SPLIT, params, 3);
}

static void test_flexible_rollout_missing_rollout_is_refused(void) {
  th_compile_fails("missing parameter rollout", "flag", NULL);
  th_compile_fails("missing parameter rollout", "flag", "stickiness", "userId",
                   "groupId", "g", "percentage", "50", NULL);
}

static void test_flexible_rollout_rollout_above_100_is_refused(void) {
  th_compile_fails("rollout must be 0..100, got 140", "flag", "rollout", "140",
                   NULL);
}

static void test_flexible_rollout_negative_rollout_is_refused(void) {
  th_compile_fails("rollout must be 0..100, got -1", "flag", "rollout", "-1",
                   NULL);
}

static void test_flexible_rollout_non_numeric_rollout_is_refused(void) {
  th_compile_fails("rollout must be a number, got \"half\"", "flag", "rollout",
                   "half", NULL);
}

static void test_flexible_rollout_bucket_boundary_is_inclusive(void) {
  assert_bucket("other.flag", "userId", "my.flag", th_ctx1("userId", "user-3"),
                46);
  assert_bucket("other.flag", "userId", "my.flag", th_ctx1("userId", "alice"),
                31);
}

static void test_flexible_rollout_group_id_defaults_to_the_flag_key(void) {
  /* In group "" user-3 would be in bucket 75. */
  assert_bucket("my.flag", "userId", NULL, th_ctx1("userId", "user-3"), 46);
}

static void test_flexible_rollout_empty_group_id_means_the_flag_key(void) {
  assert_bucket("my.flag", "userId", "", th_ctx1("userId", "user-3"), 46);
}

static void test_flexible_rollout_group_id_overrides_the_flag_key(void) {
  assert_bucket("my.flag", "userId", "Feature.flexibleRollout.10",
                th_ctx1("userId", "174"), 10);
}

static void test_flexible_rollout_default_stickiness_prefers_user_id(void) {
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", "user-3");    /* 46 */
  fh_ctx_set(&ctx, "sessionId", "user-2"); /* 100 */
  assert_bucket("my.flag", "default", NULL, &ctx, 46);
  fh_ctx_set(&ctx, "userId", "user-2");
  fh_ctx_set(&ctx, "sessionId", "user-3");
  assert_bucket("my.flag", "default", NULL, &ctx, 100);
}

static void test_flexible_rollout_default_falls_back_to_session_id(void) {
  fh_reset_counters();
  assert_bucket("my.flag", "default", NULL, th_ctx1("sessionId", "user-3"), 46);
  CU_ASSERT_EQUAL(fh_count.random_calls, 0);
}

static void
test_flexible_rollout_default_treats_empty_user_id_as_missing(void) {
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", "");
  fh_ctx_set(&ctx, "sessionId", "user-3");
  assert_bucket("my.flag", "default", NULL, &ctx, 46);
}

static void test_flexible_rollout_default_without_ids_is_random(void) {
  vx_context empty;
  fh_ctx_init(&empty);
  fh_reset_counters();
  fh_random_fixed(th_random_for_bucket(46));
  assert_bucket("my.flag", "default", NULL, &empty, 46);
  CU_ASSERT_EQUAL(fh_count.random_calls, 2);
  fh_random_fixed(th_random_for_bucket(1));
  assert_bucket("my.flag", "default", NULL, &empty, 1);
  fh_random_fixed(0);
}

static void test_flexible_rollout_missing_or_empty_stickiness_is_default(void) {
  void *in = th_compile_ok("my.flag", "rollout", "46", NULL);
  void *out = th_compile_ok("my.flag", "rollout", "45", NULL);
  void *in_empty =
      th_compile_ok("my.flag", "rollout", "46", "stickiness", "", NULL);
  void *out_empty =
      th_compile_ok("my.flag", "rollout", "45", "stickiness", "", NULL);
  const vx_context *ctx = th_ctx1("sessionId", "user-3");
  CU_ASSERT_EQUAL(th_eval(in, ctx), 1);
  CU_ASSERT_EQUAL(th_eval(out, ctx), 0);
  CU_ASSERT_EQUAL(th_eval(in_empty, ctx), 1);
  CU_ASSERT_EQUAL(th_eval(out_empty, ctx), 0);
  th_free(in);
  th_free(out);
  th_free(in_empty);
  th_free(out_empty);
}

static void test_flexible_rollout_user_id_stickiness_ignores_session_id(void) {
  void *in =
      th_compile_ok("my.flag", "rollout", "100", "stickiness", "userId", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "user-3")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "user-3")), 1);
  th_free(in);
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", "user-2");    /* 100 */
  fh_ctx_set(&ctx, "sessionId", "user-3"); /* 46 */
  assert_bucket("my.flag", "userId", NULL, &ctx, 100);
}

static void test_flexible_rollout_session_id_stickiness_ignores_user_id(void) {
  void *in = th_compile_ok("my.flag", "rollout", "100", "stickiness",
                           "sessionId", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "user-3")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "user-3")), 1);
  th_free(in);
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", "user-3");    /* 46 */
  fh_ctx_set(&ctx, "sessionId", "user-2"); /* 100 */
  assert_bucket("my.flag", "sessionId", NULL, &ctx, 100);
}

static void test_flexible_rollout_random_stickiness_uses_random_u32(void) {
  /* Even with a userId (bucket 46), random draws. */
  const vx_context *ctx = th_ctx1("userId", "user-3");
  fh_reset_counters();
  fh_random_fixed(th_random_for_bucket(30));
  assert_bucket("my.flag", "random", NULL, ctx, 30);
  CU_ASSERT_EQUAL(fh_count.random_calls, 2);
  /* The extremes of random_u32 are buckets 1 and 100. */
  fh_random_fixed(0);
  assert_bucket("my.flag", "random", NULL, ctx, 1);
  fh_random_fixed(UINT32_MAX);
  assert_bucket("my.flag", "random", NULL, ctx, 100);
  fh_random_fixed(0x80000000u);
  assert_bucket("my.flag", "random", NULL, ctx, 51);
  fh_random_fixed(0);
}

static void test_flexible_rollout_random_stickiness_splits_by_rollout(void) {
  void *in =
      th_compile_ok("my.flag", "rollout", "25", "stickiness", "random", NULL);
  const vx_context *ctx = th_ctx1("userId", "user-3");
  fh_random_sequence(7);
  unsigned on = 0;
  for (unsigned i = 0; i < 10000; i++)
    on += (unsigned)th_eval(in, ctx);
  CU_ASSERT(on > 2200 && on < 2800);
  fh_random_fixed(0);
  th_free(in);
}

static void test_flexible_rollout_custom_stickiness_reads_a_property(void) {
  assert_bucket("my.flag", "tenant", NULL, th_ctx1("tenant", "user-3"), 46);
}

static void test_flexible_rollout_custom_stickiness_reads_context_fields(void) {
  assert_bucket("my.flag", "appName", NULL, th_ctx1("appName", "user-3"), 46);
  assert_bucket("my.flag", "remoteAddress", NULL,
                th_ctx1("remoteAddress", "user-3"), 46);
}

static void test_flexible_rollout_missing_custom_stickiness_field_is_off(void) {
  void *in =
      th_compile_ok("my.flag", "rollout", "100", "stickiness", "tenant", NULL);
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", "user-3");
  fh_ctx_set(&ctx, "sessionId", "user-3");
  fh_ctx_set(&ctx, "other", "user-3");
  fh_reset_counters();
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 0);
  CU_ASSERT_EQUAL(fh_count.random_calls, 0);
  th_free(in);
}

static void test_flexible_rollout_empty_custom_stickiness_field_is_off(void) {
  void *in =
      th_compile_ok("my.flag", "rollout", "100", "stickiness", "tenant", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("tenant", "")), 0);
  th_free(in);
}

/* ../shared/conformance/unleash/12-custom-stickiness.json */
static void test_flexible_rollout_custom_stickiness_specification_values(void) {
  const char *flag = "Feature.flexible.rollout.custom.stickiness_50";
  void *in = th_compile_ok(flag, "rollout", "50", "stickiness", "customField",
                           "groupId", flag, NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("customField", "388")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("customField", "39")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("customField", "402")), 0);
  CU_ASSERT_EQUAL(th_eval(in, &empty), 0);
  th_free(in);

  flag = "Feature.flexible.rollout.custom.stickiness_100";
  in = th_compile_ok(flag, "rollout", "100", "stickiness", "customField",
                     "groupId", flag, NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("customField", "any_value")), 1);
  th_free(in);
}

/* ../shared/conformance/unleash/10-flexible-rollout-strategy.json */
static void test_flexible_rollout_specification_values(void) {
  vx_context empty, both;
  fh_ctx_init(&empty);
  fh_ctx_init(&both);
  fh_ctx_set(&both, "sessionId", "147");
  fh_ctx_set(&both, "userId", "12");

  const char *f = "Feature.flexibleRollout.100";
  void *in = th_compile_ok(f, "rollout", "100", "stickiness", "default",
                           "groupId", f, NULL);
  CU_ASSERT_EQUAL(th_eval(in, &empty), 1);
  th_free(in);

  f = "Feature.flexibleRollout.10";
  in = th_compile_ok(f, "rollout", "10", "stickiness", "default", "groupId", f,
                     NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "174")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "499")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "174")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "499")), 0);
  th_free(in);

  f = "Feature.flexibleRollout.userId.55";
  in = th_compile_ok(f, "rollout", "55", "stickiness", "userId", "groupId", f,
                     NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "25")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "25")), 0);
  CU_ASSERT_EQUAL(th_eval(in, &empty), 0);
  th_free(in);

  f = "Feature.flexibleRollout.sessionId.42";
  in = th_compile_ok(f, "rollout", "42", "stickiness", "sessionId", "groupId",
                     f, NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "147")), 1);
  th_free(in);

  f = "Feature.flexibleRollout.0";
  in = th_compile_ok(f, "rollout", "0", "stickiness", "default", "groupId", f,
                     NULL);
  CU_ASSERT_EQUAL(th_eval(in, &both), 0);
  th_free(in);
}

static const char *const stickinesses[] = {"default", "userId", "sessionId",
                                           "random", "tenant"};

static void test_flexible_rollout_0_is_never_on(void) {
  fh_random_sequence(1);
  for (size_t s = 0; s < 5; s++) {
    void *in = th_compile_ok("my.flag", "rollout", "0", "stickiness",
                             stickinesses[s], NULL);
    unsigned on = 0;
    for (unsigned i = 0; i < 1000; i++) {
      vx_context ctx;
      fh_ctx_init(&ctx);
      const char *id = th_id("id-", i);
      fh_ctx_set(&ctx, "userId", id);
      fh_ctx_set(&ctx, "sessionId", id);
      fh_ctx_set(&ctx, "tenant", id);
      on += (unsigned)th_eval(in, &ctx);
      on += (unsigned)th_eval(in, th_ctx1("nothing", "x"));
    }
    CU_ASSERT_EQUAL(on, 0);
    th_free(in);
  }
  fh_random_fixed(0);
}

static void test_flexible_rollout_100_is_always_on(void) {
  fh_random_sequence(2);
  for (size_t s = 0; s < 5; s++) {
    void *in = th_compile_ok("my.flag", "rollout", "100", "stickiness",
                             stickinesses[s], NULL);
    unsigned on = 0;
    for (unsigned i = 0; i < 1000; i++) {
      vx_context ctx;
      fh_ctx_init(&ctx);
      const char *id = th_id("id-", i);
      fh_ctx_set(&ctx, "userId", id);
      fh_ctx_set(&ctx, "sessionId", id);
      fh_ctx_set(&ctx, "tenant", id);
      on += (unsigned)th_eval(in, &ctx);
    }
    CU_ASSERT_EQUAL(on, 1000);
    th_free(in);
  }
  fh_random_fixed(0);
}

static void test_flexible_rollout_50_splits_users_about_in_half(void) {
  void *in = th_compile_ok("my.flag", "rollout", "50", NULL);
  unsigned on = 0;
  for (unsigned i = 0; i < 10000; i++)
    on += (unsigned)th_eval(in, th_ctx1("userId", th_id("user-", i)));
  CU_ASSERT(on > 4700 && on < 5300);
  th_free(in);
}

static void test_flexible_rollout_is_sticky_per_user(void) {
  void *in = th_compile_ok("my.flag", "rollout", "50", NULL);
  for (unsigned i = 0; i < 100; i++) {
    const vx_context *ctx = th_ctx1("userId", th_id("user-", i));
    int first = th_eval(in, ctx);
    for (int k = 0; k < 10; k++)
      CU_ASSERT_EQUAL(th_eval(in, ctx), first);
  }
  th_free(in);
}

static void test_flexible_rollout_fractional_rollout_is_truncated(void) {
  const vx_context *ctx = th_ctx1("userId", "user-3"); /* 46 */
  void *in = th_compile_ok("my.flag", "rollout", "46.9", NULL);
  void *out = th_compile_ok("my.flag", "rollout", "45.9", NULL);
  CU_ASSERT_EQUAL(th_eval(in, ctx), 1);
  CU_ASSERT_EQUAL(th_eval(out, ctx), 0);
  th_free(in);
  th_free(out);
}

static void test_flexible_rollout_ignores_unknown_parameters(void) {
  void *in = th_compile_ok("my.flag", "rollout", "46", "percentage", "0", "IPs",
                           "not an ip", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "user-3")), 1);
  th_free(in);
}

static void test_flexible_rollout_compile_survives_allocation_failures(void) {
  th_assert_compile_survives_alloc_failures("my.flag", "rollout", "50",
                                            "stickiness", "tenant", NULL);
}

static void test_flexible_rollout_evaluate_allocates_nothing(void) {
  vx_context user, session, empty, tenant;
  fh_ctx_init(&user);
  fh_ctx_set(&user, "userId", "user-3");
  fh_ctx_init(&session);
  fh_ctx_set(&session, "sessionId", "s-1");
  fh_ctx_init(&empty);
  fh_ctx_init(&tenant);
  fh_ctx_set(&tenant, "tenant", "acme");
  const vx_context *ctxs[] = {&user, &session, &empty, &tenant};
  fh_random_sequence(3);
  for (size_t s = 0; s < 5; s++) {
    void *in = th_compile_ok("my.flag", "rollout", "50", "stickiness",
                             stickinesses[s], NULL);
    th_assert_evaluate_allocates_nothing(in, ctxs, 4, 10000);
    th_free(in);
  }
  fh_random_fixed(0);
}

static void test_flexible_rollout_init_needs_random_u32_from_the_host(void) {
  long live = fh_count.live;
  void *state = NULL;
  /* A table that ends just before random_u32. */
  uint32_t size = (uint32_t)offsetof(vx_host_api, random_u32);
  CU_ASSERT_EQUAL(th_desc->init(fh_host_variant(size, VX_ABI_MAJOR), &state),
                  VX_EABI);
  CU_ASSERT_EQUAL(fh_count.live, live);
}

static const vx_test tests[] = {
    VX_TEST(test_flexible_rollout_init_needs_random_u32_from_the_host),
    VX_TEST(test_flexible_rollout_declares_rollout_stickiness_and_group),
    VX_TEST(test_flexible_rollout_missing_rollout_is_refused),
    VX_TEST(test_flexible_rollout_rollout_above_100_is_refused),
    VX_TEST(test_flexible_rollout_negative_rollout_is_refused),
    VX_TEST(test_flexible_rollout_non_numeric_rollout_is_refused),
    VX_TEST(test_flexible_rollout_bucket_boundary_is_inclusive),
    VX_TEST(test_flexible_rollout_group_id_defaults_to_the_flag_key),
    VX_TEST(test_flexible_rollout_empty_group_id_means_the_flag_key),
    VX_TEST(test_flexible_rollout_group_id_overrides_the_flag_key),
    VX_TEST(test_flexible_rollout_default_stickiness_prefers_user_id),
    VX_TEST(test_flexible_rollout_default_falls_back_to_session_id),
    VX_TEST(test_flexible_rollout_default_treats_empty_user_id_as_missing),
    VX_TEST(test_flexible_rollout_default_without_ids_is_random),
    VX_TEST(test_flexible_rollout_missing_or_empty_stickiness_is_default),
    VX_TEST(test_flexible_rollout_user_id_stickiness_ignores_session_id),
    VX_TEST(test_flexible_rollout_session_id_stickiness_ignores_user_id),
    VX_TEST(test_flexible_rollout_random_stickiness_uses_random_u32),
    VX_TEST(test_flexible_rollout_random_stickiness_splits_by_rollout),
    VX_TEST(test_flexible_rollout_custom_stickiness_reads_a_property),
    VX_TEST(test_flexible_rollout_custom_stickiness_reads_context_fields),
    VX_TEST(test_flexible_rollout_missing_custom_stickiness_field_is_off),
    VX_TEST(test_flexible_rollout_empty_custom_stickiness_field_is_off),
    VX_TEST(test_flexible_rollout_custom_stickiness_specification_values),
    VX_TEST(test_flexible_rollout_specification_values),
    VX_TEST(test_flexible_rollout_0_is_never_on),
    VX_TEST(test_flexible_rollout_100_is_always_on),
    VX_TEST(test_flexible_rollout_50_splits_users_about_in_half),
    VX_TEST(test_flexible_rollout_is_sticky_per_user),
    VX_TEST(test_flexible_rollout_fractional_rollout_is_truncated),
    VX_TEST(test_flexible_rollout_ignores_unknown_parameters),
    VX_TEST(test_flexible_rollout_compile_survives_allocation_failures),
    VX_TEST(test_flexible_rollout_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("flexible_rollout", vexil_strategy_entry(), tests);
}
