/*
 * test_reload.c - plugins reloaded without a restart, against a real
 * vexild: POST /api/v1/admin/plugins/reload and SIGHUP.
 *
 * Each test starts a daemon with the built-in plugins and a private
 * plugin folder, into which it writes versions of the "fixtureReload"
 * strategy (tests/fixtures/plugins/reload: v1 always on, v2 always off,
 * strict refusing a "level" parameter, bad_abi of ABI major 2). Files are
 * overwritten in place, as a careless `cp` would: the daemon maps only
 * content-addressed copies, so this must be safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "plugin_host.h"
#include "plugin_support.h"
#include "vx_test.h"

static vxh_daemon d;

static void copy_plugin(const char *fixture_dir, const char *name,
                        const char *as, bool by_rename) {
  vxp_put(fixture_dir, name, as, by_rename);
}

static void put_plugin(const char *fixture_dir, const char *name,
                       const char *as) {
  vxp_put(fixture_dir, name, as, false);
}

static const char *reload_dir(void) {
  return getenv("VX_RELOAD_FIXTURE_DIR");
}

static int start(void) {
  const char *args[] = {"--plugin-dir", vxp_dir(), NULL};
  return vxh_start(&d, args);
}

static void stop(void) {
  vxp_stop(&d);
}

static json_t *reload(void) {
  return vxp_reload(&d);
}

/* 1 on, 0 off, -1 failed (any non-200 or malformed answer). */
static int evaluate(const char *flag) {
  return vxp_enabled(&d, flag, "u1", NULL);
}

static void create_flag(const char *key, const char *strategy,
                        const char *params) {
  vxp_create_flag(&d, key, strategy, params);
}

static const char *version_of(const char *strategy) {
  static char v[32];
  char path[256];
  snprintf(path, sizeof path, "/api/v1/admin/strategies/%s", strategy);
  json_t *j = vxh_admin(&d, "GET", path, NULL, 200);
  snprintf(v, sizeof v, "%s",
           json_string_value(json_object_get(j, "version")) ?: "");
  json_decref(j);
  return v;
}

static bool log_contains(const char *needle) {
  return vxh_log_count(&d, needle) > 0;
}

static void test_reload_loads_a_plugin_added_at_run_time(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  json_decref(vxh_admin(&d, "GET", "/api/v1/admin/strategies/fixtureReload",
                        NULL, 404));
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  json_t *r = reload();
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "loaded")), 1);
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_object_get(
          json_array_get(json_object_get(r, "loaded"), 0), "name")),
      "fixtureReload");
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "rejected")), 0);
  json_decref(r);
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  create_flag("uses-new", "fixtureReload", "{}");
  CU_ASSERT_EQUAL(evaluate("uses-new"), 1);
  /* Nothing changed since: a second reload loads nothing. */
  r = reload();
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "loaded")), 0);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "replaced")), 0);
  CU_ASSERT(json_integer_value(json_object_get(r, "unchanged")) >= 1);
  json_decref(r);
  stop();
}

static void test_reload_makes_a_flag_using_a_missing_strategy_live(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  /* An import keeps a strategy whose plugin is missing, never on. */
  json_decref(vxh_admin(
      &d, "POST", "/api/v1/admin/import?format=unleash",
      "{\"version\": 1, \"features\": [{\"name\": \"waiting\", \"enabled\": "
      "true, \"strategies\": [{\"name\": \"fixtureReload\"}]}]}",
      200));
  CU_ASSERT_EQUAL(evaluate("waiting"), 0);
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  json_decref(reload());
  CU_ASSERT_EQUAL(evaluate("waiting"), 1);
  stop();
}

/* ---------------------------------------------------------- under load */

static atomic_bool load_stop;
static atomic_int load_failures, load_on, load_off;

static void *evaluate_in_a_loop(void *arg) {
  (void)arg;
  while (!atomic_load(&load_stop)) {
    int v = evaluate("hot");
    if (v < 0)
      atomic_fetch_add(&load_failures, 1);
    else
      atomic_fetch_add(v ? &load_on : &load_off, 1);
  }
  return NULL;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void
test_reload_replaces_a_plugin_under_load_with_no_failed_request(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  create_flag("hot", "fixtureReload", "{}");
  CU_ASSERT_EQUAL(evaluate("hot"), 1);
  atomic_store(&load_stop, false);
  atomic_store(&load_failures, 0);
  atomic_store(&load_on, 0);
  atomic_store(&load_off, 0);
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&t[i], NULL, evaluate_in_a_loop, NULL);
  sleep_ms(200);
  /* v2 (always off) over v1, in place, then reload: twice back and forth,
   * so that replaced modules are unloaded while requests go on. */
  static const char *const versions[] = {"reload_v2", "reload_v1", "reload_v2"};
  for (int k = 0; k < 3; k++) {
    put_plugin(reload_dir(), versions[k], "reload.so");
    json_t *r = reload();
    json_t *rep = json_array_get(json_object_get(r, "replaced"), 0);
    CU_ASSERT_PTR_NOT_NULL(rep);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rep, "version")),
                           k % 2 == 0 ? "2.0.0" : "1.0.0");
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_array_get(json_object_get(rep, "flags"), 0)),
        "hot");
    json_decref(r);
    sleep_ms(150);
  }
  atomic_store(&load_stop, true);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  CU_ASSERT_EQUAL(atomic_load(&load_failures), 0);
  /* Both versions answered: the old code before, the new code after. */
  CU_ASSERT(atomic_load(&load_on) > 0);
  CU_ASSERT(atomic_load(&load_off) > 0);
  CU_ASSERT_EQUAL(evaluate("hot"), 0); /* v2 serves now */
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "2.0.0");
  CU_ASSERT_TRUE(log_contains("strategy fixtureReload 1.0.0 replaced by "
                              "2.0.0"));
  stop();
}

