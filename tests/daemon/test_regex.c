/*
 * test_regex.c - REGEX constraints speak RE2 (libre2 through re2_shim.cc):
 * an unanchored UTF-8 search, linear in the subject, that refuses what
 * RE2 refuses with a message saying why, and shares equal patterns.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

#include "re2_shim.h"
#include "regex.h"
#include "vx_test.h"
#ifdef VX_COUNT_ALLOC
#include "count_alloc.h"
#endif

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

/* Asserts that pattern is refused with code, *out left NULL, and a
 * message that starts with "REGEX: " and contains `what`. */
static void assert_refused_as(const char *pattern, int code, const char *what,
                              int line) {
  vx_regex *re = (vx_regex *)&re; /* must be reset to NULL */
  char err[256] = "";
  int rc =
      vx_regex_compile(pattern, strlen(pattern), false, &re, err, sizeof err);
  bool ok = rc == code && re == NULL && strncmp(err, "REGEX: ", 7) == 0 &&
            strstr(err, what) != NULL;
  char msg[512];
  snprintf(msg, sizeof msg, "pattern /%s/: rc %d, err \"%s\" (want %d, %s)",
           pattern, rc, err, code, what);
  CU_assertImplementation(ok, (unsigned)line, msg, __FILE__, "", CU_FALSE);
}

#define ASSERT_UNSUPPORTED(pat, what)                                          \
  assert_refused_as(pat, VX_EUNSUPPORTED, what, __LINE__)
#define ASSERT_INVALID(pat, what)                                              \
  assert_refused_as(pat, VX_EPARSE, what, __LINE__)

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
  ASSERT_INVALID("[a-\\s]", "invalid escape sequence: \\s");
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
  CU_ASSERT_EQUAL(search("(?P<year>\\d{4})-(?P<m>\\d\\d)", "on 2024-05"), 1);
  CU_ASSERT_EQUAL(search("(?:ab)+$", "abab"), 1);
  CU_ASSERT_EQUAL(search("(?U)a+", "aaa"), 1);
  CU_ASSERT_EQUAL(search("a|b|", "zzz"), 1);
  CU_ASSERT_EQUAL(search("colou?r", "color"), 1);
  CU_ASSERT_EQUAL(search("a*?b", "aab"), 1);
}

static void test_refuses_backreferences(void) {
  ASSERT_UNSUPPORTED("(a)\\1",
                     "REGEX: backreferences are not supported (RE2 syntax): "
                     "\\1");
  ASSERT_UNSUPPORTED("abcd\\9", "backreferences");
  ASSERT_UNSUPPORTED("[\\1]", "backreferences"); /* not octal in RE2 */
  ASSERT_UNSUPPORTED("(?P<x>a)(?P=x)", "RE2 does not support: (?P");
  ASSERT_INVALID("(a)\\g1", "invalid escape sequence: \\g");
  ASSERT_INVALID("(a)\\k<x>", "invalid escape sequence: \\k");
}

static void test_refuses_lookaround_atomic_groups_and_recursion(void) {
  ASSERT_UNSUPPORTED("a(?=b)", "lookahead is not supported (RE2 syntax): (?=");
  ASSERT_UNSUPPORTED("a(?!b)", "lookahead");
  ASSERT_UNSUPPORTED("(?<=a)b", "lookbehind");
  ASSERT_UNSUPPORTED("(?<!a)b", "lookbehind");
  /* Debian 12's RE2 (2022-06) does not know (?<name>) yet: (?P<name>). */
  ASSERT_UNSUPPORTED("(?<m>a)", "(?P<name>)");
  ASSERT_UNSUPPORTED("x(?>a+)b", "atomic groups");
  ASSERT_UNSUPPORTED("(a|(?R))", "RE2 does not support: (?R");
  ASSERT_UNSUPPORTED("(a)(?1)", "RE2 does not support: (?1");
  ASSERT_UNSUPPORTED("(a)?(?(1)a|b)", "RE2 does not support: (?(");
  ASSERT_UNSUPPORTED("a(?C1)b", "RE2 does not support: (?C");
  ASSERT_UNSUPPORTED("(?|(a)|(b))", "RE2 does not support: (?|");
  ASSERT_UNSUPPORTED("a(?#note)", "RE2 does not support: (?#");
  ASSERT_UNSUPPORTED("(?x)a b", "RE2 does not support: (?x");
  ASSERT_INVALID("(*ACCEPT)a", "nothing to repeat: *");
}

