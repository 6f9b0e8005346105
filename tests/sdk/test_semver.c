/*
 * test_semver.c - SemVer 2.0.0 as node-semver (non-loose) parses and
 * orders it. Every verdict below was checked against node-semver 7.
 */
#include <string.h>
#include <vexil/sdk.h>

#include "vx_test.h"

static int parse(const char *s, vx_semver *v) {
  return vx_semver_parse(s, strlen(s), v);
}

static int cmp(const char *a, const char *b) {
  vx_semver x, y;
  CU_ASSERT_EQUAL_FATAL(parse(a, &x), 0);
  CU_ASSERT_EQUAL_FATAL(parse(b, &y), 0);
  return vx_semver_cmp(&x, &y);
}

static void test_versions_are_parsed_into_numbers_and_prerelease(void) {
  static const struct {
    const char *s;
    uint64_t major, minor, patch;
    const char *pre;
  } cases[] = {
      {"1.2.3", 1, 2, 3, NULL},
      {"0.0.0", 0, 0, 0, NULL},
      {"10.20.30", 10, 20, 30, NULL},
      {"1.2.3-0", 1, 2, 3, "0"},
      {"1.2.3-0a", 1, 2, 3, "0a"},
      {"1.2.3-a-b", 1, 2, 3, "a-b"},
      {"1.2.3--", 1, 2, 3, "-"},
      {"1.0.0-x.7.z.92", 1, 0, 0, "x.7.z.92"},
      {"1.2.3-alpha.1+build.01", 1, 2, 3, "alpha.1"},
      {"1.2.3+001", 1, 2, 3, NULL},
      {"1.2.3+a-b.c", 1, 2, 3, NULL},
      {"1.2.3----RC-SNAPSHOT.12.9.1--.12+788", 1, 2, 3,
       "---RC-SNAPSHOT.12.9.1--.12"},
      {"9007199254740991.9007199254740991.9007199254740991", 9007199254740991u,
       9007199254740991u, 9007199254740991u, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_semver v;
    CU_ASSERT_EQUAL_FATAL(parse(cases[i].s, &v), 0);
    CU_ASSERT_EQUAL(v.major, cases[i].major);
    CU_ASSERT_EQUAL(v.minor, cases[i].minor);
    CU_ASSERT_EQUAL(v.patch, cases[i].patch);
    if (cases[i].pre == NULL) {
      CU_ASSERT_PTR_NULL(v.pre);
      CU_ASSERT_EQUAL(v.pre_len, 0u);
    } else {
      CU_ASSERT_EQUAL(v.pre_len, strlen(cases[i].pre));
      CU_ASSERT(v.pre != NULL &&
                memcmp(v.pre, cases[i].pre, strlen(cases[i].pre)) == 0);
    }
  }
}

static void test_prerelease_points_into_the_input(void) {
  const char *s = "  v2.0.0-rc.1+b ";
  vx_semver v;
  CU_ASSERT_EQUAL_FATAL(parse(s, &v), 0);
  CU_ASSERT_PTR_EQUAL(v.pre, s + 9);
  CU_ASSERT_EQUAL(v.pre_len, 4u);
}

static void test_leading_v_and_white_space_are_accepted(void) {
  static const char *cases[] = {"v1.2.3", " 1.2.3 ", "\t\nv1.2.3\r",
                                "\xc2\xa0v1.2.3\xe2\x80\xa8"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_semver v;
    CU_ASSERT_EQUAL(parse(cases[i], &v), 0);
    CU_ASSERT(v.major == 1 && v.minor == 2 && v.patch == 3);
  }
}

static void test_malformed_versions_are_rejected(void) {
  static const char *cases[] = {
      "",
      "1",
      "1.2",
      "1.2.3.4",
      "01.2.3",
      "1.02.3",
      "1.2.03",
      "=1.2.3",
      "V1.2.3",
      "vv1.2.3",
      "v 1.2.3",
      "v=1.2.3",
      " =1.2.3",
      "1.2.3-",
      "1.2.3-01",
      "1.2.3-00",
      "1.2.3-a..b",
      "1.2.3-a.",
      "1.2.3-.a",
      "1.2.3+",
      "1.2.3+a..b",
      "1.2.3+a.",
      "1.2.3-a_b",
      "1.2.3-\xc3\xa9",
      "1.2.3 x",
      "1.2.3-a+b+c",
      "-1.2.3",
      "1.2.-3",
      "1.2.3a",
      "a.b.c",
      "1 .2.3",
      "1.2.3-alpha beta",
      "1.2.3+\xc3\xa9",
      "\xe2\x80\x8b"
      "1.2.3",
      "+1.2.3",
      "1.2.3.",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_semver v;
    int rc = parse(cases[i], &v);
    CU_ASSERT_EQUAL(rc, VX_EPARSE);
    if (rc != VX_EPARSE)
      fprintf(stderr, "accepted \"%s\"\n", cases[i]);
  }
  vx_semver v;
  CU_ASSERT_EQUAL(vx_semver_parse("1.2.3\0", 6, &v), VX_EPARSE);
}

static void test_numbers_above_2_pow_53_minus_1_are_rejected(void) {
  static const char *cases[] = {"9007199254740992.0.0", "0.9007199254740992.0",
                                "0.0.9007199254740992",
                                "99999999999999999999999999.0.0"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_semver v;
    CU_ASSERT_EQUAL(parse(cases[i], &v), VX_EPARSE);
  }
}

static void test_input_longer_than_256_characters_is_rejected(void) {
  char buf[300];
  vx_semver v;
  /* 200 spaces + "1.2.3" + 51 spaces = 256: accepted; one more is not,
   * even though trimming would leave a valid version. */
  memset(buf, ' ', sizeof buf);
  memcpy(buf + 200, "1.2.3", 5);
  CU_ASSERT_EQUAL(vx_semver_parse(buf, 256, &v), 0);
  CU_ASSERT_EQUAL(vx_semver_parse(buf, 257, &v), VX_EPARSE);
  /* JavaScript counts UTF-16 units: U+00A0 (2 bytes) is one */
  size_t o = 0;
  for (int i = 0; i < 125; i++, o += 2)
    memcpy(buf + o, "\xc2\xa0", 2);
  memcpy(buf + o, "1.2.3", 5);
  CU_ASSERT_EQUAL(vx_semver_parse(buf, o + 5, &v), 0); /* 130 units */
  /* a 250-character prerelease just fits */
  memcpy(buf, "1.2.3-", 6);
  memset(buf + 6, 'a', 250);
  CU_ASSERT_EQUAL(vx_semver_parse(buf, 256, &v), 0);
  CU_ASSERT_EQUAL(v.pre_len, 250u);
  buf[256] = 'a';
  CU_ASSERT_EQUAL(vx_semver_parse(buf, 257, &v), VX_EPARSE);
}

static void test_parse_rejects_null_arguments(void) {
  vx_semver v;
  CU_ASSERT_EQUAL(vx_semver_parse(NULL, 5, &v), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_semver_parse("1.2.3", 5, NULL), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_semver_parse(NULL, 0, &v), VX_EPARSE);
}

static void test_precedence_follows_semver_2_0_0(void) {
  /* each is lower than the next; includes the example of SemVer 11.4 */
  static const char *order[] = {
      "0.0.0",
      "0.0.1-alpha",
      "0.0.1",
      "0.1.0",
      "1.0.0-0",
      "1.0.0-1",
      "1.0.0-2",
      "1.0.0-10",
      "1.0.0-99999",
      "1.0.0--",
      "1.0.0-0a",
      "1.0.0-A",
      "1.0.0-Z",
      "1.0.0-a",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.2.0",
      "1.10.0",
      "2.0.0-rc.1",
      "2.0.0",
      "10.0.0",
  };
  size_t n = sizeof order / sizeof order[0];
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      int c = cmp(order[i], order[j]);
      int want = i < j ? -1 : i > j;
      CU_ASSERT_EQUAL(c, want);
      if (c != want)
        fprintf(stderr, "cmp(%s, %s) = %d\n", order[i], order[j], c);
    }
  }
}

