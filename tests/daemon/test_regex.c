/*
 * test_regex.c - REGEX constraints speak RE2: an unanchored UTF-8 search
 * that refuses what RE2 refuses and never hangs a thread.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vexil/error.h>

#include "regex.h"
#include "vx_test.h"

static char last_err[256];

/* 1 match, 0 no match, or the compile error code (negative). */
static int search_n(const char *pattern, bool ci, const char *subject,
                    size_t len) {
  vx_regex *re = NULL;
  int rc = vx_regex_compile(pattern, strlen(pattern), ci, &re, last_err,
                            sizeof last_err);
  if (rc != 0)
    return rc;
  int m = vx_regex_search(re, subject, len);
  vx_regex_free(re);
  return m;
}

static int search(const char *pattern, const char *subject) {
  return search_n(pattern, false, subject, strlen(subject));
}

static int search_ci(const char *pattern, const char *subject) {
  return search_n(pattern, true, subject, strlen(subject));
}

/* Asserts that pattern is refused with code and a message containing
 * `what` and "at offset N". */
static void assert_refused_as(const char *pattern, int code, const char *what,
                              size_t offset, int line) {
  vx_regex *re = (vx_regex *)&re; /* must be reset to NULL */
  char err[256] = "";
  int rc =
      vx_regex_compile(pattern, strlen(pattern), false, &re, err, sizeof err);
  char want[64];
  snprintf(want, sizeof want, "at offset %zu", offset);
  bool ok = rc == code && re == NULL && strstr(err, what) != NULL &&
            strstr(err, want) != NULL;
  char msg[512];
  snprintf(msg, sizeof msg, "pattern /%s/: rc %d, err \"%s\" (want %d, %s, %s)",
           pattern, rc, err, code, what, want);
  CU_assertImplementation(ok, (unsigned)line, msg, __FILE__, "", CU_FALSE);
}

#define ASSERT_UNSUPPORTED(pat, what, off)                                     \
  assert_refused_as(pat, VX_EUNSUPPORTED, what, off, __LINE__)
#define ASSERT_INVALID(pat, off)                                               \
  assert_refused_as(pat, VX_EPARSE, "REGEX: ", off, __LINE__)

static void test_search_is_unanchored(void) {
  CU_ASSERT_EQUAL(search("b", "abc"), 1);
  CU_ASSERT_EQUAL(search("bc", "abc"), 1);
  CU_ASSERT_EQUAL(search("^b", "abc"), 0);
  CU_ASSERT_EQUAL(search("^abc$", "abc"), 1);
  CU_ASSERT_EQUAL(search("d", "abc"), 0);
  CU_ASSERT_EQUAL(search("", "abc"), 1);
  CU_ASSERT_EQUAL(search("", ""), 1);
  CU_ASSERT_EQUAL(search("^$", ""), 1);
  CU_ASSERT_EQUAL(search(".+@example\\.com", "jane@example.com"), 1);
}

static void test_dollar_matches_only_at_the_very_end(void) {
  CU_ASSERT_EQUAL(search("c$", "abc\n"), 0); /* PCRE2 alone would say 1 */
  CU_ASSERT_EQUAL(search("c\\z", "abc"), 1);
  CU_ASSERT_EQUAL(search("(?m)c$", "abc\n"), 1);
  CU_ASSERT_EQUAL(search("(?m)^b", "a\nb"), 1);
  CU_ASSERT_EQUAL(search("\\Aab", "ab"), 1);
}

static void test_dot_is_one_character_and_stops_at_newline(void) {
  CU_ASSERT_EQUAL(search("^.$", "\xc3\xa9"), 1); /* é is one character */
  CU_ASSERT_EQUAL(search("^..$", "\xc3\xa9"), 0);
  CU_ASSERT_EQUAL(search("a.b", "a\nb"), 0);
  CU_ASSERT_EQUAL(search("a.b", "a\rb"), 1);
  CU_ASSERT_EQUAL(search("(?s)a.b", "a\nb"), 1);
}

