/*
 * test_ip.c - IPv4/IPv6 addresses and CIDR ranges.
 */
#include <arpa/inet.h>
#include <string.h>
#include <vexil/sdk.h>

#include "vx_test.h"

static int parse(const char *s, vx_ip *ip) {
  return vx_ip_parse(s, strlen(s), ip);
}

static int cidr(const char *s, vx_cidr *r) {
  return vx_cidr_parse(s, strlen(s), r);
}

/* 1 when text (a range) contains addr (an address), both parsed. */
static int in_range(const char *range, const char *addr) {
  vx_cidr r;
  vx_ip ip;
  CU_ASSERT_EQUAL_FATAL(cidr(range, &r), 0);
  CU_ASSERT_EQUAL_FATAL(parse(addr, &ip), 0);
  return vx_cidr_contains(&r, &ip);
}

static void test_ipv4_dotted_quads_are_parsed(void) {
  static const struct {
    const char *s;
    uint8_t b[4];
  } cases[] = {{"1.2.3.4", {1, 2, 3, 4}},
               {"0.0.0.0", {0, 0, 0, 0}},
               {"255.255.255.255", {255, 255, 255, 255}},
               {"10.0.200.9", {10, 0, 200, 9}}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_ip ip;
    static const uint8_t zero[12];
    CU_ASSERT_EQUAL_FATAL(parse(cases[i].s, &ip), 0);
    CU_ASSERT_EQUAL(ip.family, 4);
    CU_ASSERT_EQUAL(memcmp(ip.addr, cases[i].b, 4), 0);
    CU_ASSERT_EQUAL(memcmp(ip.addr + 4, zero, 12), 0);
  }
}

static void test_malformed_ipv4_is_rejected(void) {
  static const char *cases[] = {
      "",         "1.2.3",     "1.2.3.4.5", "256.1.1.1", "1.2.3.256",
      "01.2.3.4", "1.2.3.04",  "1.2.3.00",  "+1.2.3.4",  "1.+2.3.4",
      "-1.2.3.4", "1.2.3.4 ",  " 1.2.3.4",  "1..3.4",    "1.2.3.",
      ".1.2.3",   "0x1.2.3.4", "1.2.3.4/",  "a.b.c.d",   "1.2.3.1000",
      "1,2,3,4",  "1.2.3.4\n", "１.2.3.4"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_ip ip;
    CU_ASSERT_EQUAL(parse(cases[i], &ip), VX_EPARSE);
    if (parse(cases[i], &ip) != VX_EPARSE)
      fprintf(stderr, "accepted \"%s\"\n", cases[i]);
  }
}

static void test_ipv6_text_forms_are_parsed_like_inet_pton(void) {
  static const char *cases[] = {
      "::",
      "::1",
      "1::",
      "1:2:3:4:5:6:7:8",
      "1::8",
      "fe80::1:2",
      "FE80::ABCD:ef01",
      "2001:db8:0:0:1:0:0:1",
      "2001:db8::1:0:0:1",
      "0:0:0:0:0:0:0:0",
      "1:2:3:4:5:6::",
      "::2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7::",
      "::1.2.3.4",
      "64:ff9b::192.0.2.33",
      "1:2:3:4:5:6:1.2.3.4",
      "1::5:6:1.2.3.4",
      "0001:0002:0003:0004:0005:0006:0007:0008",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_ip ip;
    uint8_t want[16];
    CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, cases[i], want), 1);
    CU_ASSERT_EQUAL(parse(cases[i], &ip), 0);
    CU_ASSERT_EQUAL(ip.family, 6);
    CU_ASSERT_EQUAL(memcmp(ip.addr, want, 16), 0);
  }
}