static void test_build_metadata_and_prefix_do_not_change_precedence(void) {
  CU_ASSERT_EQUAL(cmp("1.0.0+a", "1.0.0+b"), 0);
  CU_ASSERT_EQUAL(cmp("v1.0.0-x", " 1.0.0-x+y"), 0);
}

static void test_longer_prerelease_list_is_higher_when_prefix_is_equal(void) {
  CU_ASSERT(cmp("1.0.0-1.a", "1.0.0-1") > 0);
  CU_ASSERT(cmp("1.0.0-a.b.c", "1.0.0-a.b") > 0);
  CU_ASSERT(cmp("1.0.0-a.b", "1.0.0-a.b.c") < 0);
  CU_ASSERT(cmp("1.0.0-a.1", "1.0.0-a.a") < 0); /* numeric < alphanumeric */
  CU_ASSERT(cmp("1.0.0-a.b", "1.0.0-a.bb") < 0);
  CU_ASSERT(cmp("1.0.0-ab", "1.0.0-a.b") > 0);
}

static void test_huge_numeric_identifiers_compare_as_javascript_numbers(void) {
  /* node-semver compares them as doubles: these two are equal there */
  CU_ASSERT_EQUAL(cmp("1.0.0-9007199254740993", "1.0.0-9007199254740992"), 0);
  CU_ASSERT(cmp("1.0.0-9007199254740991", "1.0.0-9007199254740994") < 0);
  CU_ASSERT(cmp("1.0.0-100000000000000000000", "1.0.0-99999999999999") > 0);
  CU_ASSERT(cmp("1.0.0-123456789012345678", "1.0.0-x") < 0);
}

static void test_cmp_accepts_hand_built_versions(void) {
  vx_semver a = {1, 2, 3, NULL, 0}, b = {1, 2, 3, "rc", 2};
  CU_ASSERT(vx_semver_cmp(&a, &b) > 0);
  CU_ASSERT(vx_semver_cmp(&b, &a) < 0);
  CU_ASSERT_EQUAL(vx_semver_cmp(&a, &a), 0);
  vx_semver big = {UINT64_MAX, 0, 0, NULL, 0};
  CU_ASSERT(vx_semver_cmp(&a, &big) < 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_versions_are_parsed_into_numbers_and_prerelease),
      VX_TEST(test_prerelease_points_into_the_input),
      VX_TEST(test_leading_v_and_white_space_are_accepted),
      VX_TEST(test_malformed_versions_are_rejected),
      VX_TEST(test_numbers_above_2_pow_53_minus_1_are_rejected),
      VX_TEST(test_input_longer_than_256_characters_is_rejected),
      VX_TEST(test_parse_rejects_null_arguments),
      VX_TEST(test_precedence_follows_semver_2_0_0),
      VX_TEST(test_build_metadata_and_prefix_do_not_change_precedence),
      VX_TEST(test_longer_prerelease_list_is_higher_when_prefix_is_equal),
      VX_TEST(test_huge_numeric_identifiers_compare_as_javascript_numbers),
      VX_TEST(test_cmp_accepts_hand_built_versions),
      {NULL, NULL},
  };
  return vx_test_main("sdk/semver", tests, NULL, NULL);
}
