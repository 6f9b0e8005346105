/*
 * test_plugin_faults.c - plugins that break their contract, against a
 * real vexild: an evaluate that returns an error is off (fail closed),
 * counted in /metrics and logged once a minute; a plugin that crashes,
 * aborts, exits or hangs is refused by the pre-load check at start (its
 * flags are off) and on reload (the previous version keeps serving), and
 * the daemon lives on; SIGTERM ends it even with an evaluate that never
 * returns.
 *
 * Each test starts a daemon with the built-in plugins and a private plugin
 * folder, into which it copies fixtures from tests/fixtures/plugins/faulty
 * (VX_FAULTY_FIXTURE_DIR; see tests/fixtures/plugins/fixture.c).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "plugin_support.h"
#include "vx_test.h"

static vxh_daemon d;

static void put_plugin(const char *name, const char *as) {
  vxp_put(getenv("VX_FAULTY_FIXTURE_DIR"), name, as, false);
}

/* The good versions of "fixtureReload" the faulty ones stand in for. */
static void put_good(const char *name, const char *as) {
  vxp_put(getenv("VX_RELOAD_FIXTURE_DIR"), name, as, false);
}

static int start(const char *const *more) {
  const char *args[16] = {"--plugin-dir", vxp_dir()};
  size_t n = 2;
  for (size_t i = 0; more != NULL && more[i] != NULL && n < 15; i++)
    args[n++] = more[i];
  args[n] = NULL;
  return vxh_start(&d, args);
}

static void stop(void) {
  vxp_stop(&d);
}

static void create_flag(const char *key, const char *strategy,
                        const char *params) {
  vxp_create_flag(&d, key, strategy, params);
}

/* The value of one series in /metrics, or -1 when absent. */
static long long metric(const char *series) {
  vxh_resp r;
  if (vxh_request(&d, "GET", "/metrics", NULL, NULL, NULL, &r) != 0)
    return -1;
  long long v = -1;
  char line[512];
  snprintf(line, sizeof line, "\n%s ", series); /* a sample, not # HELP */
  const char *at = strstr(r.body, line);
  if (at != NULL)
    v = atoll(at + strlen(line));
  vxh_resp_free(&r);
  return v;
}

/* Fail closed: VX_EINVAL from evaluate once served enabled: true,
 * TARGETING_MATCH to everyone. Now it is off, counted per strategy, and
 * logged once however many evaluations err within the minute. */
static void test_evaluate_error_is_off_counted_and_logged_once(void) {
  put_plugin("einval", "einval.so");
  CU_ASSERT_EQUAL_FATAL(start(NULL), 0);
  create_flag("erring", "fixtureEinval", "{}");
  for (int i = 0; i < 5; i++) {
    char reason[32], user[16];
    snprintf(user, sizeof user, "u%d", i);
    CU_ASSERT_EQUAL(vxp_enabled(&d, "erring", user, reason), 0);
    CU_ASSERT_STRING_EQUAL(reason, "DEFAULT");
  }
  /* OFREP too: a boolean false, DEFAULT. */
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "POST", "/ofrep/v1/evaluate/flags/erring",
                  VXH_ADMIN_TOKEN, "{\"context\": {\"targetingKey\": \"u9\"}}",
                  NULL, &r),
      0);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_TRUE(json_is_false(json_object_get(r.json, "value")));
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "reason")),
                         "DEFAULT");
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(
      metric("vexil_strategy_errors_total{strategy=\"fixtureEinval\"}"), 6);
  CU_ASSERT_EQUAL(metric("vexil_strategy_errors_total{strategy=\"default\"}"),
                  0);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "strategy fixtureEinval 0.0.1: evaluate "
                                    "returned -1 (EINVAL"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "for flag erring"), 1);
  stop();
}

static const char *const quick[] = {"--plugin-check-timeout-ms", "500", NULL};

static json_t *reload(void) {
  return vxp_reload(&d);
}

/* The reason of the only rejection of a reload answer ("" when none). */
static const char *rejected_reason(const json_t *r) {
  static char why[2048];
  json_t *rej = json_object_get(r, "rejected");
  snprintf(why, sizeof why, "%s",
           json_array_size(rej) == 1 ? json_string_value(json_object_get(
                                           json_array_get(rej, 0), "reason"))
                                     : "");
  return why;
}

static int on(const char *flag) {
  return vxp_enabled(&d, flag, "u1", NULL);
}

static bool contains(const char *haystack, const char *needle) {
  if (strstr(haystack, needle) != NULL)
    return true;
  fprintf(stderr, "\"%s\" lacks \"%s\"\n", haystack, needle);
  return false;
}

/* Plugins that crash, abort, exit or hang in their constructor, init or
 * evaluate: the daemon starts anyway, without them, and says so. */
