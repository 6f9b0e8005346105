/*
 * test_strset.c - immutable string sets from comma-separated lists and
 * arrays.
 */
#include <string.h>
#include <vexil/sdk.h>

#include "vx_test.h"

static int has(const vx_strset *set, const char *s) {
  return vx_strset_contains(set, s, strlen(s));
}

/* Asserts that the items of set are exactly want[0..n), in that order. */
static void assert_items(const vx_strset *set, const char *const *want,
                         size_t n) {
  CU_ASSERT_EQUAL_FATAL(vx_strset_count(set), n);
  for (size_t i = 0; i < n; i++) {
    size_t len = 0;
    const char *item = vx_strset_item(set, i, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(item);
    CU_ASSERT_STRING_EQUAL(item, want[i]);
    CU_ASSERT_EQUAL(len, strlen(want[i]));
  }
}

static void test_csv_items_are_split_on_commas_and_trimmed(void) {
  vx_strset *set = NULL;
  static const char *want[] = {"a", "b c", "d"};
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv(" a ,b c,\td\n", &set), 0);
  assert_items(set, want, 3);
  CU_ASSERT(has(set, "b c"));
  CU_ASSERT(!has(set, " a "));
  vx_strset_free(set);
}

static void test_csv_is_split_like_unleash_split_regex(void) {
  /* JavaScript: " a , b,,c ,\u00a0d\u00a0, a ,, ".split(/\s*,\s*\/) gives
   * [" a","b","","c","d","a","",""]; trimmed, empties dropped and
   * duplicates removed that is a, b, c, d. */
  vx_strset *set = NULL;
  static const char *want[] = {"a", "b", "c", "d"};
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv(" a , b,,c ,\xc2\xa0"
                                           "d\xc2\xa0, a ,, ",
                                           &set),
                        0);
  assert_items(set, want, 4);
  vx_strset_free(set);
}

static void test_csv_duplicates_keep_their_first_position(void) {
  vx_strset *set = NULL;
  static const char *want[] = {"b", "a", "c"};
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv("b,a,b,c,a, b", &set), 0);
  assert_items(set, want, 3);
  vx_strset_free(set);
}

static void test_csv_without_items_gives_an_empty_set(void) {
  static const char *cases[] = {"", ",", " , ,,", "\t"};
  for (size_t i = 0; i < 4; i++) {
    vx_strset *set = NULL;
    CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv(cases[i], &set), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    CU_ASSERT_EQUAL(vx_strset_count(set), 0u);
    CU_ASSERT(!has(set, ""));
    CU_ASSERT(!has(set, "a"));
    vx_strset_free(set);
  }
}

static void test_contains_is_exact_and_case_sensitive(void) {
  vx_strset *set = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv("user-1,User-2", &set), 0);
  CU_ASSERT(has(set, "user-1"));
  CU_ASSERT(has(set, "User-2"));
  CU_ASSERT(!has(set, "user-2"));
  CU_ASSERT(!has(set, "user-"));
  CU_ASSERT(!has(set, "user-12"));
  CU_ASSERT(!has(set, ""));
  /* only len bytes count */
  CU_ASSERT_EQUAL(vx_strset_contains(set, "user-1x", 6), 1);
  CU_ASSERT_EQUAL(vx_strset_contains(set, "user-1", 5), 0);
  vx_strset_free(set);
}

static void test_large_set_finds_every_member_and_no_other(void) {
  enum { N = 5000 };
  static char csv[N * 12];
  size_t o = 0;
  for (int i = 0; i < N; i++)
    o += (size_t)snprintf(csv + o, sizeof csv - o, "%sid%d", i ? "," : "",
                          i * 3);
  vx_strset *set = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv(csv, &set), 0);
  CU_ASSERT_EQUAL(vx_strset_count(set), (size_t)N);
  int found = 0, false_hits = 0;
  for (int i = 0; i < 3 * N; i++) {
    char id[16];
    snprintf(id, sizeof id, "id%d", i);
    int in = has(set, id);
    if (i % 3 == 0)
      found += in;
    else
      false_hits += in;
  }
  CU_ASSERT_EQUAL(found, N);
  CU_ASSERT_EQUAL(false_hits, 0);
  CU_ASSERT_STRING_EQUAL(vx_strset_item(set, N - 1, NULL), "id14997");
  vx_strset_free(set);
}

