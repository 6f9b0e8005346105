/*
 * test_ramp_rollout.c - the "rampRollout" strategy.
 *
 * The ramp below goes from 0% at 2024-01-01T00:00:00Z to 100% at 01:40:00Z
 * (100 minutes): the share at minute m is m%. Buckets in group "my.flag"
 * (as in test_flexible_rollout.c): "user-3" -> 46, "alice" -> 31,
 * "user-2" -> 100.
 */
#include <stdio.h>
#include <string.h>

#include <vexil/sdk.h>

#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

#define T0 "2024-01-01T00:00:00Z"
#define T1 "2024-01-01T01:40:00Z"

static int64_t ms_of(const char *iso) {
  int64_t ms = 0;
  CU_ASSERT_EQUAL(vx_time_parse(iso, strlen(iso), &ms), 0);
  return ms;
}

/* The instant `minutes` (may be fractional) after T0, as ISO 8601. */
static const char *after(double minutes) {
  static char buf[4][40];
  static int k;
  char *b = buf[k++ % 4];
  int64_t ms = ms_of(T0) + (int64_t)(minutes * 60000.0);
  vx_civil c;
  vx_civil_from_ms(ms, 0, &c);
  snprintf(b, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day,
           c.hour, c.minute, c.second, c.millisecond);
  return b;
}

static int user_at(const void *in, const char *user, const char *when) {
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", user);
  fh_ctx_set(&ctx, "currentTime", when);
  return th_eval(in, &ctx);
}

static void *ramp(const char *p0, const char *p1) {
  return th_compile_ok("my.flag", "startPercentage", p0, "endPercentage", p1,
                       "startTime", T0, "endTime", T1, "stickiness", "userId",
                       NULL);
}

static void test_ramp_rollout_declares_its_parameters(void) {
  static const th_param_expect params[] = {
      {"startPercentage", VX_PARAM_PERCENTAGE, 1},
      {"endPercentage", VX_PARAM_PERCENTAGE, 1},
      {"startTime", VX_PARAM_STRING, 1},
      {"endTime", VX_PARAM_STRING, 1},
      {"stickiness", VX_PARAM_STRING, 0},
      {"groupId", VX_PARAM_STRING, 0},
  };
  th_check_descriptor("rampRollout", VX_KIND_SPLIT, params, 6);
}

static void test_ramp_rollout_share_grows_linearly_between_the_times(void) {
  void *in = ramp("0", "100");
  /* user-3 is in bucket 46: in from minute 46 exactly. */
  CU_ASSERT_EQUAL(user_at(in, "user-3", after(45.99)), 0);
  CU_ASSERT_EQUAL(user_at(in, "user-3", after(46)), 1);
  /* alice (31) is in from minute 31. */
  CU_ASSERT_EQUAL(user_at(in, "alice", after(30.9)), 0);
  CU_ASSERT_EQUAL(user_at(in, "alice", after(31)), 1);
  th_free(in);
}

static void test_ramp_rollout_is_clamped_before_start_and_after_end(void) {
  void *in = ramp("40", "60");
  CU_ASSERT_EQUAL(user_at(in, "alice", "2023-12-01T00:00:00Z"),
                  1); /* 31 <= 40 */
  CU_ASSERT_EQUAL(user_at(in, "user-3", "2023-12-01T00:00:00Z"), 0);
  CU_ASSERT_EQUAL(user_at(in, "user-3", "2025-01-01T00:00:00Z"), 1);
  CU_ASSERT_EQUAL(user_at(in, "user-2", "2025-01-01T00:00:00Z"), 0);
  th_free(in);
  in = ramp("0", "0");
  CU_ASSERT_EQUAL(user_at(in, "alice", after(50)), 0);
  th_free(in);
}

static void test_ramp_rollout_user_once_in_stays_in_as_it_grows(void) {
  void *in = ramp("5", "95");
  unsigned entered = 0;
  for (unsigned u = 0; u < 400; u++) {
    const char *id = th_id("user-", u);
    int was_in = 0;
    for (double m = -5; m <= 105; m += 0.5) {
      int on = user_at(in, id, after(m));
      CU_ASSERT(!(was_in && !on)); /* never leaves */
      if (on && !was_in)
        entered++;
      was_in = on;
    }
  }
  /* About 90% of users joined during the ramp, 5% were in from the start. */
  CU_ASSERT(entered > 300 && entered < 400);
  th_free(in);
}

static void test_ramp_rollout_matches_flexible_rollout_at_the_same_share(void) {
  void *in = ramp("0", "100");
  for (unsigned u = 0; u < 300; u++) {
    const char *id = th_id("u", u);
    uint32_t bucket =
        vx_normalized_hash(id, strlen(id), "my.flag", 7, 100, VX_SEED_ROLLOUT);
    CU_ASSERT_EQUAL(user_at(in, id, after(37)), bucket <= 37);
  }
  th_free(in);
}