static void test_faulty_plugins_are_refused_at_start(void) {
  put_plugin("ctor_segv", "a_ctor_segv.so");
  put_plugin("init_abort", "b_init_abort.so");
  put_plugin("evaluate_exit", "c_evaluate_exit.so");
  put_plugin("evaluate_hang", "d_evaluate_hang.so");
  CU_ASSERT_EQUAL_FATAL(start(quick), 0);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "a_ctor_segv.so: killed by SIGSEGV "
                                    "(Segmentation fault) in dlopen (the "
                                    "module's constructors) during the "
                                    "pre-load check"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "b_init_abort.so: killed by SIGABRT "
                                    "(Aborted) in init"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "c_evaluate_exit.so: exited with "
                                    "status 3 in evaluate"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "d_evaluate_hang.so: evaluate (no flag "
                                    "uses it: without parameters), on "
                                    "generated context 0: the empty context "
                                    "did not return within 500 ms"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "4 plugin files refused at start"), 1);
  CU_ASSERT_EQUAL(metric("vexil_plugins_refused"), 4);
  char series[256];
  snprintf(series, sizeof series,
           "vexil_plugin_refused{file=\"%s/b_init_abort.so\",strategy="
           "\"fixtureReload\"}",
           vxp_dir());
  CU_ASSERT_EQUAL(metric(series), 1);
  snprintf(series, sizeof series,
           "vexil_plugin_refused{file=\"%s/a_ctor_segv.so\",strategy=\"\"}",
           vxp_dir());
  CU_ASSERT_EQUAL(metric(series), 1);
  /* Nothing of them is loaded, the built-ins are. */
  json_decref(vxh_admin(&d, "GET", "/api/v1/admin/strategies/fixtureReload",
                        NULL, 404));
  json_decref(
      vxh_admin(&d, "GET", "/api/v1/admin/strategies/default", NULL, 200));
  stop();
}

/* Starts with the good "fixtureReload" 1.0.0, used by flag `plain` and by
 * flag "boomer" with a parameter boom, on which the faulty compile
 * fixtures crash. */
static int start_v1_with(const char *plain) {
  put_good("reload_v1", "reload.so");
  int rc = start(quick);
  if (rc == 0) {
    create_flag(plain, "fixtureReload", "{}");
    create_flag("boomer", "fixtureReload", "{\"boom\": \"yes\"}");
  }
  return rc;
}

/* A flag's real parameters make the plugin crash in compile: at the next
 * start the plugin is not loaded, the check names the flag, and the flags
 * that use the strategy are off (as with an unknown strategy), not on. */
static void test_plugin_crashing_on_a_flag_is_not_loaded_at_start(void) {
  CU_ASSERT_EQUAL_FATAL(start_v1_with("calm"), 0);
  CU_ASSERT_EQUAL(on("calm"), 1);
  CU_ASSERT_EQUAL(on("boomer"), 1);
  CU_ASSERT_EQUAL_FATAL(vxh_stop(&d, true), 0);
  put_plugin("compile_segv", "reload.so");
  const char *args[] = {"--plugin-dir", vxp_dir(), "--plugin-check-timeout-ms",
                        "500", NULL};
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, args), 0);
  CU_ASSERT_EQUAL(
      vxh_log_count(&d, "reload.so: killed by SIGSEGV (Segmentation fault) in "
                        "compile (flag boomer in production, strategies[0]) "
                        "during the pre-load check; strategy fixtureReload "
                        "is not loaded: flags using it are off"),
      1);
  CU_ASSERT_EQUAL(on("calm"), 0);
  CU_ASSERT_EQUAL(on("boomer"), 0);
  CU_ASSERT_EQUAL(metric("vexil_plugins_refused"), 1);
  /* A fixed version, then a reload: the flags are served again, and the
   * refusal is gone from /metrics. */
  put_good("reload_v1", "reload.so");
  json_t *r = reload();
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "loaded")), 1);
  json_decref(r);
  CU_ASSERT_EQUAL(on("boomer"), 1);
  CU_ASSERT_EQUAL(metric("vexil_plugins_refused"), 0);
  stop();
}

/* On reload, each faulty replacement is rejected with its reason and the
 * version in service keeps serving; the daemon never sees the fault. */
