/* test_application_hostname.c - the "applicationHostname" strategy. */
#include <string.h>

#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

static int on_for(void *in, const char *hostname) {
  return th_eval(in, th_ctx1("hostname", hostname));
}

static void test_application_hostname_declares_a_required_name_list(void) {
  static const th_param_expect params[] = {
      {"hostNames", VX_PARAM_LIST, 1},
  };
  th_check_descriptor("applicationHostname", VX_KIND_TARGETING, params, 1);
}

static void test_application_hostname_missing_host_names_is_refused(void) {
  th_compile_fails("missing parameter hostNames", "flag", NULL);
  th_compile_fails("missing parameter hostNames", "flag", "hostnames", "a",
                   NULL);
}

static void test_application_hostname_is_on_for_a_listed_name(void) {
  void *in = th_compile_ok("flag", "hostNames", "web-1, web-2", NULL);
  CU_ASSERT_EQUAL(on_for(in, "web-1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "web-2"), 1);
  CU_ASSERT_EQUAL(on_for(in, "web-3"), 0);
  CU_ASSERT_EQUAL(on_for(in, "web"), 0);
  CU_ASSERT_EQUAL(on_for(in, "web-1.example.com"), 0);
  th_free(in);
}

static void test_application_hostname_is_case_insensitive(void) {
  void *in =
      th_compile_ok("flag", "hostNames", "Web-1.Example.COM, worker", NULL);
  CU_ASSERT_EQUAL(on_for(in, "web-1.example.com"), 1);
  CU_ASSERT_EQUAL(on_for(in, "WEB-1.EXAMPLE.COM"), 1);
  CU_ASSERT_EQUAL(on_for(in, "Web-1.Example.COM"), 1);
  CU_ASSERT_EQUAL(on_for(in, "WORKER"), 1);
  CU_ASSERT_EQUAL(on_for(in, "WORKERS"), 0);
  th_free(in);
}

static void test_application_hostname_lower_cases_beyond_ascii(void) {
  void *in = th_compile_ok("flag", "hostNames", "ÉCOLE.example, straße", NULL);
  CU_ASSERT_EQUAL(on_for(in, "école.example"), 1);
  CU_ASSERT_EQUAL(on_for(in, "École.EXAMPLE"), 1);
  CU_ASSERT_EQUAL(on_for(in, "STRAßE"), 1);
  CU_ASSERT_EQUAL(on_for(in, "ecole.example"), 0);
  th_free(in);
}

static void test_application_hostname_trims_the_list_items(void) {
  void *in =
      th_compile_ok("flag", "hostNames", "  a.example ,b.example  ", NULL);
  CU_ASSERT_EQUAL(on_for(in, "a.example"), 1);
  CU_ASSERT_EQUAL(on_for(in, "b.example"), 1);
  CU_ASSERT_EQUAL(on_for(in, " a.example"), 0);
  th_free(in);
}

static void test_application_hostname_reads_the_hostname_property(void) {
  void *in = th_compile_ok("flag", "hostNames", "web-1", NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  CU_ASSERT_EQUAL(th_eval(in, &empty), 0);
  CU_ASSERT_EQUAL(on_for(in, ""), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("appName", "web-1")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("hostName", "web-1")), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("remoteAddress", "web-1")), 0);
  th_free(in);
}

static void
test_application_hostname_empty_list_compiles_and_is_never_on(void) {
  void *in = th_compile_ok("flag", "hostNames", "", NULL);
  CU_ASSERT_EQUAL(on_for(in, "web-1"), 0);
  CU_ASSERT_EQUAL(on_for(in, ""), 0);
  th_free(in);
}

/* Longer than the plugin's stack buffer: compared piecewise, still exact. */
static void test_application_hostname_matches_names_of_any_length(void) {
  static char upper[1500], lower[1500], other[1500];
  for (size_t i = 0; i < sizeof upper - 1; i++) {
    upper[i] = (char)('A' + i % 26);
    lower[i] = (char)('a' + i % 26);
  }
  memcpy(other, lower, sizeof other);
  other[sizeof other - 2] = '-';
  /* Multi-byte characters straddling every chunk boundary. */
  static char wide_upper[1500], wide_lower[1500];
  size_t n = 0;
  while (n + 2 < sizeof wide_upper - 1) {
    memcpy(wide_upper + n, n % 3 == 0 ? "\xc3\x89" : "Z", n % 3 == 0 ? 2 : 1);
    memcpy(wide_lower + n, n % 3 == 0 ? "\xc3\xa9" : "z", n % 3 == 0 ? 2 : 1);
    n += n % 3 == 0 ? 2 : 1;
  }

  static char list[5000];
  snprintf(list, sizeof list, "short, %s, %s", upper, wide_upper);
  void *in = th_compile_ok("flag", "hostNames", list, NULL);
  CU_ASSERT_EQUAL(on_for(in, lower), 1);
  CU_ASSERT_EQUAL(on_for(in, upper), 1);
  CU_ASSERT_EQUAL(on_for(in, other), 0);
  CU_ASSERT_EQUAL(on_for(in, wide_lower), 1);
  CU_ASSERT_EQUAL(on_for(in, wide_upper), 1);
  CU_ASSERT_EQUAL(on_for(in, "SHORT"), 1);
  th_free(in);

  in = th_compile_ok("flag", "hostNames", "short", NULL);
  CU_ASSERT_EQUAL(on_for(in, upper), 0);
  th_free(in);
}

static void test_application_hostname_ignores_unknown_parameters(void) {
  void *in = th_compile_ok("flag", "IPs", "x", "hostNames", "h", NULL);
  CU_ASSERT_EQUAL(on_for(in, "H"), 1);
  th_free(in);
}

static void
test_application_hostname_compile_survives_allocation_failures(void) {
  th_assert_compile_survives_alloc_failures("flag", "hostNames", "A, b, C",
                                            NULL);
}

static void test_application_hostname_evaluate_allocates_nothing(void) {
  static char long_name[1200];
  memset(long_name, 'Q', sizeof long_name - 1);
  vx_context hit, miss, empty, long_ctx;
  fh_ctx_init(&hit);
  fh_ctx_set(&hit, "hostname", "WEB-1");
  fh_ctx_init(&miss);
  fh_ctx_set(&miss, "hostname", "web-9");
  fh_ctx_init(&empty);
  fh_ctx_init(&long_ctx);
  fh_ctx_set(&long_ctx, "hostname", long_name);
  const vx_context *ctxs[] = {&hit, &miss, &empty, &long_ctx};
  static char list[1300];
  snprintf(list, sizeof list, "web-1, %s", long_name);
  void *in = th_compile_ok("flag", "hostNames", list, NULL);
  CU_ASSERT_EQUAL(th_eval(in, &long_ctx), 1);
  th_assert_evaluate_allocates_nothing(in, ctxs, 4, 10000);
  th_free(in);
}

static const vx_test tests[] = {
    VX_TEST(test_application_hostname_declares_a_required_name_list),
    VX_TEST(test_application_hostname_missing_host_names_is_refused),
    VX_TEST(test_application_hostname_is_on_for_a_listed_name),
    VX_TEST(test_application_hostname_is_case_insensitive),
    VX_TEST(test_application_hostname_lower_cases_beyond_ascii),
    VX_TEST(test_application_hostname_trims_the_list_items),
    VX_TEST(test_application_hostname_reads_the_hostname_property),
    VX_TEST(test_application_hostname_empty_list_compiles_and_is_never_on),
    VX_TEST(test_application_hostname_matches_names_of_any_length),
    VX_TEST(test_application_hostname_ignores_unknown_parameters),
    VX_TEST(test_application_hostname_compile_survives_allocation_failures),
    VX_TEST(test_application_hostname_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("application_hostname", vexil_strategy_entry(), tests);
}