static void test_refuses_possessive_stacked_and_huge_repetitions(void) {
  ASSERT_INVALID("a*+", "invalid repetition operator: *+");
  ASSERT_INVALID("xa++", "invalid repetition operator: ++");
  ASSERT_INVALID("a{2}+", "invalid repetition operator: {2}+");
  ASSERT_INVALID("a**", "invalid repetition operator: **");
  ASSERT_INVALID("a{1001}", "invalid repetition count");
  ASSERT_INVALID("a{1,1001}", "invalid repetition count");
  ASSERT_INVALID("a{3,2}", "invalid repetition count (");
  /* Nested counts multiply: at most 1000 in all. */
  ASSERT_INVALID("((a{100}){100})", "invalid repetition count");
  CU_ASSERT_EQUAL(search("^(a{10}){100}$", "a"), 0);
}

static void test_refuses_escapes_re2_does_not_know(void) {
  static const char *const escapes[] = {
      "\\Ga",    "a\\Kb", "a\\Z",   "a\\R",  "\\X",
      "\\h",     "\\N",   "\\e",    "\\cA",  "\\o{101}",
      "\\u0041", "a\\E",  "[a\\b]", "\\xZ1", "\\x{110000}"};
  for (size_t i = 0; i < sizeof escapes / sizeof *escapes; i++)
    ASSERT_INVALID(escapes[i], "invalid escape sequence: \\");
  ASSERT_INVALID("\\\xc3\xa9", "invalid escape sequence: \\\xc3\xa9");
  /* \C, one byte whatever the encoding, is RE2 syntax (not Go's). */
  CU_ASSERT_EQUAL(search("^a\\C$", "ab"), 1);
}

static void test_invalid_patterns_are_parse_errors(void) {
  ASSERT_INVALID("(", "missing closing parenthesis: (");
  ASSERT_INVALID("(ab", "missing closing parenthesis: (ab");
  ASSERT_INVALID("a)", "unexpected closing parenthesis");
  ASSERT_INVALID("[a", "missing closing ]: [a");
  ASSERT_INVALID("*a", "nothing to repeat: *");
  ASSERT_INVALID("a\\", "trailing backslash");
  ASSERT_INVALID("\\p{NoSuchScript}", "\\p{NoSuchScript}");
  ASSERT_INVALID("[[:nope:]]", "[:nope:]");
  ASSERT_INVALID("(?P<>a)", "invalid group name: (?P<>");
  ASSERT_UNSUPPORTED("(?i-)", "(?i-)");
  /* Invalid UTF-8 in the pattern. */
  vx_regex *re = NULL;
  char err[128];
  CU_ASSERT_EQUAL(vx_regex_compile("\xff", 1, false, &re, err, sizeof err),
                  VX_EPARSE);
  CU_ASSERT_PTR_NULL(re);
  CU_ASSERT_STRING_EQUAL(err, "REGEX: invalid UTF-8");
}

/* The quoted part of the pattern is cut at 40 bytes, never inside a
 * character: the message goes into JSON answers. */
static void test_a_quoted_pattern_is_cut_between_characters(void) {
  char p[64] = "[";
  for (int i = 0; i < 25; i++)
    strcat(p, "\xc3\xa9"); /* é: 2 bytes, so byte 40 is a continuation */
  char err[256];
  vx_regex *re = NULL;
  CU_ASSERT_EQUAL(vx_regex_compile(p, strlen(p), false, &re, err, sizeof err),
                  VX_EPARSE);
  const char *quoted = strstr(err, ": [");
  CU_ASSERT_PTR_NOT_NULL_FATAL(quoted);
  CU_ASSERT_EQUAL(strlen(quoted + 2), 39); /* '[' and 19 whole é */
  json_t *j = json_string(err);            /* NULL if not UTF-8 */
  CU_ASSERT_PTR_NOT_NULL(j);
  json_decref(j);
}

static void test_limits_pattern_length_and_program_memory(void) {
  char *p = malloc(VX_RE2_MAX_PATTERN + 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  memset(p, 'a', VX_RE2_MAX_PATTERN + 1);
  p[VX_RE2_MAX_PATTERN + 1] = '\0';
  vx_regex *re = NULL;
  char err[128];
  CU_ASSERT_EQUAL(
      vx_regex_compile(p, VX_RE2_MAX_PATTERN + 1, false, &re, err, sizeof err),
      VX_ETOOBIG);
  CU_ASSERT_PTR_NULL(re);
  CU_ASSERT_STRING_EQUAL(err, "REGEX: pattern longer than 4096 bytes");
  CU_ASSERT_EQUAL(
      vx_regex_compile(p, VX_RE2_MAX_PATTERN, false, &re, err, sizeof err), 0);
  CU_ASSERT_EQUAL(vx_regex_search(re, p, VX_RE2_MAX_PATTERN), 1);
  CU_ASSERT_EQUAL(vx_regex_search(re, p, VX_RE2_MAX_PATTERN - 1), 0);
  vx_regex_free(re);
  free(p);
  /* A short pattern whose program needs more than VX_RE2_MAX_MEM: every
   * letter of Unicode, 449 times. */
  re = NULL;
  CU_ASSERT_EQUAL(vx_regex_compile("\\pL{449}", 8, false, &re, err, sizeof err),
                  VX_ETOOBIG);
  CU_ASSERT_PTR_NULL(re);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "pattern too large"));
  CU_ASSERT_EQUAL(vx_regex_compile("\\pL{100}", 8, false, &re, err, sizeof err),
                  0); /* would not fit in RE2's 1 MiB */
  vx_regex_free(re);
}