static void test_malformed_ipv6_is_rejected(void) {
  static const char *cases[] = {
      ":",
      ":::",
      ":1",
      "1:",
      "1::2::3",
      "1:::2",
      "::1:",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8", /* "::" must stand for at least one group */
      "::1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:8::",
      "12345::",
      "::g",
      "fe80::1%eth0",
      "[::1]",
      "::1 ",
      " ::1",
      "1:2:3:4:5:6:7:1.2.3.4",
      "::1.2.3",
      "::1.2.3.4.5",
      "::256.1.1.1",
      "::01.2.3.4",
      "::1.2.3.4:5",
      "1.2.3.4::",
      "::ffff:1.2.3.4/24",
      "-::1",
      "::-1",
      "::+1",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_ip ip;
    int rc = parse(cases[i], &ip);
    CU_ASSERT_EQUAL(rc, VX_EPARSE);
    if (rc != VX_EPARSE)
      fprintf(stderr, "accepted \"%s\"\n", cases[i]);
  }
}

static void test_ipv4_mapped_ipv6_is_parsed_as_ipv4(void) {
  static const char *cases[] = {"::ffff:1.2.3.4", "::FFFF:1.2.3.4",
                                "0:0:0:0:0:ffff:1.2.3.4", "::ffff:102:304",
                                "0::ffff:0102:0304"};
  vx_ip v4;
  CU_ASSERT_EQUAL_FATAL(parse("1.2.3.4", &v4), 0);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_ip ip;
    CU_ASSERT_EQUAL(parse(cases[i], &ip), 0);
    CU_ASSERT_EQUAL(ip.family, 4);
    CU_ASSERT_EQUAL(memcmp(&ip, &v4, sizeof ip), 0);
  }
  /* IPv4-compatible (::a.b.c.d) and other prefixes stay IPv6 */
  vx_ip ip;
  CU_ASSERT_EQUAL(parse("::1.2.3.4", &ip), 0);
  CU_ASSERT_EQUAL(ip.family, 6);
  CU_ASSERT_EQUAL(parse("::fffe:1.2.3.4", &ip), 0);
  CU_ASSERT_EQUAL(ip.family, 6);
}

static void test_parse_reads_only_len_bytes(void) {
  vx_ip ip;
  CU_ASSERT_EQUAL(vx_ip_parse("1.2.3.45", 7, &ip), 0);
  CU_ASSERT_EQUAL(ip.addr[3], 4);
  CU_ASSERT_EQUAL(vx_ip_parse("::1:2", 3, &ip), 0);
  CU_ASSERT_EQUAL(ip.addr[15], 1);
}

static void test_parse_rejects_null_arguments(void) {
  vx_ip ip;
  vx_cidr r;
  CU_ASSERT_EQUAL(vx_ip_parse(NULL, 0, &ip), VX_EPARSE);
  CU_ASSERT_EQUAL(vx_ip_parse("1.2.3.4", 7, NULL), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_cidr_parse(NULL, 3, &r), VX_EPARSE);
  CU_ASSERT_EQUAL(vx_cidr_parse("1.2.3.4", 7, NULL), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_cidr_contains(NULL, &ip), 0);
  CU_ASSERT_EQUAL(vx_cidr_contains(&r, NULL), 0);
}

static void test_cidr_clears_host_bits(void) {
  vx_cidr r;
  CU_ASSERT_EQUAL_FATAL(cidr("10.1.2.3/8", &r), 0);
  CU_ASSERT_EQUAL(r.net.family, 4);
  CU_ASSERT_EQUAL(r.prefix, 8);
  CU_ASSERT_EQUAL(memcmp(r.net.addr, "\x0a\0\0\0", 4), 0);
  CU_ASSERT_EQUAL_FATAL(cidr("192.168.255.255/17", &r), 0);
  CU_ASSERT_EQUAL(memcmp(r.net.addr, "\xc0\xa8\x80\0", 4), 0);
  CU_ASSERT_EQUAL_FATAL(cidr("2001:db8:ffff::1/33", &r), 0);
  CU_ASSERT_EQUAL(r.net.family, 6);
  CU_ASSERT_EQUAL(r.prefix, 33);
  uint8_t want[16];
  inet_pton(AF_INET6, "2001:db8:8000::", want);
  CU_ASSERT_EQUAL(memcmp(r.net.addr, want, 16), 0);
}