static void test_reload_bumps_the_revision_and_audits_it(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  create_flag("hot", "fixtureReload", "{}");
  json_t *before = vxh_admin(&d, "GET", "/api/v1/admin/flags", NULL, 200);
  json_int_t rev = json_integer_value(json_object_get(before, "revision"));
  json_decref(before);
  put_plugin(reload_dir(), "reload_v2", "reload.so");
  json_t *r = reload();
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "revision")), rev + 1);
  json_decref(r);
  json_t *audit =
      vxh_admin(&d, "GET", "/api/v1/admin/audit?limit=1", NULL, 200);
  json_t *e = json_array_get(json_object_get(audit, "entries"), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "action")),
                         "plugins.reload");
  json_decref(audit);
  stop();
}

static void test_reload_rejects_a_broken_replacement_and_keeps_the_old(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  create_flag("hot", "fixtureReload", "{}");
  put_plugin(reload_dir(), "reload_bad_abi", "reload.so");
  json_t *r = reload();
  json_t *rej = json_array_get(json_object_get(r, "rejected"), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rej);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rej, "name")),
                         "fixtureReload");
  CU_ASSERT_PTR_NOT_NULL(
      strstr(json_string_value(json_object_get(rej, "reason")),
             "abi_major is 2, host supports 1"));
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "replaced")), 0);
  json_decref(r);
  CU_ASSERT_EQUAL(evaluate("hot"), 1); /* v1 still serves */
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  CU_ASSERT_TRUE(log_contains("abi_major is 2, host supports 1"));
  /* Once fixed, the next reload takes it. */
  put_plugin(reload_dir(), "reload_v2", "reload.so");
  json_decref(reload());
  CU_ASSERT_EQUAL(evaluate("hot"), 0);
  stop();
}

static void test_reload_rejects_a_version_refusing_parameters_in_use(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  create_flag("levelled", "fixtureReload", "{\"level\": \"1\"}");
  put_plugin(reload_dir(), "reload_strict", "reload.so");
  json_t *r = reload();
  json_t *rej = json_array_get(json_object_get(r, "rejected"), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rej);
  const char *why = json_string_value(json_object_get(rej, "reason"));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "version 3.0.0 refuses the parameters "
                                     "flag levelled uses in production"));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "level is no longer supported"));
  json_decref(r);
  CU_ASSERT_EQUAL(evaluate("levelled"), 1);
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  stop();
}

static void test_reload_rejects_a_file_that_changes_its_strategy_name(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  put_plugin(reload_dir(), "reload_renamed", "reload.so");
  json_t *r = reload();
  json_t *rej = json_array_get(json_object_get(r, "rejected"), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rej);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(json_string_value(json_object_get(rej, "reason")),
             "now declares strategy \"fixtureRenamed\""));
  json_decref(r);
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  stop();
}

static void test_reload_rejects_a_new_file_reusing_a_loaded_name(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  put_plugin(reload_dir(), "reload_v1", "a.so");
  put_plugin(reload_dir(), "reload_v2", "b.so");
  json_t *r = reload();
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "loaded")), 1);
  json_t *rej = json_array_get(json_object_get(r, "rejected"), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rej);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(json_string_value(json_object_get(rej, "file")), "/b.so"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(json_string_value(json_object_get(rej, "reason")),
             "already registered by"));
  json_decref(r);
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  stop();
}

static void test_sighup_reloads_the_plugins(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL(kill(d.pid, SIGHUP), 0);
  /* The reload logs its summary once it is done. */
  bool done = false;
  for (int i = 0; i < 200 && !done; i++) {
    done = log_contains("SIGHUP: plugins reloaded: 1 loaded");
    if (!done)
      sleep_ms(25);
  }
  CU_ASSERT_TRUE(done);
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  stop();
}