static void test_ramp_rollout_can_ramp_down(void) {
  void *in = ramp("100", "0");
  CU_ASSERT_EQUAL(user_at(in, "user-3", after(53)), 1); /* share 47 */
  CU_ASSERT_EQUAL(user_at(in, "user-3", after(55)), 0); /* share 45 */
  th_free(in);
}

static void test_ramp_rollout_missing_stickiness_value_is_off(void) {
  void *in = ramp("100", "100");
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "sessionId", "s1");
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 0);
  th_free(in);
}

static void test_ramp_rollout_default_stickiness_falls_back_to_random(void) {
  void *in = th_compile_ok("my.flag", "startPercentage", "0", "endPercentage",
                           "100", "startTime", T0, "endTime", T1, NULL);
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "currentTime", after(50));
  fh_random_fixed(th_random_for_bucket(50));
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 1);
  fh_random_fixed(th_random_for_bucket(51));
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 0);
  th_free(in);
}

static void test_ramp_rollout_uses_the_clock_without_current_time(void) {
  void *in = ramp("0", "100");
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, "userId", "user-3");
  fh_now_fixed(ms_of(T0) + 47 * 60000);
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 1);
  fh_now_fixed(ms_of(T0) + 45 * 60000);
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 0);
  fh_now_fixed(1700000000000);
  th_free(in);
}

static void test_ramp_rollout_unparseable_current_time_is_off(void) {
  void *in = ramp("100", "100");
  CU_ASSERT_EQUAL(user_at(in, "alice", "soon"), 0);
  th_free(in);
}

static void test_ramp_rollout_refuses_bad_parameters(void) {
  th_compile_fails("missing parameter endPercentage", "f", "startPercentage",
                   "0", "startTime", T0, "endTime", T1, NULL);
  th_compile_fails("startPercentage must be 0..100, got 101", "f",
                   "startPercentage", "101", "endPercentage", "1", "startTime",
                   T0, "endTime", T1, NULL);
  th_compile_fails("startTime must be an ISO 8601 date-time such as "
                   "2025-06-01T09:00:00Z, got \"next monday\"",
                   "f", "startPercentage", "0", "endPercentage", "1",
                   "startTime", "next monday", "endTime", T1, NULL);
  th_compile_fails("missing parameter endTime", "f", "startPercentage", "0",
                   "endPercentage", "1", "startTime", T0, NULL);
  th_compile_fails("endTime must be after startTime", "f", "startPercentage",
                   "0", "endPercentage", "1", "startTime", T1, "endTime", T0,
                   NULL);
}

static void test_ramp_rollout_evaluate_allocates_nothing(void) {
  void *in = ramp("0", "100");
  vx_context a, b;
  fh_ctx_init(&a);
  fh_ctx_init(&b);
  fh_ctx_set(&a, "userId", "alice");
  fh_ctx_set(&a, "currentTime", after(40));
  fh_ctx_set(&b, "userId", "bob");
  const vx_context *ctxs[] = {&a, &b};
  th_assert_evaluate_allocates_nothing(in, ctxs, 2, 1000);
  th_free(in);
}

static void test_ramp_rollout_compile_survives_alloc_failures(void) {
  th_assert_compile_survives_alloc_failures(
      "f", "startPercentage", "0", "endPercentage", "100", "startTime", T0,
      "endTime", T1, "stickiness", "tenant", NULL);
}

static const vx_test tests[] = {
    VX_TEST(test_ramp_rollout_declares_its_parameters),
    VX_TEST(test_ramp_rollout_share_grows_linearly_between_the_times),
    VX_TEST(test_ramp_rollout_is_clamped_before_start_and_after_end),
    VX_TEST(test_ramp_rollout_user_once_in_stays_in_as_it_grows),
    VX_TEST(test_ramp_rollout_matches_flexible_rollout_at_the_same_share),
    VX_TEST(test_ramp_rollout_can_ramp_down),
    VX_TEST(test_ramp_rollout_missing_stickiness_value_is_off),
    VX_TEST(test_ramp_rollout_default_stickiness_falls_back_to_random),
    VX_TEST(test_ramp_rollout_uses_the_clock_without_current_time),
    VX_TEST(test_ramp_rollout_unparseable_current_time_is_off),
    VX_TEST(test_ramp_rollout_refuses_bad_parameters),
    VX_TEST(test_ramp_rollout_evaluate_allocates_nothing),
    VX_TEST(test_ramp_rollout_compile_survives_alloc_failures),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("ramp_rollout", vexil_strategy_entry(), tests);
}