static void test_case_insensitive_uses_unicode_folding(void) {
  CU_ASSERT_EQUAL(search("ABC", "xabcx"), 0);
  CU_ASSERT_EQUAL(search_ci("ABC", "xabcx"), 1);
  CU_ASSERT_EQUAL(search_ci("\xc3\x84pfel", "\xc3\xa4PFEL"), 1); /* Äpfel */
  CU_ASSERT_EQUAL(search("(?i)\xce\xa3", "\xcf\x83"), 1);        /* Σ σ */
  CU_ASSERT_EQUAL(search("(?i:A)b", "ab"), 1);
  CU_ASSERT_EQUAL(search("(?i:A)b", "aB"), 0);
  CU_ASSERT_EQUAL(search_ci("(?-i:A)b", "aB"), 0);
}

static void test_perl_classes_are_ascii_as_in_re2(void) {
  CU_ASSERT_EQUAL(search("\\d", "\xd9\xa3"), 0); /* ARABIC-INDIC THREE */
  CU_ASSERT_EQUAL(search("\\d", "x3"), 1);
  CU_ASSERT_EQUAL(search("^\\w$", "\xc3\xa9"), 0);
  CU_ASSERT_EQUAL(search("^\\w+$", "a_9"), 1);
  CU_ASSERT_EQUAL(search("\\bfoo\\b", "a foo b"), 1);
  CU_ASSERT_EQUAL(search("[[:alpha:]]", "\xc3\xa9"), 0);
  CU_ASSERT_EQUAL(search("\\pL", "\xc3\xa9"), 1); /* \p is Unicode */
  CU_ASSERT_EQUAL(search("\\p{Greek}", "\xce\xb1"), 1);
  CU_ASSERT_EQUAL(search("\\p{^Greek}", "\xce\xb1"), 0);
  CU_ASSERT_EQUAL(search("\\PL", "1"), 1);
}

static void test_backslash_s_is_re2_white_space_without_vertical_tab(void) {
  CU_ASSERT_EQUAL(search("\\s", "\v"), 0);
  CU_ASSERT_EQUAL(search("\\s", "\t"), 1);
  CU_ASSERT_EQUAL(search("[\\s]", "\v"), 0);
  CU_ASSERT_EQUAL(search("[x\\s]", " "), 1);
  CU_ASSERT_EQUAL(search("\\S", "\v"), 1);
  CU_ASSERT_EQUAL(search("^\\S$", " "), 0);
  CU_ASSERT_EQUAL(search("[\\S]", "\v"), 1);
  CU_ASSERT_EQUAL(search("^[\\S]$", "\xc3\xa9"), 1);
  CU_ASSERT_EQUAL(search("[\\S]", " \n"), 0);
  CU_ASSERT_EQUAL(search("[^\\S]", " "), 1);
  CU_ASSERT_EQUAL(search("[[:space:]]", "\v"), 1); /* POSIX includes it */
  /* A '-' next to \s is a literal, not the end of a range. */
  CU_ASSERT_EQUAL(search("^[\\s-z]+$", " -z"), 1);
  CU_ASSERT_EQUAL(search("[\\s-z]", "m"), 0);
  CU_ASSERT_EQUAL(search("[\\S-]", "-"), 1);
  ASSERT_INVALID("[a-\\s]", 3);
}

