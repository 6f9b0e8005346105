/*
 * The pre-load check (daemon/plugin_check.c): a plugin exercised in a
 * forked child, through the real dlopen path, with the fixtures of
 * tests/fixtures/plugins/faulty that segfault, abort, exit or hang in
 * their constructor, init, compile or evaluate. Each is refused with the
 * signal or exit status and the step (and the flag when there is one),
 * and this process survives them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_contexts.h"
#include "plugin_check.h"
#include "vx_test.h"

#define TIMEOUT_MS 1000

static char why[2048], name[128];

static const char *fixture(const char *dir_env, const char *file) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s.so", getenv(dir_env), file);
  return path;
}

static int check_faulty(const char *file, const vx_check_uses *uses) {
  int rc = vx_plugin_check(fixture("VX_FAULTY_FIXTURE_DIR", file), TIMEOUT_MS,
                           uses, name, sizeof name, why, sizeof why);
  if (rc == 0 || getenv("VX_VERBOSE") != NULL)
    fprintf(stderr, "%s: %d %s\n", file, rc, why);
  return rc;
}

static void assert_why(const char *part) {
  if (strstr(why, part) == NULL) {
    fprintf(stderr, "reason lacks \"%s\": %s\n", part, why);
    CU_FAIL("the reason lacks a part");
  }
}

/* Uses: one flag whose strategy has a parameter "boom" (the faulty
 * compile fixtures crash on it), in two environments, and a use of
 * another strategy, which the check leaves alone. */
static vx_check_uses boom;

static int suite_init(void) {
  json_t *quiet = json_pack("{s:s}", "level", "1");
  json_t *loud = json_pack("{s:s}", "boom", "yes");
  int rc =
      vx_check_uses_add(&boom, "other", "elsewhere", "production", 0, loud);
  if (rc == 0)
    rc = vx_check_uses_add(&boom, "fixtureReload", "calm", "production", 0,
                           quiet);
  if (rc == 0)
    rc =
        vx_check_uses_add(&boom, "fixtureReload", "boomer", "staging", 2, loud);
  json_decref(quiet);
  json_decref(loud);
  return rc;
}

static int suite_clean(void) {
  vx_check_uses_dispose(&boom);
  return 0;
}

static void test_good_plugin_passes_and_is_named(void) {
  CU_ASSERT_EQUAL(vx_plugin_check(fixture("VX_RELOAD_FIXTURE_DIR", "reload_v1"),
                                  TIMEOUT_MS, &boom, name, sizeof name, why,
                                  sizeof why),
                  0);
  CU_ASSERT_STRING_EQUAL(name, "fixtureReload");
  CU_ASSERT_STRING_EQUAL(why, "");
}

static void test_crash_in_a_constructor_is_refused_naming_the_signal(void) {
  CU_ASSERT_EQUAL(check_faulty("ctor_segv", NULL), VX_EPLUGIN);
  assert_why("killed by SIGSEGV");
  assert_why("dlopen (the module's constructors)");
  CU_ASSERT_STRING_EQUAL(name, ""); /* it never got that far */
  CU_ASSERT_EQUAL(check_faulty("ctor_abort", NULL), VX_EPLUGIN);
  assert_why("killed by SIGABRT");
  CU_ASSERT_EQUAL(check_faulty("ctor_exit", NULL), VX_EPLUGIN);
  assert_why("exited with status 3 in dlopen");
  CU_ASSERT_EQUAL(check_faulty("ctor_hang", NULL), VX_EPLUGIN);
  assert_why(
      "dlopen (the module's constructors) did not return within 1000 ms");
}

static void test_crash_in_init_is_refused_naming_the_step(void) {
  CU_ASSERT_EQUAL(check_faulty("init_segv", NULL), VX_EPLUGIN);
  assert_why("killed by SIGSEGV (Segmentation fault) in init");
  CU_ASSERT_STRING_EQUAL(name, "fixtureReload");
  CU_ASSERT_EQUAL(check_faulty("init_abort", NULL), VX_EPLUGIN);
  assert_why("killed by SIGABRT (Aborted) in init");
  CU_ASSERT_EQUAL(check_faulty("init_exit", NULL), VX_EPLUGIN);
  assert_why("exited with status 3 in init");
  CU_ASSERT_EQUAL(check_faulty("init_hang", NULL), VX_EPLUGIN);
  assert_why("init did not return within 1000 ms");
}

/* The compile fixtures crash only on a parameter "boom": without a flag
 * that gives it they pass; with one, the flag is named. */
static void test_crash_in_compile_names_the_flag_using_it(void) {
  static const char *const how[] = {"segv", "abort", "exit", "hang"};
  static const char *const what[] = {"killed by SIGSEGV", "killed by SIGABRT",
                                     "exited with status 3",
                                     "did not return within 1000 ms"};
  for (int i = 0; i < 4; i++) {
    char file[32];
    snprintf(file, sizeof file, "compile_%s", how[i]);
    CU_ASSERT_EQUAL(check_faulty(file, NULL), 0);
    CU_ASSERT_EQUAL(check_faulty(file, &boom), VX_EPLUGIN);
    assert_why(what[i]);
    assert_why("compile (flag boomer in staging, strategies[2])");
  }
}

