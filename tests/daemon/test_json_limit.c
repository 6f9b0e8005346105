/* test_json_limit.c - the bounded JSON reader and the non-recursive writer
 * (daemon/json_limit.c). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_limit.h"
#include "vx_test.h"

/* n arrays nested: "[[...]]" (malloc'ed). */
static char *nested(size_t n) {
  char *s = malloc(2 * n + 1);
  memset(s, '[', n);
  memset(s + n, ']', n);
  s[2 * n] = '\0';
  return s;
}

static void test_depth_counts_arrays_and_objects(void) {
  CU_ASSERT_TRUE(vx_json_depth_ok("1", 1, 0, NULL));
  CU_ASSERT_FALSE(vx_json_depth_ok("[]", 2, 0, NULL));
  CU_ASSERT_TRUE(vx_json_depth_ok("[]", 2, 1, NULL));
  const char *mixed = "{\"a\": [{\"b\": 1}], \"c\": {}}";
  CU_ASSERT_TRUE(vx_json_depth_ok(mixed, strlen(mixed), 3, NULL));
  size_t at = 0;
  CU_ASSERT_FALSE(vx_json_depth_ok(mixed, strlen(mixed), 2, &at));
  CU_ASSERT_EQUAL(at, 7); /* the '{' inside the array */
}

static void test_brackets_inside_strings_do_not_count(void) {
  const char *s = "{\"k\": \"[[[[{{{{\\\"[[[[\", \"e\": \"\\\\\"}";
  CU_ASSERT_TRUE(vx_json_depth_ok(s, strlen(s), 1, NULL));
  /* An escaped backslash ends before the quote, which closes the string:
   * the brackets after it count. */
  const char *t = "[\"\\\\\", [[]]]";
  CU_ASSERT_FALSE(vx_json_depth_ok(t, strlen(t), 2, NULL));
  CU_ASSERT_TRUE(vx_json_depth_ok(t, strlen(t), 3, NULL));
}

static void test_load_refuses_one_level_past_the_setting(void) {
  vx_json_set_max_depth(20);
  CU_ASSERT_EQUAL(vx_json_max_depth(), 20);
  char *ok = nested(20), *deep = nested(21);
  json_error_t e;
  json_t *j = vx_json_parse_str(ok, 0, &e);
  CU_ASSERT_PTR_NOT_NULL(j);
  json_decref(j);
  CU_ASSERT_PTR_NULL(vx_json_parse_str(deep, 0, &e));
  CU_ASSERT_TRUE(vx_json_too_deep(&e));
  CU_ASSERT_EQUAL(e.line, 1);
  CU_ASSERT_EQUAL(e.column, 21);
  CU_ASSERT_EQUAL(e.position, 21);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "deeper than 20 levels"));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "max_json_depth"));
  free(ok);
  free(deep);
  vx_json_set_max_depth(VX_JSON_DEPTH_DEFAULT);
}

static void test_error_position_counts_lines_and_characters(void) {
  vx_json_set_max_depth(VX_JSON_DEPTH_MIN);
  char text[256] = "{\n  \"\xc3\xa9\": ";
  size_t o = strlen(text);
  for (int i = 0; i < VX_JSON_DEPTH_MIN; i++)
    text[o++] = '[';
  text[o] = '\0';
  json_error_t e;
  CU_ASSERT_PTR_NULL(vx_json_parse_str(text, 0, &e));
  CU_ASSERT_TRUE(vx_json_too_deep(&e));
  CU_ASSERT_EQUAL(e.line, 2);
  CU_ASSERT_EQUAL(e.column, 7 + VX_JSON_DEPTH_MIN); /* é is one column */
  vx_json_set_max_depth(VX_JSON_DEPTH_DEFAULT);
}

static void test_setting_is_clamped_to_what_is_safe(void) {
  vx_json_set_max_depth(100000);
  CU_ASSERT_EQUAL(vx_json_max_depth(), VX_JSON_DEPTH_MAX);
  vx_json_set_max_depth(1);
  CU_ASSERT_EQUAL(vx_json_max_depth(), VX_JSON_DEPTH_MIN);
  vx_json_set_max_depth(VX_JSON_DEPTH_DEFAULT);
  CU_ASSERT_EQUAL(vx_json_max_depth(), 64);
}

