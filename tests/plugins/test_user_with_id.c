/* test_user_with_id.c - the "userWithId" strategy. */
#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

static void test_user_with_id_declares_a_required_user_id_list(void) {
  static const th_param_expect params[] = {
      {"userIds", VX_PARAM_LIST, 1},
  };
  th_check_descriptor("userWithId", VX_KIND_TARGETING, params, 1);
}

static void test_user_with_id_missing_user_ids_is_refused(void) {
  th_compile_fails("missing parameter userIds", "flag", NULL);
  th_compile_fails("missing parameter userIds", "flag", "userId", "123", NULL);
}

static void test_user_with_id_is_on_for_a_listed_user(void) {
  void *in = th_compile_ok("flag", "userIds", "123", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "123")), 1);
  th_free(in);
}

static void test_user_with_id_is_off_for_an_unlisted_user(void) {
  void *in = th_compile_ok("flag", "userIds", "123", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "22")), 0);
  th_free(in);
}

static void test_user_with_id_trims_the_list_items(void) {
  void *in = th_compile_ok("flag", "userIds", " 123 ,222,  88 ,\t7", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "123")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "222")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "88")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "7")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", " 123 ")), 0);
  th_free(in);
}

static void test_user_with_id_matches_whole_ids_only(void) {
  void *in = th_compile_ok("flag", "userIds", "123, 222, 88", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "12")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "1234")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "123, 222")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "8")), 0);
  th_free(in);
}

static void test_user_with_id_is_case_sensitive(void) {
  void *in = th_compile_ok("flag", "userIds", "alice, Bob", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "alice")), 1);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "Alice")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "bob")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "Bob")), 1);
  th_free(in);
}

static void test_user_with_id_is_off_without_a_user_id(void) {
  void *in = th_compile_ok("flag", "userIds", "123", NULL);
  vx_context ctx;
  fh_ctx_init(&ctx);
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("sessionId", "123")), 0);
  th_free(in);
}

static void test_user_with_id_is_off_for_an_empty_user_id(void) {
  void *in = th_compile_ok("flag", "userIds", "123, ,456", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "")), 0);
  th_free(in);
}

static void test_user_with_id_empty_list_compiles_and_is_never_on(void) {
  void *in = th_compile_ok("flag", "userIds", "", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "123")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "")), 0);
  th_free(in);
  in = th_compile_ok("flag", "userIds", " , ,", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "123")), 0);
  th_free(in);
}

static void test_user_with_id_ignores_unknown_parameters(void) {
  void *in =
      th_compile_ok("flag", "rollout", "140", "userIds", "9", "x", "y", NULL);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "9")), 1);
  th_free(in);
}

static void test_user_with_id_handles_a_long_list(void) {
  static char list[20000];
  size_t off = 0;
  for (unsigned i = 0; i < 1000; i++)
    off += (size_t)snprintf(list + off, sizeof list - off, "%su%u",
                            i == 0 ? "" : ", ", i * 7);
  void *in = th_compile_ok("flag", "userIds", list, NULL);
  unsigned on = 0;
  for (unsigned i = 0; i < 7000; i++)
    on += (unsigned)th_eval(in, th_ctx1("userId", th_id("u", i)));
  CU_ASSERT_EQUAL(on, 1000);
  th_free(in);
}

/* ../shared/conformance/unleash/02-user-with-id-strategy.json */
static void test_user_with_id_follows_the_unleash_specification(void) {
  void *a2 = th_compile_ok("Feature.A2", "userIds", "123", NULL);
  void *d2 = th_compile_ok("Feature.D2", "userIds", "123, 222, 88", NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  CU_ASSERT_EQUAL(th_eval(a2, th_ctx1("userId", "123")), 1);
  CU_ASSERT_EQUAL(th_eval(a2, th_ctx1("userId", "22")), 0);
  CU_ASSERT_EQUAL(th_eval(d2, th_ctx1("userId", "222")), 1);
  CU_ASSERT_EQUAL(th_eval(a2, &empty), 0);
  th_free(a2);
  th_free(d2);
}

static void test_user_with_id_compile_survives_allocation_failures(void) {
  th_assert_compile_survives_alloc_failures("flag", "userIds", "1, 2, 3", NULL);
}

static void test_user_with_id_evaluate_allocates_nothing(void) {
  vx_context listed, unlisted, empty;
  fh_ctx_init(&listed);
  fh_ctx_set(&listed, "userId", "222");
  fh_ctx_init(&unlisted);
  fh_ctx_set(&unlisted, "userId", "223");
  fh_ctx_init(&empty);
  const vx_context *ctxs[] = {&listed, &unlisted, &empty};
  void *in = th_compile_ok("flag", "userIds", "123, 222, 88", NULL);
  th_assert_evaluate_allocates_nothing(in, ctxs, 3, 10000);
  th_free(in);
}

static const vx_test tests[] = {
    VX_TEST(test_user_with_id_declares_a_required_user_id_list),
    VX_TEST(test_user_with_id_missing_user_ids_is_refused),
    VX_TEST(test_user_with_id_is_on_for_a_listed_user),
    VX_TEST(test_user_with_id_is_off_for_an_unlisted_user),
    VX_TEST(test_user_with_id_trims_the_list_items),
    VX_TEST(test_user_with_id_matches_whole_ids_only),
    VX_TEST(test_user_with_id_is_case_sensitive),
    VX_TEST(test_user_with_id_is_off_without_a_user_id),
    VX_TEST(test_user_with_id_is_off_for_an_empty_user_id),
    VX_TEST(test_user_with_id_empty_list_compiles_and_is_never_on),
    VX_TEST(test_user_with_id_ignores_unknown_parameters),
    VX_TEST(test_user_with_id_handles_a_long_list),
    VX_TEST(test_user_with_id_follows_the_unleash_specification),
    VX_TEST(test_user_with_id_compile_survives_allocation_failures),
    VX_TEST(test_user_with_id_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("user_with_id", vexil_strategy_entry(), tests);
}