static void test_array_items_are_kept_verbatim(void) {
  static const char *items[] = {" a ", "", "b", " a ", "b"};
  static const char *want[] = {" a ", "", "b"};
  vx_strset *set = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_array(items, NULL, 5, &set), 0);
  assert_items(set, want, 3);
  CU_ASSERT(has(set, ""));
  CU_ASSERT(has(set, " a "));
  CU_ASSERT(!has(set, "a"));
  vx_strset_free(set);
}

static void test_array_items_use_the_given_lengths(void) {
  static const char *items[] = {"abc", "a\0b", "xyz"};
  static const size_t lens[] = {2, 3, 0};
  vx_strset *set = NULL;
  size_t len;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_array(items, lens, 3, &set), 0);
  CU_ASSERT_EQUAL(vx_strset_count(set), 3u);
  CU_ASSERT(vx_strset_contains(set, "ab", 2));
  CU_ASSERT(!vx_strset_contains(set, "abc", 3));
  CU_ASSERT(vx_strset_contains(set, "a\0b", 3));
  CU_ASSERT(!vx_strset_contains(set, "a", 1));
  CU_ASSERT(vx_strset_contains(set, NULL, 0)); /* the empty item */
  const char *item = vx_strset_item(set, 0, &len);
  CU_ASSERT_EQUAL(len, 2u);
  CU_ASSERT_STRING_EQUAL(item, "ab"); /* NUL-terminated copy */
  vx_strset_free(set);
}

static void test_empty_array_gives_an_empty_set(void) {
  vx_strset *set = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_array(NULL, NULL, 0, &set), 0);
  CU_ASSERT_EQUAL(vx_strset_count(set), 0u);
  CU_ASSERT(!has(set, ""));
  vx_strset_free(set);
}

static void test_items_are_copies_owned_by_the_set(void) {
  char csv[] = "alpha,beta";
  char item[] = "gamma";
  const char *items[] = {item};
  vx_strset *a = NULL, *b = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv(csv, &a), 0);
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_array(items, NULL, 1, &b), 0);
  memset(csv, 'x', sizeof csv - 1);
  memset(item, 'x', sizeof item - 1);
  CU_ASSERT(has(a, "alpha") && has(a, "beta"));
  CU_ASSERT(has(b, "gamma"));
  vx_strset_free(a);
  vx_strset_free(b);
}

static void test_item_out_of_range_is_null(void) {
  vx_strset *set = NULL;
  size_t len = 99;
  CU_ASSERT_EQUAL_FATAL(vx_strset_from_csv("a", &set), 0);
  CU_ASSERT_PTR_NULL(vx_strset_item(set, 1, &len));
  CU_ASSERT_EQUAL(len, 0u);
  CU_ASSERT_PTR_NULL(vx_strset_item(NULL, 0, NULL));
  vx_strset_free(set);
}

static void test_null_arguments_are_rejected(void) {
  vx_strset *set = (vx_strset *)&set;
  static const char *with_null[] = {"a", NULL};
  CU_ASSERT_EQUAL(vx_strset_from_csv(NULL, &set), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_strset_from_csv("a", NULL), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_strset_from_array(NULL, NULL, 1, &set), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_strset_from_array(with_null, NULL, 2, &set), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_strset_from_array(with_null, NULL, 1, NULL), VX_EINVAL);
  CU_ASSERT_PTR_EQUAL(set, (vx_strset *)&set); /* untouched on error */
  /* a missing set is empty, and freeing NULL does nothing */
  CU_ASSERT_EQUAL(vx_strset_count(NULL), 0u);
  CU_ASSERT_EQUAL(vx_strset_contains(NULL, "a", 1), 0);
  vx_strset_free(NULL);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_csv_items_are_split_on_commas_and_trimmed),
      VX_TEST(test_csv_is_split_like_unleash_split_regex),
      VX_TEST(test_csv_duplicates_keep_their_first_position),
      VX_TEST(test_csv_without_items_gives_an_empty_set),
      VX_TEST(test_contains_is_exact_and_case_sensitive),
      VX_TEST(test_large_set_finds_every_member_and_no_other),
      VX_TEST(test_array_items_are_kept_verbatim),
      VX_TEST(test_array_items_use_the_given_lengths),
      VX_TEST(test_empty_array_gives_an_empty_set),
      VX_TEST(test_items_are_copies_owned_by_the_set),
      VX_TEST(test_item_out_of_range_is_null),
      VX_TEST(test_null_arguments_are_rejected),
      {NULL, NULL},
  };
  return vx_test_main("sdk/strset", tests, NULL, NULL);
}
