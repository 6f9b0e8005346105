/*
 * test_params.c - parameter lookup, JavaScript white space and Number(),
 * percentages and booleans.
 *
 * Expected numbers were produced by Node.js's Number() on the same strings.
 */
#include <math.h>
#include <string.h>
#include <vexil/sdk.h>

#include "vx_test.h"

/* ------------------------------------------------------------ lookup */

static void test_param_find_returns_the_named_value(void) {
  const vx_param params[] = {
      {"rollout", "50"}, {"stickiness", "userId"}, {"groupId", "g"}};
  CU_ASSERT_STRING_EQUAL(vx_param_find(params, 3, "stickiness"), "userId");
  CU_ASSERT_STRING_EQUAL(vx_param_find(params, 3, "groupId"), "g");
}

static void test_param_find_returns_null_when_absent(void) {
  const vx_param params[] = {{"rollout", "50"}};
  CU_ASSERT_PTR_NULL(vx_param_find(params, 1, "Rollout")); /* exact case */
  CU_ASSERT_PTR_NULL(vx_param_find(params, 1, "roll"));
  CU_ASSERT_PTR_NULL(vx_param_find(params, 0, "rollout"));
  CU_ASSERT_PTR_NULL(vx_param_find(NULL, 0, "rollout"));
  CU_ASSERT_PTR_NULL(vx_param_find(params, 1, NULL));
}

static void test_param_find_returns_the_first_of_duplicates(void) {
  const vx_param params[] = {{NULL, "x"}, {"a", "1"}, {"a", "2"}};
  CU_ASSERT_STRING_EQUAL(vx_param_find(params, 3, "a"), "1");
}

/* -------------------------------------------------------- white space */

static void test_trim_space_removes_javascript_white_space(void) {
  /* TAB LF VT FF CR SP, U+00A0, U+FEFF, U+2028, U+3000 around "a b" */
  const char *s = "\t\n\v\f\r \xc2\xa0\xef\xbb\xbf"
                  "a b"
                  "\xe2\x80\xa8\xe3\x80\x80 ";
  size_t n = 99;
  const char *t = vx_trim_space(s, strlen(s), &n);
  CU_ASSERT_EQUAL(n, 3u);
  CU_ASSERT_EQUAL(memcmp(t, "a b", 3), 0);
}

static void test_trim_space_keeps_non_space_characters(void) {
  /* U+200B ZERO WIDTH SPACE and U+180E are not white space in JavaScript;
   * a lone 0xA0 byte is not UTF-8 for U+00A0. */
  const char *cases[] = {"\xe2\x80\x8bx", "x\xe1\xa0\x8e", "\xa0x", "x\xa0"};
  for (size_t i = 0; i < 4; i++) {
    size_t n;
    const char *t = vx_trim_space(cases[i], strlen(cases[i]), &n);
    CU_ASSERT_PTR_EQUAL(t, cases[i]);
    CU_ASSERT_EQUAL(n, strlen(cases[i]));
  }
}

static void test_trim_space_of_only_space_is_empty(void) {
  size_t n = 99;
  vx_trim_space(" \xc2\xa0\t", 4, &n);
  CU_ASSERT_EQUAL(n, 0u);
  vx_trim_space(NULL, 0, &n);
  CU_ASSERT_EQUAL(n, 0u);
}

/* ------------------------------------------------------------ numbers */