static void test_character_escapes(void) {
  CU_ASSERT_EQUAL(search("\\v", "\v"), 1); /* a character, not a class */
  CU_ASSERT_EQUAL(search("\\v", "\n"), 0);
  CU_ASSERT_EQUAL(search("\\x41\\x{42}", "AB"), 1);
  CU_ASSERT_EQUAL(search("\\x{1F600}", "\xf0\x9f\x98\x80"), 1);
  CU_ASSERT_EQUAL(search("\\101", "A"), 1); /* octal */
  CU_ASSERT_EQUAL(search("[\\12]", "\n"), 1);
  CU_ASSERT_EQUAL(search_n("a\\0b", false, "a\0b", 3), 1);
  CU_ASSERT_EQUAL(search("\\t\\n", "\t\n"), 1);
  CU_ASSERT_EQUAL(search("\\.\\*\\_", ".*_"), 1);
  CU_ASSERT_EQUAL(search("\\\\1", "\\1"), 1); /* backslash, then '1' */
  CU_ASSERT_EQUAL(search("\\Q.*+?(\\E", "x.*+?(x"), 1);
  CU_ASSERT_EQUAL(search("\\Q.*\\E", "ab"), 0);
  CU_ASSERT_EQUAL(search("\\Qab", "ab"), 1); /* \Q up to the end */
}

static void test_braces_that_are_not_repetitions_are_literal(void) {
  CU_ASSERT_EQUAL(search("^a{2,3}$", "aaa"), 1);
  CU_ASSERT_EQUAL(search("^a{2,3}$", "aaaa"), 0);
  CU_ASSERT_EQUAL(search("^a{2,}$", "aaaaa"), 1);
  CU_ASSERT_EQUAL(search("^a{2}?$", "aa"), 1);
  CU_ASSERT_EQUAL(search("a{,3}", "a{,3}"), 1);
  CU_ASSERT_EQUAL(search("a{x}", "a{x}"), 1);
  CU_ASSERT_EQUAL(search("a{", "a{"), 1);
  CU_ASSERT_EQUAL(search("x}", "x}"), 1);
  CU_ASSERT_EQUAL(search("^a{1000}$", "a"), 0);
}

static void test_classes_and_groups(void) {
  CU_ASSERT_EQUAL(search("[]a]", "]"), 1);
  CU_ASSERT_EQUAL(search("[^]a]", "]"), 0);
  CU_ASSERT_EQUAL(search("[a-c]+", "xbx"), 1);
  CU_ASSERT_EQUAL(search("[[.a.]]", "[.a.]"), 1); /* RE2: '[' is literal */
  CU_ASSERT_EQUAL(search("[[:^digit:]]", "7"), 0);
  CU_ASSERT_EQUAL(search("^[:alpha:]+$", "hal:"), 1); /* not POSIX here */
  CU_ASSERT_EQUAL(search("[:alpha:]", "z"), 0);
  CU_ASSERT_EQUAL(search("^[.=]+$", ".=."), 1);
  CU_ASSERT_EQUAL(search("[(?=]", "?"), 1); /* no group inside a class */
  CU_ASSERT_EQUAL(search("\\(?=", "="), 1); /* escaped paren: no group */
  CU_ASSERT_EQUAL(search("(?P<year>\\d{4})-(?<m>\\d\\d)", "on 2024-05"), 1);
  CU_ASSERT_EQUAL(search("(?:ab)+$", "abab"), 1);
  CU_ASSERT_EQUAL(search("(?U)a+", "aaa"), 1);
  CU_ASSERT_EQUAL(search("a|b|", "zzz"), 1);
  CU_ASSERT_EQUAL(search("colou?r", "color"), 1);
  CU_ASSERT_EQUAL(search("a*?b", "aab"), 1);
}

static void test_refuses_backreferences(void) {
  ASSERT_UNSUPPORTED("(a)\\1",
                     "REGEX: backreferences are not supported "
                     "(RE2 syntax) at offset 3",
                     3);
  ASSERT_UNSUPPORTED("abcd\\1", "backreferences", 4);
  ASSERT_UNSUPPORTED("(a)\\9", "backreferences", 3);
  ASSERT_UNSUPPORTED("(?<x>a)\\k<x>", "backreferences", 7);
  ASSERT_UNSUPPORTED("(?P<x>a)(?P=x)", "backreferences", 8);
  ASSERT_UNSUPPORTED("(a)\\g1", "backreferences", 3);
  ASSERT_UNSUPPORTED("(a)\\g{-1}", "backreferences", 3);
}

