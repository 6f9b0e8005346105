/* test_default.c - the "default" strategy: on for everyone. */
#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

static void test_default_declares_static_kind_and_no_parameters(void) {
  th_check_descriptor("default", VX_KIND_STATIC, NULL, 0);
}

static void test_default_is_on_for_an_empty_context(void) {
  vx_context ctx;
  fh_ctx_init(&ctx);
  void *in = th_compile_ok("flag", NULL);
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 1);
  th_free(in);
}

static void test_default_is_on_for_any_context(void) {
  void *in = th_compile_ok("flag", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "123")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "s")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("remoteAddress", "10.0.0.1")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("anything", "x")), 1);
  th_free(in);
}

static void test_default_ignores_unknown_parameters(void) {
  void *in = th_compile_ok("flag", "rollout", "0", "userIds", "", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "1")), 1);
  th_free(in);
}

static void test_default_uses_no_host_memory_and_never_consumes_random(void) {
  long live = fh_count.live;
  fh_reset_counters();
  void *a = th_compile_ok("a", NULL);
  void *b = th_compile_ok("b", NULL);
  CU_ASSERT_EQUAL(th_eval(a, th_ctx1("userId", "1")), 1);
  th_free(a);
  th_free(b);
  CU_ASSERT_EQUAL(fh_count.alloc_calls, 0);
  CU_ASSERT_EQUAL(fh_count.random_calls, 0);
  CU_ASSERT_EQUAL(fh_count.live, live);
}

static void test_default_evaluate_allocates_nothing(void) {
  vx_context empty, user;
  fh_ctx_init(&empty);
  fh_ctx_init(&user);
  fh_ctx_set(&user, "userId", "42");
  const vx_context *ctxs[] = {&empty, &user};
  void *in = th_compile_ok("flag", NULL);
  th_assert_evaluate_allocates_nothing(in, ctxs, 2, 10000);
  th_free(in);
}

static const vx_test tests[] = {
    VX_TEST(test_default_declares_static_kind_and_no_parameters),
    VX_TEST(test_default_is_on_for_an_empty_context),
    VX_TEST(test_default_is_on_for_any_context),
    VX_TEST(test_default_ignores_unknown_parameters),
    VX_TEST(test_default_uses_no_host_memory_and_never_consumes_random),
    VX_TEST(test_default_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("default", vexil_strategy_entry(), tests);
}
