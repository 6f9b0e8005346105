/* test_remote_address.c - the "remoteAddress" strategy. */
#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

static int on_for(void *in, const char *address) {
  return th_eval(in, th_ctx1("remoteAddress", address));
}

static void test_remote_address_declares_a_required_ip_list(void) {
  static const th_param_expect params[] = {
      {"IPs", VX_PARAM_LIST, 1},
  };
  th_check_descriptor("remoteAddress", VX_KIND_TARGETING, params, 1);
}

static void test_remote_address_missing_ips_is_refused(void) {
  th_compile_fails("missing parameter IPs", "flag", NULL);
  th_compile_fails("missing parameter IPs", "flag", "ips", "10.0.0.1", NULL);
}

static void
test_remote_address_entry_that_is_not_an_address_is_a_warning(void) {
  void *in =
      th_compile_warns("IPs: \"10.0.0.300\" is not an IP address or CIDR range",
                       "flag", "IPs", "10.0.0.300", NULL);
  CU_ASSERT_EQUAL(on_for(in, "10.0.0.30"), 0);
  th_free(in);
}

/* Unleash's spec: "Ignore invalid IP's in list". */
static void test_remote_address_ignores_the_bad_entry_of_a_list(void) {
  void *in = th_compile_warns(
      "IPs: \"192.invalid\" is not an IP address or CIDR range", "flag", "IPs",
      "192.168.0.1, 192.invalid, 192.168.0.2", NULL);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.2"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.3"), 0);
  th_free(in);
  in = th_compile_warns("IPs: \"localhost\" is not an IP address or CIDR range",
                        "flag", "IPs", "::1,localhost,nope", NULL);
  CU_ASSERT_EQUAL(on_for(in, "::1"), 1);
  th_free(in);
}