/* A subject of n times c, then the string tail. */
static char *repeated(char c, size_t n, const char *tail) {
  char *s = malloc(n + strlen(tail) + 1);
  if (s == NULL)
    return NULL;
  memset(s, c, n);
  strcpy(s + n, tail);
  return s;
}

/* What a backtracking engine needs exponential time for: RE2 answers in
 * time linear in the subject, and always the true answer (PCRE2 with a
 * step limit answered "no match" for the first case). */
static void test_pathological_patterns_get_the_true_answer(void) {
  char *s = repeated('x', 30, "z");
  CU_ASSERT_EQUAL(search("(x+x+)+y|z", s), 1);
  CU_ASSERT_EQUAL(search("(x+x+)+y", s), 0);
  free(s);
  size_t n = 100000;
  s = repeated('x', n, "z");
  CU_ASSERT_EQUAL(search_n("(x+x+)+y|z", false, s, n + 1), 1);
  CU_ASSERT_EQUAL(search_n("(x+x+)+y", false, s, n + 1), 0);
  s[n] = 'y';
  CU_ASSERT_EQUAL(search_n("(x+x+)+y", false, s, n + 1), 1);
  free(s);
  s = repeated('a', n, "!");
  CU_ASSERT_EQUAL(search_n("(a+)+$", false, s, n + 1), 0);
  CU_ASSERT_EQUAL(search_n("(a+)+$", false, s, n), 1);
  CU_ASSERT_EQUAL(search_n("^(a|aa)*!$", false, s, n + 1), 1);
  CU_ASSERT_EQUAL(search_n("^(a|b)*$", false, s, n), 1);
  free(s);
}

/* RE2 searches bytes: an invalid byte is no character (so '.' does not
 * match it), but does not hide the text around it. (Contexts come from
 * JSON, which refuses invalid UTF-8, so this is only the library's.) */
static void test_invalid_utf8_in_a_subject_is_no_character(void) {
  CU_ASSERT_EQUAL(search("^.$", "\xff"), 0);
  CU_ASSERT_EQUAL(search("a", "a\xff"), 1);
  CU_ASSERT_EQUAL(search("a", "a\xc3\xa9"), 1);
}

#ifdef VX_COUNT_ALLOC
/* RE2 makes its DFA, and for a pattern anchored at the end compiles its
 * reverse program, on the first search: compile runs that search, so the
 * first request does not pay for it. */
static void test_compile_does_the_work_of_a_first_search(void) {
  vx_regex *re = NULL;
  const char *p = "@example\\.com$";
  CU_ASSERT_EQUAL_FATAL(vx_regex_compile(p, strlen(p), false, &re, NULL, 0), 0);
  size_t before = vx_alloc_count();
  CU_ASSERT_EQUAL(vx_regex_search(re, "", 0), 0);
  CU_ASSERT_EQUAL(vx_alloc_count() - before, 0);
  vx_regex_free(re);
}
#endif

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
      VX_TEST(test_refuses_lookaround_atomic_groups_and_recursion),
      VX_TEST(test_refuses_possessive_stacked_and_huge_repetitions),
      VX_TEST(test_refuses_escapes_re2_does_not_know),
      VX_TEST(test_invalid_patterns_are_parse_errors),
      VX_TEST(test_a_quoted_pattern_is_cut_between_characters),
      VX_TEST(test_limits_pattern_length_and_program_memory),
      VX_TEST(test_pathological_patterns_get_the_true_answer),
      VX_TEST(test_invalid_utf8_in_a_subject_is_no_character),
#ifdef VX_COUNT_ALLOC
      VX_TEST(test_compile_does_the_work_of_a_first_search),
#endif
      VX_TEST(test_free_accepts_null),
      VX_TEST(test_one_compiled_regex_searched_from_many_threads),
      VX_TEST(test_equal_patterns_share_one_program_until_the_last_free),
      VX_TEST(test_many_distinct_patterns_stay_distinct),
      {NULL, NULL},
  };
  return vx_test_main("daemon/regex", tests, NULL, NULL);
}