static void test_parse_number_matches_javascript_number(void) {
  static const struct {
    const char *s;
    size_t len;
    double want;
  } cases[] = {
      {"", 0, 0x0.0p+0},                      /* 0 */
      {" ", 1, 0x0.0p+0},                     /* 0 */
      {"\011\012\013\014\015 ", 6, 0x0.0p+0}, /* 0 */
      {"0", 1, 0x0.0p+0},                     /* 0 */
      {"-0", 2, -0.0},                        /* -0 */
      {"+0", 2, 0x0.0p+0},                    /* 0 */
      {"42", 2, 0x1.5000000000000p+5},        /* 42 */
      {" 42 ", 4, 0x1.5000000000000p+5},      /* 42 */
      {"\302\240\342\200\250\357\273\277\343\200\200\341\232\200\342\200\211"
       "\342\200\257\342\201\237\342\200\251 42 \302\240",
       32, 0x1.5000000000000p+5},             /* 42 */
      {"1.5", 3, 0x1.8000000000000p+0},       /* 1.5 */
      {".5", 2, 0x1.0000000000000p-1},        /* 0.5 */
      {"5.", 2, 0x1.4000000000000p+2},        /* 5 */
      {"-.5", 3, -0x1.0000000000000p-1},      /* -0.5 */
      {"+5.", 3, 0x1.4000000000000p+2},       /* 5 */
      {"1e3", 3, 0x1.f400000000000p+9},       /* 1000 */
      {"1E3", 3, 0x1.f400000000000p+9},       /* 1000 */
      {"1e+3", 4, 0x1.f400000000000p+9},      /* 1000 */
      {"1e-3", 4, 0x1.0624dd2f1a9fcp-10},     /* 0.001 */
      {"5.e2", 4, 0x1.f400000000000p+8},      /* 500 */
      {".5e1", 4, 0x1.4000000000000p+2},      /* 5 */
      {"-1.25e-2", 8, -0x1.999999999999ap-7}, /* -0.0125 */
      {"0x1F", 4, 0x1.f000000000000p+4},      /* 31 */
      {"0X1f", 4, 0x1.f000000000000p+4},      /* 31 */
      {"0o17", 4, 0x1.e000000000000p+3},      /* 15 */
      {"0O17", 4, 0x1.e000000000000p+3},      /* 15 */
      {"0b101", 5, 0x1.4000000000000p+2},     /* 5 */
      {"0B101", 5, 0x1.4000000000000p+2},     /* 5 */
      {" 0x10 ", 6, 0x1.0000000000000p+4},    /* 16 */
      {"0x0", 3, 0x0.0p+0},                   /* 0 */
      {"0b0", 3, 0x0.0p+0},                   /* 0 */
      {"Infinity", 8, INFINITY},              /* inf */
      {"+Infinity", 9, INFINITY},             /* inf */
      {"-Infinity", 9, -INFINITY},            /* -inf */
      {" -Infinity\012", 11, -INFINITY},      /* -inf */
      {"00012", 5, 0x1.8000000000000p+3},     /* 12 */
      {"0012.50", 7, 0x1.9000000000000p+3},   /* 12.5 */
      {"0.1", 3, 0x1.999999999999ap-4},       /* 0.1 */
      {"0.3", 3, 0x1.3333333333333p-2},       /* 0.3 */
      {"123456789012345678901234567890", 30,
       0x1.8ee90ff6c373ep+96},                  /* 1.2345678901234568e+29 */
      {"1e400", 5, INFINITY},                   /* inf */
      {"-1e400", 6, -INFINITY},                 /* -inf */
      {"1e-400", 6, 0x0.0p+0},                  /* 0 */
      {"4.9e-324", 8, 0x0.0000000000001p-1022}, /* 5e-324 */
      {"2.4703282292062328e-324", 23, 0x0.0000000000001p-1022}, /* 5e-324 */
      {"2.4703282292062327e-324", 23, 0x0.0p+0},                /* 0 */
      {"9007199254740993", 16, 0x1.0000000000000p+53}, /* 9007199254740992 */
      {"9007199254740995", 16, 0x1.0000000000002p+53}, /* 9007199254740996 */
      {"0x20000000000001", 16, 0x1.0000000000000p+53}, /* 9007199254740992 */
      {"0x20000000000003", 16, 0x1.0000000000002p+53}, /* 9007199254740996 */
      {"0b111111111111111111111111111111111111111111111111111111", 56,
       0x1.0000000000000p+54}, /* 18014398509481984 */
      {"0o777777777777777777777777777777", 32,
       0x1.0000000000000p+90}, /* 1.2379400392853803e+27 */
      {"1.7976931348623157e308", 22,
       0x1.fffffffffffffp+1023}, /* 1.7976931348623157e+308 */
      {"1.7976931348623158e308", 22,
       0x1.fffffffffffffp+1023},                 /* 1.7976931348623157e+308 */
      {"1.7976931348623159e308", 22, INFINITY},  /* inf */
      {"1e99999999999999999999", 22, INFINITY},  /* inf */
      {"1e-99999999999999999999", 23, 0x0.0p+0}, /* 0 */
      {"0e99999999999999999999", 22, 0x0.0p+0},  /* 0 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double v = NAN;
    int rc = vx_parse_number(cases[i].s, cases[i].len, &v);
    CU_ASSERT_EQUAL(rc, 0);
    /* bit-exact: same value and same sign of zero */
    CU_ASSERT(v == cases[i].want && signbit(v) == signbit(cases[i].want));
    if (rc != 0 || v != cases[i].want)
      fprintf(stderr, "case %zu: \"%s\" gave %a\n", i, cases[i].s, v);
  }
}