static void test_refuses_lookaround_and_atomic_groups(void) {
  ASSERT_UNSUPPORTED("a(?=b)", "lookahead", 1);
  ASSERT_UNSUPPORTED("a(?!b)", "lookahead", 1);
  ASSERT_UNSUPPORTED("(?<=a)b", "lookbehind", 0);
  ASSERT_UNSUPPORTED("(?<!a)b", "lookbehind", 0);
  ASSERT_UNSUPPORTED("x(?>a+)b", "atomic groups", 1);
  ASSERT_UNSUPPORTED("(*pla:a)", "(*...)", 0);
}

static void test_refuses_possessive_and_stacked_quantifiers(void) {
  ASSERT_UNSUPPORTED("a*+", "possessive", 1);
  ASSERT_UNSUPPORTED("xa++", "possessive", 2);
  ASSERT_UNSUPPORTED("a?+", "possessive", 1);
  ASSERT_UNSUPPORTED("a{2}+", "possessive", 1);
  ASSERT_UNSUPPORTED("a**", "nested repetition", 1);
  ASSERT_UNSUPPORTED("a*?+", "nested repetition", 1);
  ASSERT_UNSUPPORTED("a{1001}", "above 1000", 1);
  ASSERT_UNSUPPORTED("a{1,1001}", "above 1000", 1);
}

static void test_refuses_recursion_conditionals_and_verbs(void) {
  ASSERT_UNSUPPORTED("(a|(?R))", "recursion", 3);
  ASSERT_UNSUPPORTED("(a)(?1)", "recursion", 3);
  ASSERT_UNSUPPORTED("(a)(?-1)", "recursion", 3);
  ASSERT_UNSUPPORTED("(a)(?+1)(b)", "recursion", 3);
  ASSERT_UNSUPPORTED("(?<n>a)(?&n)", "recursion", 7);
  ASSERT_UNSUPPORTED("(?P<n>a)(?P>n)", "recursion", 8);
  ASSERT_UNSUPPORTED("(a)\\g<1>", "subroutine", 3);
  ASSERT_UNSUPPORTED("(a)?(?(1)a|b)", "conditionals", 4);
  ASSERT_UNSUPPORTED("a(?C1)b", "callouts", 1);
  ASSERT_UNSUPPORTED("(*ACCEPT)a", "(*...)", 0);
  ASSERT_UNSUPPORTED("(*UTF)a", "(*...)", 0);
  ASSERT_UNSUPPORTED("(?|(a)|(b))", "branch reset", 0);
  ASSERT_UNSUPPORTED("a(?#note)", "comments", 1);
  ASSERT_UNSUPPORTED("(?x)a b", "flag x", 2);
  ASSERT_UNSUPPORTED("(?'n'a)", "(?'", 0);
}

static void test_refuses_escapes_re2_does_not_know(void) {
  ASSERT_UNSUPPORTED("a\\C", "\\C", 1);
  ASSERT_UNSUPPORTED("\\Ga", "\\G", 0);
  ASSERT_UNSUPPORTED("a\\Kb", "\\K", 1);
  ASSERT_UNSUPPORTED("a\\Z", "\\Z", 1);
  ASSERT_UNSUPPORTED("a\\R", "\\R", 1);
  ASSERT_UNSUPPORTED("\\X", "\\X", 0);
  ASSERT_UNSUPPORTED("\\h", "\\h", 0);
  ASSERT_UNSUPPORTED("\\N", "\\N", 0);
  ASSERT_UNSUPPORTED("\\e", "\\e", 0);
  ASSERT_UNSUPPORTED("\\cA", "\\c", 0);
  ASSERT_UNSUPPORTED("\\o{101}", "\\o", 0);
  ASSERT_UNSUPPORTED("\\u0041", "\\u", 0);
  ASSERT_UNSUPPORTED("a\\E", "\\E without \\Q", 1);
  ASSERT_UNSUPPORTED("\\\xc3\xa9", "non-ASCII", 0);
  /* [\1]: not octal in RE2 (one digit), so an invalid escape there. */
  ASSERT_UNSUPPORTED("[\\1]", "invalid escape \\1 in a character class", 1);
  ASSERT_UNSUPPORTED("[a\\b]", "invalid escape \\b", 2);
}