static void test_crash_in_evaluate_names_the_generated_context(void) {
  CU_ASSERT_EQUAL(check_faulty("evaluate_segv", NULL), VX_EPLUGIN);
  assert_why("killed by SIGSEGV");
  assert_why("evaluate (no flag uses it: without parameters), on generated "
             "context 0: the empty context");
  CU_ASSERT_EQUAL(check_faulty("evaluate_abort", &boom), VX_EPLUGIN);
  assert_why("killed by SIGABRT");
  assert_why("evaluate (flag calm in production, strategies[0])");
  CU_ASSERT_EQUAL(check_faulty("evaluate_exit", NULL), VX_EPLUGIN);
  assert_why("exited with status 3 in evaluate");
  CU_ASSERT_EQUAL(check_faulty("evaluate_hang", NULL), VX_EPLUGIN);
  assert_why("evaluate (no flag uses it: without parameters), on generated "
             "context 0: the empty context did not return within 1000 ms");
}

/* A plugin that only hangs for a context the check does not generate
 * passes: the check proves nothing beyond what it runs. */
static void test_hang_outside_the_generated_contexts_passes(void) {
  CU_ASSERT_EQUAL(check_faulty("hang_on_user", NULL), 0);
  CU_ASSERT_EQUAL(check_faulty("einval", NULL), 0);
}

static void test_descriptor_refusal_comes_from_the_child(void) {
  why[0] = '\0';
  CU_ASSERT_EQUAL(vx_plugin_check(fixture("VX_FIXTURE_DIR", "bad_major"),
                                  TIMEOUT_MS, NULL, name, sizeof name, why,
                                  sizeof why),
                  VX_EABI);
  CU_ASSERT_STRING_EQUAL(why, "abi_major is 2, host supports 1");
  CU_ASSERT_EQUAL(vx_plugin_check(fixture("VX_FIXTURE_DIR", "no_entry"),
                                  TIMEOUT_MS, NULL, name, sizeof name, why,
                                  sizeof why),
                  VX_EABI);
  CU_ASSERT_STRING_EQUAL(why,
                         "vexil_strategy_entry is missing, host expects that "
                         "symbol");
  CU_ASSERT_EQUAL(vx_plugin_check(fixture("VX_FIXTURE_DIR", "init_fails"),
                                  TIMEOUT_MS, NULL, name, sizeof name, why,
                                  sizeof why),
                  VX_EPLUGIN);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "init returned -1"));
  CU_ASSERT_EQUAL(vx_plugin_check("/nonexistent.so", TIMEOUT_MS, NULL, name,
                                  sizeof name, why, sizeof why),
                  VX_EIO);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "dlopen failed"));
}

/* The name is known once the descriptor is read: a crash after that
 * still reports it. */
static void test_name_is_reported_with_a_later_crash(void) {
  CU_ASSERT_EQUAL(check_faulty("evaluate_segv", NULL), VX_EPLUGIN);
  CU_ASSERT_STRING_EQUAL(name, "fixtureReload");
}

static void test_generated_contexts_cover_addresses_and_long_values(void) {
  size_t n = 0;
  const char *const *labels = NULL;
  const vx_context_json *c = vx_check_contexts(&n, &labels);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT(n >= 12);
  bool v4 = false, v6 = false, long_value = false, empty = false;
  for (size_t i = 0; i < n; i++) {
    size_t len = 0;
    const char *ip = vx_context_get(&c[i].ctx, "remoteAddress", &len);
    v4 = v4 || (ip != NULL && strcmp(ip, "10.1.2.3") == 0);
    v6 = v6 || (ip != NULL && strcmp(ip, "2001:db8::1") == 0);
    long_value = long_value || len >= 4096;
    empty = empty || vx_context_get(&c[i].ctx, "userId", NULL) == NULL;
    CU_ASSERT_PTR_NOT_NULL(labels[i]);
  }
  CU_ASSERT_TRUE(v4 && v6 && long_value && empty);
}

static const vx_test tests[] = {
    VX_TEST(test_good_plugin_passes_and_is_named),
    VX_TEST(test_crash_in_a_constructor_is_refused_naming_the_signal),
    VX_TEST(test_crash_in_init_is_refused_naming_the_step),
    VX_TEST(test_crash_in_compile_names_the_flag_using_it),
    VX_TEST(test_crash_in_evaluate_names_the_generated_context),
    VX_TEST(test_hang_outside_the_generated_contexts_passes),
    VX_TEST(test_descriptor_refusal_comes_from_the_child),
    VX_TEST(test_name_is_reported_with_a_later_crash),
    VX_TEST(test_generated_contexts_cover_addresses_and_long_values),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("daemon/plugin_check", tests, suite_init, suite_clean);
}