static void test_parse_number_rejects_what_javascript_makes_nan(void) {
  static const struct {
    const char *s;
    size_t len;
  } cases[] = {
      {"abc", 3},
      {"1e", 2},
      {"1e+", 3},
      {"1e-", 3},
      {"1,5", 3},
      {"0x", 2},
      {"0x1g", 4},
      {"-0x10", 5},
      {"+0x10", 5},
      {"0b2", 3},
      {"0o8", 3},
      {"0x1.5", 5},
      {"0x1p3", 5},
      {".", 1},
      {"+", 1},
      {"-", 1},
      {"e5", 2},
      {".e5", 3},
      {"1_000", 5},
      {"inf", 3},
      {"infinity", 8},
      {"INFINITY", 8},
      {"-infinity", 9},
      {"NaN", 3},
      {"1.2.3", 5},
      {"--1", 3},
      {"+-1", 3},
      {"1 2", 3},
      {"12px", 4},
      {"1\000", 2},
      {"\342\200\2131", 4},
      {"\341\240\2161", 4},
      {"0x 1", 4},
      {"1e5.5", 5},
      {"Infinityx", 9},
      {"0xx1", 4},
      {"\331\241\331\242", 4},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double v = 12345.0;
    CU_ASSERT_EQUAL(vx_parse_number(cases[i].s, cases[i].len, &v), VX_EPARSE);
    CU_ASSERT_EQUAL(v, 12345.0); /* untouched on error */
  }
}

static void test_parse_number_reads_only_len_bytes(void) {
  double v = 0;
  CU_ASSERT_EQUAL(vx_parse_number("12abc", 2, &v), 0);
  CU_ASSERT_EQUAL(v, 12.0);
  CU_ASSERT_EQUAL(vx_parse_number("0x1fz", 4, &v), 0);
  CU_ASSERT_EQUAL(v, 31.0);
}

static void test_parse_number_rejects_null_arguments(void) {
  double v;
  CU_ASSERT_EQUAL(vx_parse_number(NULL, 1, &v), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_parse_number("1", 1, NULL), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_parse_number(NULL, 0, &v), 0); /* "" is 0 */
  CU_ASSERT_EQUAL(v, 0.0);
}

/* Digits of 5^1075: 2^-1075, the exact midpoint between 0 and the
 * smallest subnormal, is 0.(323 zeros)(these 752 digits). */