static void test_other_errors_are_jansson_s(void) {
  json_error_t e;
  CU_ASSERT_PTR_NULL(vx_json_parse_str("{\"a\": }", 0, &e));
  CU_ASSERT_FALSE(vx_json_too_deep(&e));
  CU_ASSERT_EQUAL(e.column, 7);
  CU_ASSERT_PTR_NULL(
      vx_json_parse_str("{\"a\": 1, \"a\": 2}", JSON_REJECT_DUPLICATES, &e));
  CU_ASSERT_FALSE(vx_json_too_deep(&e));
  json_t *j = vx_json_parse("[1] trailing", 3, 0, &e);
  CU_ASSERT_TRUE(json_is_array(j));
  json_decref(j);
}

static void test_stored_text_is_read_up_to_the_hard_maximum(void) {
  vx_json_set_max_depth(VX_JSON_DEPTH_MIN);
  char *max = nested(VX_JSON_DEPTH_MAX), *over = nested(VX_JSON_DEPTH_MAX + 1);
  json_error_t e;
  CU_ASSERT_PTR_NULL(vx_json_parse_str(max, 0, &e));
  json_t *j = vx_json_parse_stored(max, strlen(max), 0, &e);
  CU_ASSERT_PTR_NOT_NULL(j);
  json_decref(j);
  CU_ASSERT_PTR_NULL(vx_json_parse_stored(over, strlen(over), 0, &e));
  CU_ASSERT_TRUE(vx_json_too_deep(&e));
  free(max);
  free(over);
  vx_json_set_max_depth(VX_JSON_DEPTH_DEFAULT);
}

static void test_files_are_bounded_too(void) {
  json_error_t e;
  CU_ASSERT_PTR_NULL(vx_json_parse_file("/nonexistent/state.json", 0, &e));
  CU_ASSERT_EQUAL(json_error_code(&e), json_error_cannot_open_file);
  char path[] = "/tmp/vx-json-limit-XXXXXX";
  int fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  char *deep = nested(VX_JSON_DEPTH_DEFAULT + 1);
  CU_ASSERT(write(fd, deep, strlen(deep)) == (ssize_t)strlen(deep));
  close(fd);
  CU_ASSERT_PTR_NULL(vx_json_parse_file(path, 0, &e));
  CU_ASSERT_TRUE(vx_json_too_deep(&e));
  FILE *f = fopen(path, "w");
  fputs("{\"features\": []}", f);
  fclose(f);
  json_t *j = vx_json_parse_file(path, JSON_REJECT_DUPLICATES, &e);
  CU_ASSERT_TRUE(json_is_array(json_object_get(j, "features")));
  json_decref(j);
  unlink(path);
  free(deep);
}

/* ---- running on a small stack, as civetweb's workers do */

typedef struct small_job {
  void (*fn)(void *);
  void *arg;
} small_job;

static void *small_main(void *arg) {
  small_job *job = arg;
  job->fn(job->arg);
  return NULL;
}

/* Runs fn(arg) on a thread with a 64 KiB stack (a crash ends the test). */
static void on_small_stack(void (*fn)(void *), void *arg) {
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 64 * 1024);
  pthread_t t;
  small_job job = {fn, arg};
  CU_ASSERT_FATAL(pthread_create(&t, &a, small_main, &job) == 0);
  pthread_join(t, NULL);
  pthread_attr_destroy(&a);
}

typedef struct load_job {
  const char *text;
  json_t *result;
  json_error_t err;
} load_job;

static void load_it(void *arg) {
  load_job *j = arg;
  j->result = vx_json_parse_str(j->text, 0, &j->err);
}