static void test_bare_address_is_a_single_host_range(void) {
  vx_cidr r;
  CU_ASSERT_EQUAL_FATAL(cidr("1.2.3.4", &r), 0);
  CU_ASSERT_EQUAL(r.prefix, 32);
  CU_ASSERT_EQUAL_FATAL(cidr("::1", &r), 0);
  CU_ASSERT_EQUAL(r.prefix, 128);
  CU_ASSERT(in_range("1.2.3.4", "1.2.3.4"));
  CU_ASSERT(!in_range("1.2.3.4", "1.2.3.5"));
  CU_ASSERT(in_range("::1", "::1"));
  CU_ASSERT(!in_range("::1", "::2"));
}

static void test_ipv4_range_contains_its_addresses_only(void) {
  CU_ASSERT(in_range("192.168.0.0/16", "192.168.0.1"));
  CU_ASSERT(in_range("192.168.0.0/16", "192.168.255.255"));
  CU_ASSERT(!in_range("192.168.0.0/16", "192.169.0.0"));
  CU_ASSERT(!in_range("192.168.0.0/16", "192.167.255.255"));
  CU_ASSERT(in_range("10.0.0.0/31", "10.0.0.1"));
  CU_ASSERT(!in_range("10.0.0.0/31", "10.0.0.2"));
  CU_ASSERT(in_range("10.0.0.128/25", "10.0.0.200"));
  CU_ASSERT(!in_range("10.0.0.128/25", "10.0.0.127"));
  CU_ASSERT(in_range("0.0.0.0/0", "255.255.255.255"));
  CU_ASSERT(in_range("0.0.0.0/0", "0.0.0.0"));
}