static void test_invalid_patterns_are_parse_errors(void) {
  ASSERT_INVALID("(", 1);
  ASSERT_INVALID("a)", 1);
  ASSERT_INVALID("[a", 0);
  ASSERT_INVALID("*a", 0);
  ASSERT_INVALID("a\\", 1);
  ASSERT_INVALID("\\x{110000}", 0);
  ASSERT_INVALID("\\xZ1", 0);
  ASSERT_INVALID("\\p{NoSuchScript}", 16); /* PCRE2 points after it */
  ASSERT_INVALID("[[:nope:]]", 1);
  ASSERT_INVALID("(?)", 0);
  ASSERT_INVALID("(?i-)", 0);
  ASSERT_INVALID("(?-:a)", 0);
  ASSERT_INVALID("(?P<>a)", 0);
  ASSERT_INVALID("a{3,2}", 1);
  /* Invalid UTF-8 in the pattern. */
  vx_regex *re = NULL;
  CU_ASSERT_EQUAL(vx_regex_compile("\xff", 1, false, &re, NULL, 0), VX_EPARSE);
  CU_ASSERT_PTR_NULL(re);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_catastrophic_pattern_returns_within_the_match_limit(void) {
  const char *subject = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
  double t0 = now_s();
  CU_ASSERT_EQUAL(search("(a+)+$", subject), 0);
  CU_ASSERT_EQUAL(search("(x+x+)+y", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
                  0);
  double spent = now_s() - t0;
  CU_ASSERT(spent < 2.0);
  CU_ASSERT_EQUAL(search("(a+)+$", "aaaa"), 1);
}

static void test_long_subjects_get_a_growing_jit_stack(void) {
  size_t n = 50000; /* PCRE2's default 32 KiB stack fails at ~3000 */
  char *s = malloc(n + 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  for (size_t i = 0; i < n; i++)
    s[i] = "ab"[i % 2];
  s[n] = 'c';
  s[n + 1] = '\0';
  CU_ASSERT_EQUAL(search_n("^(?:a|b)*c$", false, s, n + 1), 1);
  CU_ASSERT_EQUAL(search_n("^(a|b)*$", false, s, n), 1);
  free(s);
}

static void test_invalid_utf8_subject_does_not_match(void) {
  CU_ASSERT_EQUAL(search("a", "a\xff"), 0);
  CU_ASSERT_EQUAL(search("a", "a\xc3\xa9"), 1);
}

static void test_free_accepts_null(void) {
  vx_regex_free(NULL);
  CU_ASSERT_EQUAL(vx_regex_search(NULL, "a", 1), 0);
}

/* ------------------------------------------------------- threads */

#define THREADS 4
#define ROUNDS 100000

typedef struct worker {
  const vx_regex *re;
  long wrong;
} worker;

static void *search_many(void *arg) {
  worker *w = arg;
  static const char *const yes[] = {"user-42@example.com", "ADMIN@example.com"};
  static const char *const no[] = {"user@example.org", "example.com@x"};
  for (int i = 0; i < ROUNDS; i++) {
    const char *y = yes[i & 1], *n = no[i & 1];
    if (vx_regex_search(w->re, y, strlen(y)) != 1)
      w->wrong++;
    if (vx_regex_search(w->re, n, strlen(n)) != 0)
      w->wrong++;
  }
  return NULL;
}

static void test_one_compiled_regex_searched_from_many_threads(void) {
  vx_regex *re = NULL;
  const char *p = "^[a-z0-9-]+@example\\.com$";
  CU_ASSERT_EQUAL_FATAL(vx_regex_compile(p, strlen(p), true, &re, NULL, 0), 0);
  pthread_t th[THREADS];
  worker w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (worker){re, 0};
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, search_many, &w[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(w[i].wrong, 0);
  }
  vx_regex_free(re);
}

static vx_regex *compiled(const char *p, bool ci) {
  vx_regex *re = NULL;
  char err[128];
  CU_ASSERT_EQUAL_FATAL(
      vx_regex_compile(p, strlen(p), ci, &re, err, sizeof err), 0);
  return re;
}

static void test_equal_patterns_share_one_program_until_the_last_free(void) {
  vx_regex *a = compiled("^v[0-9]+$", false);
  vx_regex *b = compiled("^v[0-9]+$", false);
  vx_regex *other_case = compiled("^v[0-9]+$", true);
  vx_regex *other = compiled("^w[0-9]+$", false);
  CU_ASSERT_PTR_EQUAL(a, b);
  CU_ASSERT_PTR_NOT_EQUAL(a, other_case);
  CU_ASSERT_PTR_NOT_EQUAL(a, other);
  vx_regex_free(a);
  /* b still holds its reference: the program is still there. */
  CU_ASSERT_EQUAL(vx_regex_search(b, "v12", 3), 1);
  CU_ASSERT_EQUAL(vx_regex_search(b, "V12", 3), 0);
  CU_ASSERT_EQUAL(vx_regex_search(other_case, "V12", 3), 1);
  vx_regex_free(b);
  vx_regex *again = compiled("^v[0-9]+$", false);
  CU_ASSERT_EQUAL(vx_regex_search(again, "v7", 2), 1);
  vx_regex_free(again);
  vx_regex_free(other_case);
  vx_regex_free(other);
}

static void test_many_distinct_patterns_stay_distinct(void) {
  enum { N = 300 };
  vx_regex *res[N];
  char p[32], subject[32];
  for (int i = 0; i < N; i++) {
    snprintf(p, sizeof p, "^id-%d$", i);
    res[i] = compiled(p, false);
  }
  for (int i = 0; i < N; i++) {
    snprintf(subject, sizeof subject, "id-%d", i);
    CU_ASSERT_EQUAL(vx_regex_search(res[i], subject, strlen(subject)), 1);
    snprintf(subject, sizeof subject, "id-%d", i + 1);
    CU_ASSERT_EQUAL(vx_regex_search(res[i], subject, strlen(subject)), 0);
  }
  for (int i = 0; i < N; i++)
    vx_regex_free(res[i]);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_search_is_unanchored),
      VX_TEST(test_dollar_matches_only_at_the_very_end),
      VX_TEST(test_dot_is_one_character_and_stops_at_newline),
      VX_TEST(test_case_insensitive_uses_unicode_folding),
      VX_TEST(test_perl_classes_are_ascii_as_in_re2),
      VX_TEST(test_backslash_s_is_re2_white_space_without_vertical_tab),
      VX_TEST(test_character_escapes),
      VX_TEST(test_braces_that_are_not_repetitions_are_literal),
      VX_TEST(test_classes_and_groups),
      VX_TEST(test_refuses_backreferences),
      VX_TEST(test_refuses_lookaround_and_atomic_groups),
      VX_TEST(test_refuses_possessive_and_stacked_quantifiers),
      VX_TEST(test_refuses_recursion_conditionals_and_verbs),
      VX_TEST(test_refuses_escapes_re2_does_not_know),
      VX_TEST(test_invalid_patterns_are_parse_errors),
      VX_TEST(test_catastrophic_pattern_returns_within_the_match_limit),
      VX_TEST(test_long_subjects_get_a_growing_jit_stack),
      VX_TEST(test_invalid_utf8_subject_does_not_match),
      VX_TEST(test_free_accepts_null),
      VX_TEST(test_one_compiled_regex_searched_from_many_threads),
      VX_TEST(test_equal_patterns_share_one_program_until_the_last_free),
      VX_TEST(test_many_distinct_patterns_stay_distinct),
      {NULL, NULL},
  };
  return vx_test_main("daemon/regex", tests, NULL, NULL);
}