static void test_faulty_replacements_are_rejected_on_reload(void) {
  CU_ASSERT_EQUAL_FATAL(start_v1_with("hot"), 0);
  static const struct {
    const char *fixture, *reason;
  } cases[] = {
      {"ctor_abort", "killed by SIGABRT (Aborted) in dlopen (the module's "
                     "constructors) during the pre-load check"},
      {"init_segv", "killed by SIGSEGV (Segmentation fault) in init"},
      {"compile_exit", "exited with status 3 in compile (flag boomer in "
                       "production, strategies[0]) during the pre-load "
                       "check (a plugin must never exit)"},
      {"compile_hang", "compile (flag boomer in production, strategies[0]) "
                       "did not return within 500 ms"},
      {"evaluate_abort", "killed by SIGABRT (Aborted) in evaluate (flag "},
      {"ctor_hang", "dlopen (the module's constructors) did not return "
                    "within 500 ms"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    put_plugin(cases[i].fixture, "reload.so");
    json_t *r = reload();
    CU_ASSERT_TRUE(contains(rejected_reason(r), cases[i].reason));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "replaced")), 0);
    json_decref(r);
    CU_ASSERT_EQUAL(vxh_log_count(&d, cases[i].reason), 1);
    CU_ASSERT_EQUAL(on("hot"), 1); /* v1 still serves */
    CU_ASSERT_EQUAL(metric("vexil_plugins_refused"), 1);
  }
  json_t *v =
      vxh_admin(&d, "GET", "/api/v1/admin/strategies/fixtureReload", NULL, 200);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "version")),
                         "1.0.0");
  json_decref(v);
  /* SIGHUP goes through the same check. */
  put_plugin("evaluate_segv", "reload.so");
  CU_ASSERT_EQUAL(kill(d.pid, SIGHUP), 0);
  bool done = false;
  for (int i = 0; i < 400 && !done; i++) {
    done = vxh_log_count(&d, "SIGHUP: plugins reloaded: 0 loaded, 0 "
                             "replaced, 1 rejected") > 0;
    if (!done)
      usleep(25000);
  }
  CU_ASSERT_TRUE(done);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "killed by SIGSEGV (Segmentation fault) "
                                    "in evaluate"),
                  1);
  CU_ASSERT_EQUAL(on("hot"), 1);
  /* A good version goes in, and nothing is refused any more. */
  put_good("reload_v2", "reload.so");
  json_t *r = reload();
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "replaced")), 1);
  json_decref(r);
  CU_ASSERT_EQUAL(on("hot"), 0);
  CU_ASSERT_EQUAL(metric("vexil_plugins_refused"), 0);
  stop();
}

/* A request that never returns, on its own thread. */
static void *evaluate_stuck(void *arg) {
  (void)arg;
  vxh_resp r;
  if (vxh_request(&d, "POST", "/api/v1/evaluate/stuck-flag", VXH_ADMIN_TOKEN,
                  "{\"context\": {\"userId\": \"stuck\"}}", NULL, &r) == 0)
    vxh_resp_free(&r); /* answered: it did not hang after all */
  return NULL;
}

/* A plugin whose evaluate never returns for one user passes the pre-load
 * check (which never tries that user) and holds its worker in the
 * daemon. The metrics show the stuck request; SIGTERM still ends vexild
 * once the shutdown deadline passes, with status 3 and a log naming the
 * request; and the write answered before is in the database. */
static void test_sigterm_finishes_despite_an_evaluate_that_never_returns(void) {
  put_plugin("hang_on_user", "hang_on_user.so");
  const char *more[] = {"--shutdown-timeout-ms", "1000", NULL};
  CU_ASSERT_EQUAL_FATAL(start(more), 0);
  create_flag("stuck-flag", "fixtureHangOnUser", "{}");
  CU_ASSERT_EQUAL(on("stuck-flag"), 1); /* others are served */
  CU_ASSERT_EQUAL(metric("vexil_requests_in_flight"), 0);
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, evaluate_stuck, NULL), 0);
  long long in_flight = 0;
  for (int i = 0; i < 200 && in_flight != 1; i++) {
    usleep(10000);
    in_flight = metric("vexil_requests_in_flight");
  }
  CU_ASSERT_EQUAL(in_flight, 1);
  usleep(300000);
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&d, "GET", "/metrics", NULL, NULL, NULL, &r), 0);
  const char *age = strstr(r.body, "\nvexil_request_oldest_seconds ");
  CU_ASSERT_PTR_NOT_NULL(age);
  if (age != NULL)
    CU_ASSERT(atof(age + strlen("\nvexil_request_oldest_seconds ")) >= 0.3);
  vxh_resp_free(&r);
  CU_ASSERT_EQUAL(on("stuck-flag"), 1); /* the other workers still serve */
  long t0 = (long)time(NULL);
  CU_ASSERT_EQUAL(vxh_stop(&d, true), 3);
  CU_ASSERT((long)time(NULL) - t0 <= 5);
  pthread_join(t, NULL);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "shutdown: 1 request still in flight "
                                    "after 1000 ms; exiting with status 3"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "shutdown: waited for POST "
                                    "/api/v1/evaluate/stuck-flag, in flight "
                                    "for"),
                  1);
  CU_ASSERT_EQUAL(vxh_log_count(&d, "every write that was answered is "
                                    "committed"),
                  1);
  /* The flag created before is there after a restart. */
  const char *args[] = {"--plugin-dir", vxp_dir(), NULL};
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, args), 0);
  json_decref(
      vxh_admin(&d, "GET", "/api/v1/admin/flags/stuck-flag", NULL, 200));
  stop();
}

static const vx_test tests[] = {
    VX_TEST(test_evaluate_error_is_off_counted_and_logged_once),
    VX_TEST(test_faulty_plugins_are_refused_at_start),
    VX_TEST(test_plugin_crashing_on_a_flag_is_not_loaded_at_start),
    VX_TEST(test_faulty_replacements_are_rejected_on_reload),
    VX_TEST(test_sigterm_finishes_despite_an_evaluate_that_never_returns),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("http/plugin_faults", tests, NULL, NULL);
}