static void test_ipv6_range_contains_its_addresses_only(void) {
  CU_ASSERT(in_range("2001:db8::/32", "2001:db8:1234::1"));
  CU_ASSERT(!in_range("2001:db8::/32", "2001:db9::1"));
  CU_ASSERT(in_range("fe80::/10", "febf:ffff::1"));
  CU_ASSERT(!in_range("fe80::/10", "fec0::1"));
  CU_ASSERT(in_range("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  CU_ASSERT(in_range("2001:db8::1:0/127", "2001:db8::1:1"));
  CU_ASSERT(!in_range("2001:db8::1:0/127", "2001:db8::1:2"));
}

static void test_families_never_match_each_other(void) {
  CU_ASSERT(!in_range("0.0.0.0/0", "::1"));
  CU_ASSERT(!in_range("::/0", "1.2.3.4"));
  CU_ASSERT(!in_range("::/0", "::ffff:1.2.3.4")); /* that is IPv4 */
  CU_ASSERT(!in_range("::1.2.3.4", "1.2.3.4"));   /* IPv4-compatible */
}

static void test_ipv4_mapped_range_matches_both_spellings(void) {
  vx_cidr r;
  CU_ASSERT_EQUAL_FATAL(cidr("::ffff:10.0.0.0/104", &r), 0);
  CU_ASSERT_EQUAL(r.net.family, 4);
  CU_ASSERT_EQUAL(r.prefix, 8);
  CU_ASSERT(in_range("::ffff:10.0.0.0/104", "10.9.8.7"));
  CU_ASSERT(in_range("::ffff:10.0.0.0/104", "::ffff:10.9.8.7"));
  CU_ASSERT(!in_range("::ffff:10.0.0.0/104", "11.0.0.0"));
  CU_ASSERT(in_range("10.0.0.0/8", "::ffff:10.1.1.1"));
  CU_ASSERT(in_range("::ffff:1.2.3.4", "1.2.3.4"));
  CU_ASSERT_EQUAL_FATAL(cidr("::ffff:1.2.3.4", &r), 0);
  CU_ASSERT_EQUAL(r.prefix, 32);
}

static void test_ipv4_mapped_range_wider_than_96_stays_ipv6(void) {
  vx_cidr r;
  CU_ASSERT_EQUAL_FATAL(cidr("::ffff:1.2.3.4/80", &r), 0);
  CU_ASSERT_EQUAL(r.net.family, 6);
  CU_ASSERT_EQUAL(r.prefix, 80);
  CU_ASSERT(in_range("::ffff:1.2.3.4/80", "::1"));
  CU_ASSERT(!in_range("::ffff:1.2.3.4/80", "1.2.3.4"));
  CU_ASSERT_EQUAL_FATAL(cidr("::ffff:1.2.3.4/96", &r), 0);
  CU_ASSERT_EQUAL(r.net.family, 4);
  CU_ASSERT_EQUAL(r.prefix, 0);
}

static void test_prefix_out_of_range_is_rejected(void) {
  vx_cidr r;
  CU_ASSERT_EQUAL(cidr("1.2.3.4/33", &r), VX_ERANGE);
  CU_ASSERT_EQUAL(cidr("1.2.3.4/999", &r), VX_ERANGE);
  CU_ASSERT_EQUAL(cidr("::1/129", &r), VX_ERANGE);
  CU_ASSERT_EQUAL(cidr("::ffff:1.2.3.4/129", &r), VX_ERANGE);
  CU_ASSERT_EQUAL(cidr("1.2.3.4/32", &r), 0);
  CU_ASSERT_EQUAL(cidr("::1/128", &r), 0);
  CU_ASSERT_EQUAL(cidr("::ffff:1.2.3.4/128", &r), 0);
}

static void test_malformed_cidr_is_rejected(void) {
  static const char *cases[] = {
      "",           "/24",          "1.2.3.4/",    "1.2.3.4/024",
      "1.2.3.4/+8", "1.2.3.4/-1",   "1.2.3.4/ 8",  "1.2.3.4 /8",
      "1.2.3.4/8 ", "1.2.3.4/8/8",  "1.2.3.4/0x8", "1.2.3/24",
      "::1/",       "::1/00",       "::1/1000",    "01.2.3.4/8",
      "1.2.3.4/a",  "fe80::1%1/64", "1.2.3.4//8",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_cidr r;
    int rc = cidr(cases[i], &r);
    CU_ASSERT_EQUAL(rc, VX_EPARSE);
    if (rc != VX_EPARSE)
      fprintf(stderr, "\"%s\" gave %d\n", cases[i], rc);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_ipv4_dotted_quads_are_parsed),
      VX_TEST(test_malformed_ipv4_is_rejected),
      VX_TEST(test_ipv6_text_forms_are_parsed_like_inet_pton),
      VX_TEST(test_malformed_ipv6_is_rejected),
      VX_TEST(test_ipv4_mapped_ipv6_is_parsed_as_ipv4),
      VX_TEST(test_parse_reads_only_len_bytes),
      VX_TEST(test_parse_rejects_null_arguments),
      VX_TEST(test_cidr_clears_host_bits),
      VX_TEST(test_bare_address_is_a_single_host_range),
      VX_TEST(test_ipv4_range_contains_its_addresses_only),
      VX_TEST(test_ipv6_range_contains_its_addresses_only),
      VX_TEST(test_families_never_match_each_other),
      VX_TEST(test_ipv4_mapped_range_matches_both_spellings),
      VX_TEST(test_ipv4_mapped_range_wider_than_96_stays_ipv6),
      VX_TEST(test_prefix_out_of_range_is_rejected),
      VX_TEST(test_malformed_cidr_is_rejected),
      {NULL, NULL},
  };
  return vx_test_main("sdk/ip", tests, NULL, NULL);
}