static void test_remote_address_bad_prefix_length_is_a_warning(void) {
  static const char *bad[] = {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/"};
  for (size_t i = 0; i < 3; i++) {
    char want[128];
    snprintf(want, sizeof want,
             "IPs: \"%s\" is not an IP address or CIDR range", bad[i]);
    th_free(th_compile_warns(want, "flag", "IPs", bad[i], NULL));
  }
}

static void test_remote_address_empty_list_compiles_and_is_never_on(void) {
  void *in = th_compile_ok("flag", "IPs", "", NULL);
  CU_ASSERT_EQUAL(on_for(in, "127.0.0.1"), 0);
  CU_ASSERT_EQUAL(on_for(in, "::1"), 0);
  th_free(in);
}

static void test_remote_address_is_on_for_an_equal_ipv4_address(void) {
  void *in = th_compile_ok("flag", "IPs", "127.0.0.1", NULL);
  CU_ASSERT_EQUAL(on_for(in, "127.0.0.1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "127.0.0.2"), 0);
  CU_ASSERT_EQUAL(on_for(in, "126.0.0.1"), 0);
  th_free(in);
}

static void test_remote_address_matches_any_entry_of_a_trimmed_list(void) {
  void *in = th_compile_ok("flag", "IPs",
                           " 192.168.0.1,192.168.0.2 ,  192.168.0.3 ", NULL);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.2"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.3"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.0.4"), 0);
  th_free(in);
}

static void test_remote_address_ipv4_cidr_contains_its_addresses(void) {
  void *in = th_compile_ok("flag", "IPs", "10.0.0.0/8, 192.168.1.128/25", NULL);
  CU_ASSERT_EQUAL(on_for(in, "10.0.0.0"), 1);
  CU_ASSERT_EQUAL(on_for(in, "10.1.2.3"), 1);
  CU_ASSERT_EQUAL(on_for(in, "10.255.255.255"), 1);
  CU_ASSERT_EQUAL(on_for(in, "11.0.0.0"), 0);
  CU_ASSERT_EQUAL(on_for(in, "9.255.255.255"), 0);
  CU_ASSERT_EQUAL(on_for(in, "192.168.1.128"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.1.255"), 1);
  CU_ASSERT_EQUAL(on_for(in, "192.168.1.127"), 0);
  th_free(in);
}

static void test_remote_address_cidr_with_host_bits_is_its_network(void) {
  void *in = th_compile_ok("flag", "IPs", "10.1.2.3/16", NULL);
  CU_ASSERT_EQUAL(on_for(in, "10.1.200.1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "10.2.2.3"), 0);
  th_free(in);
}

static void test_remote_address_zero_prefix_matches_its_whole_family(void) {
  void *v4 = th_compile_ok("flag", "IPs", "0.0.0.0/0", NULL);
  void *v6 = th_compile_ok("flag", "IPs", "::/0", NULL);
  CU_ASSERT_EQUAL(on_for(v4, "1.2.3.4"), 1);
  CU_ASSERT_EQUAL(on_for(v4, "255.255.255.255"), 1);
  CU_ASSERT_EQUAL(on_for(v4, "2001:db8::1"), 0);
  CU_ASSERT_EQUAL(on_for(v6, "2001:db8::1"), 1);
  CU_ASSERT_EQUAL(on_for(v6, "1.2.3.4"), 0);
  th_free(v4);
  th_free(v6);
}

static void test_remote_address_ipv6_address_matches_any_spelling(void) {
  void *in = th_compile_ok("flag", "IPs", "2001:db8::1", NULL);
  CU_ASSERT_EQUAL(on_for(in, "2001:db8::1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "2001:DB8:0:0:0:0:0:1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "2001:0db8::0001"), 1);
  CU_ASSERT_EQUAL(on_for(in, "2001:db8::2"), 0);
  th_free(in);
}

static void test_remote_address_ipv6_cidr_contains_its_addresses(void) {
  void *in =
      th_compile_ok("flag", "IPs", "2001:db8::/32, fd00:1:2:3::/64", NULL);
  CU_ASSERT_EQUAL(on_for(in, "2001:db8::"), 1);
  CU_ASSERT_EQUAL(on_for(in, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
  CU_ASSERT_EQUAL(on_for(in, "2001:db9::1"), 0);
  CU_ASSERT_EQUAL(on_for(in, "2001:db7:ffff::1"), 0);
  CU_ASSERT_EQUAL(on_for(in, "fd00:1:2:3:abcd::1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "fd00:1:2:4::1"), 0);
  th_free(in);
}

static void test_remote_address_ipv4_mapped_client_matches_ipv4_entry(void) {
  void *in = th_compile_ok("flag", "IPs", "192.168.0.1, 10.0.0.0/8", NULL);
  CU_ASSERT_EQUAL(on_for(in, "::ffff:192.168.0.1"), 1);
  CU_ASSERT_EQUAL(on_for(in, "::FFFF:10.20.30.40"), 1);
  CU_ASSERT_EQUAL(on_for(in, "::ffff:192.168.0.2"), 0);
  th_free(in);
}

static void test_remote_address_ipv4_mapped_entry_matches_ipv4_client(void) {
  void *in = th_compile_ok("flag", "IPs", "::ffff:172.16.0.9", NULL);
  CU_ASSERT_EQUAL(on_for(in, "172.16.0.9"), 1);
  CU_ASSERT_EQUAL(on_for(in, "::ffff:172.16.0.9"), 1);
  CU_ASSERT_EQUAL(on_for(in, "172.16.0.10"), 0);
  th_free(in);
}

static void test_remote_address_families_do_not_cross(void) {
  void *in = th_compile_ok("flag", "IPs", "127.0.0.1, ::2", NULL);
  CU_ASSERT_EQUAL(on_for(in, "::1"), 0);
  CU_ASSERT_EQUAL(on_for(in, "::7f00:1"), 0); /* IPv4-compatible, not mapped */
  CU_ASSERT_EQUAL(on_for(in, "0.0.0.2"), 0);
  th_free(in);
}

static void test_remote_address_is_off_without_a_remote_address(void) {
  void *in = th_compile_ok("flag", "IPs", "0.0.0.0/0, ::/0", NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  CU_ASSERT_EQUAL(th_eval(in, &empty), 0);
  CU_ASSERT_EQUAL(on_for(in, ""), 0);
  CU_ASSERT_EQUAL(th_eval(in, th_ctx1("userId", "127.0.0.1")), 0);
  th_free(in);
}

static void
test_remote_address_is_off_for_an_address_that_does_not_parse(void) {
  void *in = th_compile_ok("flag", "IPs", "0.0.0.0/0, ::/0", NULL);
  CU_ASSERT_EQUAL(on_for(in, "localhost"), 0);
  CU_ASSERT_EQUAL(on_for(in, "10.0.0.300"), 0);
  CU_ASSERT_EQUAL(on_for(in, "10.0.0.0/8"), 0);
  CU_ASSERT_EQUAL(on_for(in, "1:2:3:4:5:6:7:8:9"), 0);
  th_free(in);
}

/* ../shared/conformance/unleash/06-remote-address-strategy.json (A, B) */
static void test_remote_address_follows_the_unleash_specification(void) {
  void *a = th_compile_ok("Feature.remoteAddress.A", "IPs", "127.0.0.1", NULL);
  void *b = th_compile_ok("Feature.remoteAddress.B", "IPs",
                          "192.168.0.1, 192.168.0.2, 192.168.0.3", NULL);
  vx_context empty;
  fh_ctx_init(&empty);
  CU_ASSERT_EQUAL(on_for(a, "127.0.0.1"), 1);
  CU_ASSERT_EQUAL(th_eval(a, &empty), 0);
  CU_ASSERT_EQUAL(on_for(b, "192.168.0.1"), 1);
  CU_ASSERT_EQUAL(on_for(b, "192.168.0.3"), 1);
  CU_ASSERT_EQUAL(on_for(b, "217.100.10.11"), 0);
  th_free(a);
  th_free(b);
}

static void test_remote_address_ignores_unknown_parameters(void) {
  void *in = th_compile_ok("flag", "hostNames", "x", "IPs", "::1", "rollout",
                           "900", NULL);
  CU_ASSERT_EQUAL(on_for(in, "::1"), 1);
  th_free(in);
}

static void test_remote_address_compile_survives_allocation_failures(void) {
  th_assert_compile_survives_alloc_failures(
      "flag", "IPs", "10.0.0.0/8, ::1, 2001:db8::/32", NULL);
}

static void test_remote_address_evaluate_allocates_nothing(void) {
  vx_context v4, v6, mapped, bad, empty;
  fh_ctx_init(&v4);
  fh_ctx_set(&v4, "remoteAddress", "10.9.8.7");
  fh_ctx_init(&v6);
  fh_ctx_set(&v6, "remoteAddress", "2001:db8::42");
  fh_ctx_init(&mapped);
  fh_ctx_set(&mapped, "remoteAddress", "::ffff:192.168.0.1");
  fh_ctx_init(&bad);
  fh_ctx_set(&bad, "remoteAddress", "not-an-address");
  fh_ctx_init(&empty);
  const vx_context *ctxs[] = {&v4, &v6, &mapped, &bad, &empty};
  void *in = th_compile_ok("flag", "IPs",
                           "10.0.0.0/8, 192.168.0.1, 2001:db8::/32", NULL);
  th_assert_evaluate_allocates_nothing(in, ctxs, 5, 10000);
  th_free(in);
}

static const vx_test tests[] = {
    VX_TEST(test_remote_address_declares_a_required_ip_list),
    VX_TEST(test_remote_address_missing_ips_is_refused),
    VX_TEST(test_remote_address_entry_that_is_not_an_address_is_a_warning),
    VX_TEST(test_remote_address_ignores_the_bad_entry_of_a_list),
    VX_TEST(test_remote_address_bad_prefix_length_is_a_warning),
    VX_TEST(test_remote_address_empty_list_compiles_and_is_never_on),
    VX_TEST(test_remote_address_is_on_for_an_equal_ipv4_address),
    VX_TEST(test_remote_address_matches_any_entry_of_a_trimmed_list),
    VX_TEST(test_remote_address_ipv4_cidr_contains_its_addresses),
    VX_TEST(test_remote_address_cidr_with_host_bits_is_its_network),
    VX_TEST(test_remote_address_zero_prefix_matches_its_whole_family),
    VX_TEST(test_remote_address_ipv6_address_matches_any_spelling),
    VX_TEST(test_remote_address_ipv6_cidr_contains_its_addresses),
    VX_TEST(test_remote_address_ipv4_mapped_client_matches_ipv4_entry),
    VX_TEST(test_remote_address_ipv4_mapped_entry_matches_ipv4_client),
    VX_TEST(test_remote_address_families_do_not_cross),
    VX_TEST(test_remote_address_is_off_without_a_remote_address),
    VX_TEST(test_remote_address_is_off_for_an_address_that_does_not_parse),
    VX_TEST(test_remote_address_follows_the_unleash_specification),
    VX_TEST(test_remote_address_ignores_unknown_parameters),
    VX_TEST(test_remote_address_compile_survives_allocation_failures),
    VX_TEST(test_remote_address_evaluate_allocates_nothing),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("remote_address", vexil_strategy_entry(), tests);
}
