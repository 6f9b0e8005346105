/*
 * test_text.c - lower-casing UTF-8 text.
 *
 * Non-ASCII expectations hold where the C.UTF-8 locale exists (Debian's
 * libc ships it); without it vx_utf8_lower lowers ASCII only, and the
 * tests check that instead.
 */
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <vexil/sdk.h>

#include "vx_test.h"

static bool have_utf8_locale;

static int setup(void) {
  locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  have_utf8_locale = loc != (locale_t)0;
  if (loc != (locale_t)0)
    freelocale(loc);
  return 0;
}

/* Asserts vx_utf8_lower(in) == want (want_fallback without the locale). */
static void check(const char *in, const char *want, const char *want_fallback) {
  char out[64];
  const char *w = have_utf8_locale ? want : want_fallback;
  memset(out, '#', sizeof out);
  size_t n = vx_utf8_lower(in, strlen(in), out, sizeof out);
  CU_ASSERT_EQUAL(n, strlen(w));
  CU_ASSERT(n <= sizeof out && memcmp(out, w, n) == 0);
  if (n < sizeof out)
    CU_ASSERT_EQUAL(out[n], '#'); /* no NUL or other byte past the result */
}

static void test_ascii_letters_are_lowered_and_the_rest_kept(void) {
  check("Hello, WORLD! 0-9 @[`{", "hello, world! 0-9 @[`{",
        "hello, world! 0-9 @[`{");
  check("", "", "");
}

static void test_latin_greek_and_cyrillic_are_lowered(void) {
  check("\xc3\x84\xc3\x96\xc3\x9c\xc3\x80\xc3\x89",  /* ÄÖÜÀÉ */
        "\xc3\xa4\xc3\xb6\xc3\xbc\xc3\xa0\xc3\xa9",  /* äöüàé */
        "\xc3\x84\xc3\x96\xc3\x9c\xc3\x80\xc3\x89"); /* unchanged */
  check("\xce\x91\xce\x92\xce\x93",                  /* ΑΒΓ */
        "\xce\xb1\xce\xb2\xce\xb3",                  /* αβγ */
        "\xce\x91\xce\x92\xce\x93");
  check("\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2", /* ПРИВЕТ */
        "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", /* привет */
        "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2");
  check("\xe1\xba\x9e", "\xc3\x9f", "\xe1\xba\x9e"); /* ẞ -> ß */
}

static void test_lowering_may_change_the_length(void) {
  /* U+023A (2 bytes) -> U+2C65 (3 bytes); KELVIN SIGN (3) -> 'k' (1) */
  check("\xc8\xba", "\xe2\xb1\xa5", "\xc8\xba");
  check("\xe2\x84\xaa", "k", "\xe2\x84\xaa");
}

static void test_characters_beyond_the_bmp_are_lowered(void) {
  check("\xf0\x90\x90\x80", "\xf0\x90\x90\xa8", /* DESERET 𐐀 -> 𐐨 */
        "\xf0\x90\x90\x80");
  check("\xf0\x9f\x98\x8a", "\xf0\x9f\x98\x8a", "\xf0\x9f\x98\x8a"); /* 😊 */
}

static void test_simple_mapping_is_used_where_javascript_uses_full(void) {
  /* JavaScript gives "i\u0307" for U+0130 and a final sigma at the end of
   * a word; the simple mapping gives "i" and "σ" (documented). */
  check("\xc4\xb0", "i", "\xc4\xb0");
  check("\xce\xa3\xce\x91\xce\xa3", "\xcf\x83\xce\xb1\xcf\x83",
        "\xce\xa3\xce\x91\xce\xa3");
}