static void test_a_very_deep_body_is_refused_without_recursing(void) {
  char *deep = nested(100000);
  load_job job = {deep, NULL, {0}};
  on_small_stack(load_it, &job);
  CU_ASSERT_PTR_NULL(job.result);
  CU_ASSERT_TRUE(vx_json_too_deep(&job.err));
  free(deep);
}

typedef struct dump_job {
  const json_t *v;
  char *text;
  size_t len;
} dump_job;

static void dump_it(void *arg) {
  dump_job *j = arg;
  j->text = vx_json_dump_compact(j->v, &j->len);
}

static void test_dump_writes_any_depth_without_recursing(void) {
  /* 5,000 levels, jansson's writer would need about 1.6 MB of stack. */
  enum { N = 5000 };
  json_t *root = json_array(), *at = root;
  for (int i = 1; i < N; i++) {
    json_t *next = i % 2 ? json_object() : json_array();
    if (json_is_array(at))
      json_array_append_new(at, next);
    else
      json_object_set_new(at, "k", next);
    at = next;
  }
  dump_job job = {root, NULL, 0};
  on_small_stack(dump_it, &job);
  CU_ASSERT_PTR_NOT_NULL_FATAL(job.text);
  CU_ASSERT_EQUAL(job.len, strlen(job.text));
  CU_ASSERT_EQUAL(strncmp(job.text, "[{\"k\":[{\"k\":[", 13), 0);
  /* Its own reader accepts it back once the limit allows. */
  CU_ASSERT_FALSE(vx_json_depth_ok(job.text, job.len, N - 1, NULL));
  CU_ASSERT_TRUE(vx_json_depth_ok(job.text, job.len, N, NULL));
  free(job.text);
  /* json_decref recurses too: on this thread's large stack. */
  json_decref(root);
}

static void test_dump_writes_what_jansson_writes(void) {
  static const char *const docs[] = {
      "null",
      "true",
      "false",
      "0",
      "-17",
      "9007199254740993",
      "0.1",
      "1e300",
      "-2.5e-7",
      "\"\"",
      "\"plain\"",
      "\"nul \\u0000 inside\"",
      "\"quote \\\" backslash \\\\ slash / nl \\n cr \\r tab \\t\"",
      "\"\\b\\f\\u0001\\u001f\\u007f \\u00e9 \\u2028 \\ud83d\\ude00\"",
      "[]",
      "{}",
      "[[], {}, [[]], {\"\": {}}]",
      "{\"b\": 1, \"a\": [true, null, \"x\"], \"\\n\\u0001k\": {\"z\": 0.5}}",
      "[1, [2, [3, [4, {\"five\": [5, {\"six\": 6}]}]]], 7]",
  };
  for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
    json_error_t e;
    json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = vx_json_dump_compact(v, &len);
    if (want == NULL || got == NULL || strcmp(want, got) != 0) {
      fprintf(stderr, "\n%s: want %s, got %s\n", docs[i],
              want ? want : "(null)", got ? got : "(null)");
      CU_FAIL("vx_json_dump_compact differs from json_dumps");
    } else {
      CU_ASSERT_EQUAL(len, strlen(want));
    }
    free(want);
    free(got);
    json_decref(v);
  }
  CU_ASSERT_PTR_NULL(vx_json_dump_compact(NULL, NULL));
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_depth_counts_arrays_and_objects),
      VX_TEST(test_brackets_inside_strings_do_not_count),
      VX_TEST(test_load_refuses_one_level_past_the_setting),
      VX_TEST(test_error_position_counts_lines_and_characters),
      VX_TEST(test_setting_is_clamped_to_what_is_safe),
      VX_TEST(test_other_errors_are_jansson_s),
      VX_TEST(test_stored_text_is_read_up_to_the_hard_maximum),
      VX_TEST(test_files_are_bounded_too),
      VX_TEST(test_a_very_deep_body_is_refused_without_recursing),
      VX_TEST(test_dump_writes_any_depth_without_recursing),
      VX_TEST(test_dump_writes_what_jansson_writes),
      {NULL, NULL},
  };
  return vx_test_main("json_limit", tests, NULL, NULL);
}