static void test_reload_needs_an_admin_token(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "POST", "/api/v1/admin/plugins/reload",
                                    NULL, NULL, NULL, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 401);
  vxh_resp_free(&r);
  json_decref(vxh_admin(&d, "GET", "/api/v1/admin/plugins/reload", NULL, 405));
  json_decref(vxh_admin(&d, "POST", "/api/v1/admin/plugins/reload",
                        "{\"force\": true}", 400));
  stop();
}

static bool mapped(const char *path) {
  char maps[64], line[1024];
  snprintf(maps, sizeof maps, "/proc/%d/maps", (int)d.pid);
  FILE *f = fopen(maps, "r");
  bool found = false;
  while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
    found = strstr(line, path) != NULL;
  if (f != NULL)
    fclose(f);
  return found;
}

/* The daemon maps a content-addressed copy, <data>/plugin-cache/<sha256
 * of the file>.so, never the file in the plugin folder. The old module
 * stays mapped while a snapshot uses it, and is unmapped and its copy
 * removed once none does. Sanitizer runs keep modules mapped
 * (VEXIL_NO_DLCLOSE=1): there only the first half is checked. */
static void test_reload_unloads_the_old_module_once_unused(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  create_flag("hot", "fixtureReload", "{}");
  char src[512], hex[65], err[256], v1_copy[600], folder_file[600];
  snprintf(src, sizeof src, "%s/reload_v1.so", reload_dir());
  CU_ASSERT_EQUAL_FATAL(vx_plugin_file_sha256(src, hex, err, sizeof err), 0);
  snprintf(v1_copy, sizeof v1_copy, "%s/plugin-cache/%s.so", d.dir, hex);
  snprintf(folder_file, sizeof folder_file, "%s/reload.so", vxp_dir());
  CU_ASSERT_TRUE(mapped(v1_copy));
  CU_ASSERT_FALSE(mapped(folder_file));
  put_plugin(reload_dir(), "reload_v2", "reload.so");
  json_decref(reload());
  /* Later writes publish again, which frees the replaced snapshot once
   * its readers left. */
  create_flag("other", "default", "{}");
  sleep_ms(100);
  create_flag("third", "default", "{}");
  CU_ASSERT_EQUAL(evaluate("hot"), 0);
  if (getenv("VEXIL_NO_DLCLOSE") != NULL) {
    CU_PASS("VEXIL_NO_DLCLOSE: modules stay mapped");
  } else {
    CU_ASSERT_FALSE(mapped(v1_copy));
    CU_ASSERT_NOT_EQUAL(access(v1_copy, F_OK), 0);
  }
  stop();
}

/* Without a cache folder (here a file stands in its way), plugins load
 * from their own files: a reload still leaves unchanged ones alone, but
 * cannot replace a changed one. (The daemon then maps the folder's file
 * itself, so the new version is installed by rename, never in place.) */
static void test_reload_without_a_cache_folder_cannot_replace(void) {
  put_plugin(reload_dir(), "reload_v1", "reload.so");
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  CU_ASSERT_EQUAL_FATAL(vxh_stop(&d, true), 0);
  char cache[300], cmd[700];
  snprintf(cache, sizeof cache, "%.250s/plugin-cache", d.dir);
  snprintf(cmd, sizeof cmd, "rm -rf %s && touch %s", cache, cache);
  CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
  const char *args[] = {"--plugin-dir", vxp_dir(), NULL};
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, args), 0);
  CU_ASSERT_TRUE(log_contains("a reload cannot replace one"));
  json_t *r = reload();
  CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "rejected")), 0);
  CU_ASSERT(json_integer_value(json_object_get(r, "unchanged")) >= 1);
  json_decref(r);
  copy_plugin(reload_dir(), "reload_v2", "reload.so", true);
  r = reload();
  json_t *rej = json_array_get(json_object_get(r, "rejected"), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rej);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(json_string_value(json_object_get(rej, "reason")),
             "no plugin cache folder"));
  json_decref(r);
  CU_ASSERT_STRING_EQUAL(version_of("fixtureReload"), "1.0.0");
  stop();
}

static const vx_test tests[] = {
    VX_TEST(test_reload_loads_a_plugin_added_at_run_time),
    VX_TEST(test_reload_makes_a_flag_using_a_missing_strategy_live),
    VX_TEST(test_reload_replaces_a_plugin_under_load_with_no_failed_request),
    VX_TEST(test_reload_bumps_the_revision_and_audits_it),
    VX_TEST(test_reload_rejects_a_broken_replacement_and_keeps_the_old),
    VX_TEST(test_reload_rejects_a_version_refusing_parameters_in_use),
    VX_TEST(test_reload_rejects_a_file_that_changes_its_strategy_name),
    VX_TEST(test_reload_rejects_a_new_file_reusing_a_loaded_name),
    VX_TEST(test_sighup_reloads_the_plugins),
    VX_TEST(test_reload_needs_an_admin_token),
    VX_TEST(test_reload_unloads_the_old_module_once_unused),
    VX_TEST(test_reload_without_a_cache_folder_cannot_replace),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("http/reload", tests, NULL, NULL);
}