static void test_invalid_utf8_bytes_are_copied_unchanged(void) {
  static const char *cases[] = {
      "A\xff"
      "B",     /* never valid */
      "A\xc3", /* truncated at the end */
      "A\xc3"
      "B", /* lead byte without continuation */
      "A\x80"
      "B", /* lone continuation */
      "A\xc0\xaf"
      "B", /* overlong '/' */
      "A\xe0\x80\xaf"
      "B", /* overlong, 3 bytes */
      "A\xed\xa0\x80"
      "B", /* surrogate U+D800 */
      "A\xf4\x90\x80\x80"
      "B", /* beyond U+10FFFF */
      "A\xf8\x88\x80\x80\x80"
      "B",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char want[16];
    size_t n = strlen(cases[i]);
    memcpy(want, cases[i], n + 1);
    want[0] = 'a';
    if (want[n - 1] == 'B')
      want[n - 1] = 'b';
    check(cases[i], want, want);
  }
  /* a valid character right after an invalid byte is still lowered */
  check("\xff\xc3\x84", "\xff\xc3\xa4", "\xff\xc3\x84");
}

static void test_the_needed_length_is_returned_when_cap_is_small(void) {
  const char *in = "AB\xc8\xba"; /* "ab" + 3 bytes when lowered */
  size_t want = have_utf8_locale ? 5 : 4;
  char out[8];
  CU_ASSERT_EQUAL(vx_utf8_lower(in, strlen(in), NULL, 0), want);
  memset(out, '#', sizeof out);
  CU_ASSERT_EQUAL(vx_utf8_lower(in, strlen(in), out, 3), want);
  CU_ASSERT_EQUAL(memcmp(out, "ab", 2), 0);
  CU_ASSERT_EQUAL((unsigned char)out[2], have_utf8_locale ? 0xe2 : 0xc8);
  CU_ASSERT_EQUAL(out[3], '#'); /* nothing past cap */
  CU_ASSERT_EQUAL(vx_utf8_lower(in, strlen(in), out, 1), want);
  CU_ASSERT_EQUAL(out[0], 'a');
  CU_ASSERT_EQUAL(out[1], 'b'); /* from the call before: untouched */
}

static void test_only_len_bytes_are_read(void) {
  char out[8];
  CU_ASSERT_EQUAL(vx_utf8_lower("ABCD", 2, out, sizeof out), 2u);
  CU_ASSERT_EQUAL(memcmp(out, "ab", 2), 0);
  /* a character cut by len is invalid, so copied as it is */
  CU_ASSERT_EQUAL(vx_utf8_lower("\xc3\x84", 1, out, sizeof out), 1u);
  CU_ASSERT_EQUAL((unsigned char)out[0], 0xc3);
  CU_ASSERT_EQUAL(vx_utf8_lower(NULL, 0, out, sizeof out), 0u);
}

static void *lower_many(void *arg) {
  char out[32];
  int *ok = arg;
  *ok = 1;
  for (int i = 0; i < 2000; i++) {
    size_t n = vx_utf8_lower("\xc3\x84Z", 3, out, sizeof out);
    if (n != 3 || out[2] != 'z')
      *ok = 0;
    if (have_utf8_locale && (unsigned char)out[1] != 0xa4)
      *ok = 0;
  }
  return NULL;
}

/* Runs first, so that the threads race for the one-time locale set-up. */
static void test_concurrent_first_use_is_safe(void) {
  pthread_t threads[8];
  int ok[8];
  for (int i = 0; i < 8; i++)
    CU_ASSERT_EQUAL_FATAL(pthread_create(&threads[i], NULL, lower_many, &ok[i]),
                          0);
  for (int i = 0; i < 8; i++) {
    pthread_join(threads[i], NULL);
    CU_ASSERT_EQUAL(ok[i], 1);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_concurrent_first_use_is_safe),
      VX_TEST(test_ascii_letters_are_lowered_and_the_rest_kept),
      VX_TEST(test_latin_greek_and_cyrillic_are_lowered),
      VX_TEST(test_lowering_may_change_the_length),
      VX_TEST(test_characters_beyond_the_bmp_are_lowered),
      VX_TEST(test_simple_mapping_is_used_where_javascript_uses_full),
      VX_TEST(test_invalid_utf8_bytes_are_copied_unchanged),
      VX_TEST(test_the_needed_length_is_returned_when_cap_is_small),
      VX_TEST(test_only_len_bytes_are_read),
      {NULL, NULL},
  };
  return vx_test_main("sdk/text", tests, setup, NULL);
}
