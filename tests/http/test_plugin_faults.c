/*
 * test_plugin_faults.c - plugins that break their contract, against a
 * real vexild: an evaluate that returns an error is off (fail closed),
 * counted in /metrics and logged once a minute.
 *
 * Each test starts a daemon with the built-in plugins and a private plugin
 * folder, into which it copies fixtures from tests/fixtures/plugins/faulty
 * (VX_FAULTY_FIXTURE_DIR; see tests/fixtures/plugins/fixture.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;
static char plugdir[64];

static const char *faulty_dir(void) {
  return getenv("VX_FAULTY_FIXTURE_DIR");
}

/* Copies faulty fixture NAME.so into the test's plugin folder as AS. */
static void put_plugin(const char *name, const char *as) {
  if (plugdir[0] == '\0') {
    snprintf(plugdir, sizeof plugdir, "/tmp/vx-faults-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(plugdir));
  }
  char src[512], dst[512];
  snprintf(src, sizeof src, "%s/%s.so", faulty_dir(), name);
  snprintf(dst, sizeof dst, "%s/%s", plugdir, as);
  CU_ASSERT_EQUAL_FATAL(vxh_copy_file(src, dst, false), 0);
}

static int start(const char *const *more) {
  const char *args[16] = {"--plugin-dir", plugdir};
  size_t n = 2;
  for (size_t i = 0; more != NULL && more[i] != NULL && n < 15; i++)
    args[n++] = more[i];
  args[n] = NULL;
  return vxh_start(&d, args);
}

static void stop(void) {
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", plugdir);
  CU_ASSERT_EQUAL(system(cmd), 0);
  plugdir[0] = '\0';
}

static void create_flag(const char *key, const char *strategy,
                        const char *params) {
  char body[1024];
  snprintf(body, sizeof body,
           "{\"key\": \"%s\", \"environments\": {\"production\": "
           "{\"enabled\": true, \"strategies\": [{\"name\": \"%s\", "
           "\"parameters\": %s}]}}}",
           key, strategy, params);
  json_decref(vxh_admin(&d, "POST", "/api/v1/admin/flags", body, 201));
}

/* The native decision for userId user: its "enabled" and "reason". */
static void decide(const char *flag, const char *user, int *enabled,
                   char reason[32]) {
  char path[256], body[256];
  snprintf(path, sizeof path, "/api/v1/evaluate/%s", flag);
  snprintf(body, sizeof body, "{\"context\": {\"userId\": \"%s\"}}", user);
  vxh_resp r;
  *enabled = -1;
  reason[0] = '\0';
  if (vxh_request(&d, "POST", path, VXH_ADMIN_TOKEN, body, NULL, &r) != 0)
    return;
  if (r.status == 200 && json_is_boolean(json_object_get(r.json, "enabled")))
    *enabled = json_is_true(json_object_get(r.json, "enabled"));
  snprintf(reason, 32, "%s",
           json_string_value(json_object_get(r.json, "reason")) ?: "");
  vxh_resp_free(&r);
}

/* The value of one series in /metrics, or -1 when absent. */
static long long metric(const char *series) {
  vxh_resp r;
  if (vxh_request(&d, "GET", "/metrics", NULL, NULL, NULL, &r) != 0)
    return -1;
  long long v = -1;
  const char *at = strstr(r.body, series);
  if (at != NULL && at[strlen(series)] == ' ')
    v = atoll(at + strlen(series) + 1);
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
    int on;
    char reason[32];
    char user[16];
    snprintf(user, sizeof user, "u%d", i);
    decide("erring", user, &on, reason);
    CU_ASSERT_EQUAL(on, 0);
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

static const vx_test tests[] = {
    VX_TEST(test_evaluate_error_is_off_counted_and_logged_once),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("http/plugin_faults", tests, NULL, NULL);
}