static size_t five_pow_1075(char *out) {
  unsigned char d[800] = {1}; /* little-endian decimal digits */
  size_t n = 1;
  for (int k = 0; k < 1075; k++) {
    unsigned carry = 0;
    for (size_t i = 0; i < n; i++) {
      unsigned v = d[i] * 5u + carry;
      d[i] = (unsigned char)(v % 10);
      carry = v / 10;
    }
    if (carry)
      d[n++] = (unsigned char)carry;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = (char)('0' + d[n - 1 - i]);
  return n;
}

static double parse_text(const char *s) {
  double v = NAN;
  CU_ASSERT_EQUAL(vx_parse_number(s, strlen(s), &v), 0);
  return v;
}

static void test_parse_number_rounds_long_decimals_correctly(void) {
  static char buf[2200];
  size_t o = 0;
  memcpy(buf, "0.", 2);
  o = 2;
  memset(buf + o, '0', 323);
  o += 323;
  size_t nd = five_pow_1075(buf + o);
  CU_ASSERT_EQUAL(nd, 752u);
  o += nd;
  buf[o] = '\0';
  /* exactly halfway: ties to even, i.e. 0 */
  CU_ASSERT_EQUAL(parse_text(buf), 0.0);
  /* halfway, then 200 zeros: still a tie, past 780 significant digits */
  memset(buf + o, '0', 200);
  buf[o + 200] = '\0';
  CU_ASSERT_EQUAL(parse_text(buf), 0.0);
  /* ... then a 1 far beyond the kept digits: just above halfway */
  buf[o + 200] = '1';
  buf[o + 201] = '\0';
  CU_ASSERT_EQUAL(parse_text(buf), 0x0.0000000000001p-1022);
}

static void test_parse_number_handles_a_thousand_digits(void) {
  static char buf[1100];
  memset(buf, '9', 1000);
  strcpy(buf + 1000, "e-990"); /* 0.999...e10 */
  CU_ASSERT_EQUAL(parse_text(buf), 1e10);
  buf[0] = '1';
  memset(buf + 1, '0', 1000);
  buf[1001] = '\0';
  CU_ASSERT(isinf(parse_text(buf)));
  memcpy(buf, "0.", 2);
  memset(buf + 2, '0', 1000);
  strcpy(buf + 1002, "1");
  CU_ASSERT_EQUAL(parse_text(buf), 0.0);
  memset(buf + 2, '0', 400);
  strcpy(buf + 402, "1e400");
  CU_ASSERT_EQUAL(parse_text(buf), 0.1);
}

static void test_parse_number_rounds_long_radix_integers(void) {
  static char buf[400];
  /* 2^53 + 1 followed by 40 zero bits and a 1: just above a tie */
  CU_ASSERT_EQUAL(parse_text("0x200000000000010000000001"),
                  0x1.0000000000001p+93);
  CU_ASSERT_EQUAL(parse_text("0x200000000000010000000000"), 0x1p+93);
  memcpy(buf, "0x", 2);
  memset(buf + 2, 'f', 300);
  buf[302] = '\0';
  CU_ASSERT(isinf(parse_text(buf)));
  memset(buf + 2, '0', 300);
  CU_ASSERT_EQUAL(parse_text(buf), 0.0);
}

/* -------------------------------------------------------- percentages */

static void test_parse_percentage_accepts_0_to_100(void) {
  static const struct {
    const char *s;
    int want;
  } cases[] = {{"0", 0},     {"100", 100},  {"50", 50},     {" 7 ", 7},
               {"", 0},      {"-0", 0},     {"0x64", 100},  {"1e2", 100},
               {"50.7", 50}, {"99.99", 99}, {"100.0", 100}, {"0.5", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int v = -1;
    char err[64] = "";
    CU_ASSERT_EQUAL(
        vx_parse_percentage(cases[i].s, "rollout", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, cases[i].want);
    CU_ASSERT_STRING_EQUAL(err, ""); /* no message on success */
  }
}

static void test_parse_percentage_rejects_out_of_range_with_message(void) {
  static const struct {
    const char *s, *msg;
  } cases[] = {
      {"140", "rollout must be 0..100, got 140"},
      {" 101 ", "rollout must be 0..100, got 101"},
      {"100.5", "rollout must be 0..100, got 100.5"},
      {"-1", "rollout must be 0..100, got -1"},
      {"-0.5", "rollout must be 0..100, got -0.5"},
      {"Infinity", "rollout must be 0..100, got Infinity"},
      {"1e3", "rollout must be 0..100, got 1e3"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int v = -7;
    char err[64];
    CU_ASSERT_EQUAL(
        vx_parse_percentage(cases[i].s, "rollout", &v, err, sizeof err),
        VX_ERANGE);
    CU_ASSERT_STRING_EQUAL(err, cases[i].msg);
    CU_ASSERT_EQUAL(v, -7);
  }
}

static void test_parse_percentage_rejects_non_numbers_with_message(void) {
  static const struct {
    const char *s, *msg;
  } cases[] = {
      {"abc", "percentage must be a number, got \"abc\""},
      {"50%", "percentage must be a number, got \"50%\""},
      {"1,5", "percentage must be a number, got \"1,5\""},
      {"a\"b\\c", "percentage must be a number, got \"a\\\"b\\\\c\""},
      {"x\ny", "percentage must be a number, got \"x\\x0ay\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int v = -7;
    char err[80];
    CU_ASSERT_EQUAL(
        vx_parse_percentage(cases[i].s, "percentage", &v, err, sizeof err),
        VX_EPARSE);
    CU_ASSERT_STRING_EQUAL(err, cases[i].msg);
    CU_ASSERT_EQUAL(v, -7);
  }
}

static void test_parse_percentage_shortens_a_long_echo(void) {
  char s[300], err[200];
  int v;
  memset(s, 'x', sizeof s - 1);
  s[sizeof s - 1] = '\0';
  s[60] = '\xc3'; /* "é" across the cut: never split a character */
  s[61] = '\xa9';
  CU_ASSERT_EQUAL(vx_parse_percentage(s, "rollout", &v, err, sizeof err),
                  VX_EPARSE);
  CU_ASSERT(strlen(err) < 120);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "...\""));
  CU_ASSERT_PTR_NULL(strstr(err, "\xc3\""));
  CU_ASSERT_PTR_NULL(strstr(err, "\xc3."));
}

static void test_parse_percentage_truncates_the_message_to_errlen(void) {
  char err[12];
  int v;
  CU_ASSERT_EQUAL(vx_parse_percentage("140", "rollout", &v, err, sizeof err),
                  VX_ERANGE);
  CU_ASSERT_STRING_EQUAL(err, "rollout mus");
  /* no buffer at all is fine */
  CU_ASSERT_EQUAL(vx_parse_percentage("140", "rollout", &v, NULL, 0),
                  VX_ERANGE);
}

static void test_parse_percentage_rejects_missing_arguments(void) {
  char err[64];
  int v;
  CU_ASSERT_EQUAL(vx_parse_percentage(NULL, "rollout", &v, err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "rollout is missing");
  CU_ASSERT_EQUAL(vx_parse_percentage("5", "rollout", NULL, err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_EQUAL(vx_parse_percentage("abc", NULL, &v, err, sizeof err),
                  VX_EPARSE);
  CU_ASSERT_STRING_EQUAL(err, "value must be a number, got \"abc\"");
}

/* ------------------------------------------------------------ booleans */

static void test_parse_bool_accepts_true_and_false_in_any_case(void) {
  static const struct {
    const char *s;
    bool want;
  } cases[] = {{"true", true},     {"TRUE", true},   {"True", true},
               {" true\n", true},  {"false", false}, {"FaLsE", false},
               {"\tfalse ", false}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bool v = !cases[i].want;
    CU_ASSERT_EQUAL(vx_parse_bool(cases[i].s, &v), 0);
    CU_ASSERT_EQUAL(v, cases[i].want);
  }
}

static void test_parse_bool_rejects_anything_else(void) {
  static const char *cases[] = {"",  "1",    "0",           "yes",    "no",
                                "t", "tru",  "truee",       "true x", "on",
                                "f", "fals", "\xc4\xb1true"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bool v = true;
    CU_ASSERT_EQUAL(vx_parse_bool(cases[i], &v), VX_EPARSE);
    CU_ASSERT_EQUAL(v, true);
  }
  bool v;
  CU_ASSERT_EQUAL(vx_parse_bool(NULL, &v), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_parse_bool("true", NULL), VX_EINVAL);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_param_find_returns_the_named_value),
      VX_TEST(test_param_find_returns_null_when_absent),
      VX_TEST(test_param_find_returns_the_first_of_duplicates),
      VX_TEST(test_trim_space_removes_javascript_white_space),
      VX_TEST(test_trim_space_keeps_non_space_characters),
      VX_TEST(test_trim_space_of_only_space_is_empty),
      VX_TEST(test_parse_number_matches_javascript_number),
      VX_TEST(test_parse_number_rejects_what_javascript_makes_nan),
      VX_TEST(test_parse_number_reads_only_len_bytes),
      VX_TEST(test_parse_number_rejects_null_arguments),
      VX_TEST(test_parse_number_rounds_long_decimals_correctly),
      VX_TEST(test_parse_number_handles_a_thousand_digits),
      VX_TEST(test_parse_number_rounds_long_radix_integers),
      VX_TEST(test_parse_percentage_accepts_0_to_100),
      VX_TEST(test_parse_percentage_rejects_out_of_range_with_message),
      VX_TEST(test_parse_percentage_rejects_non_numbers_with_message),
      VX_TEST(test_parse_percentage_shortens_a_long_echo),
      VX_TEST(test_parse_percentage_truncates_the_message_to_errlen),
      VX_TEST(test_parse_percentage_rejects_missing_arguments),
      VX_TEST(test_parse_bool_accepts_true_and_false_in_any_case),
      VX_TEST(test_parse_bool_rejects_anything_else),
      {NULL, NULL},
  };
  return vx_test_main("sdk/params", tests, NULL, NULL);
}
