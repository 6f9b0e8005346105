/*
 * test_store_start.c - what vexild does with the file it is given as its
 * database, and with a publish that fails after a commit, seen from
 * outside: an empty file or a foreign one is refused at start with a
 * message naming the file and what it is, and left as it was; a
 * database damaged in pages a start does not read serves evaluation but
 * refuses writes (503 STORE_CORRUPT), which /readyz reports; a write
 * whose snapshot cannot be published answers 503 STORED_NOT_PUBLISHED
 * and is served as soon as it can be, without a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin_support.h"
#include "store_support.h"
#include "store_test.h"
#include "vx_test.h"

static char files[300];

static int suite_init(void) {
  return db_tmpdir_make(files, sizeof files, "vexil-files");
}

static int suite_clean(void) {
  return db_tmpdir_remove(files);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* vexild given path as its database does not start; its log names the
 * file and says each of says. */
static void refused_at_start(const char *path, const char *const *says) {
  const char *args[] = {"--database", path, NULL};
  fprintf(stderr, "\n(vexild is expected to refuse %s)\n", path);
  CU_ASSERT_NOT_EQUAL(vxh_start(&adm_d, args), 0);
  char *log = st_log();
  CU_ASSERT_PTR_NOT_NULL(strstr(log, path));
  for (; *says != NULL; says++)
    CU_ASSERT_PTR_NOT_NULL(strstr(log, *says));
  free(log);
  vxh_stop(&adm_d, false);
}

static void test_empty_database_file_is_refused_at_start_and_left_alone(void) {
  char path[400];
  snprintf(path, sizeof path, "%s/empty.db", files);
  st_write_file(path, "");
  static const char *const says[] = {"empty file (0 bytes)",
                                     "not a Vexil database", NULL};
  refused_at_start(path, says);
  struct stat sb;
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_size, 0);
}

static void test_foreign_files_are_refused_at_start(void) {
  char path[400];
  snprintf(path, sizeof path, "%s/notes.db", files);
  st_write_file(path, "# my notes\nnot a database\n");
  static const char *const text[] = {"not an SQLite database",
                                     "beginning \"# my notes", NULL};
  refused_at_start(path, text);

  snprintf(path, sizeof path, "%s/other-app.db", files);
  db_exec(path,
          "CREATE TABLE invoices (id INTEGER); PRAGMA application_id = 7");
  static const char *const other[] = {"another application", "invoices", NULL};
  refused_at_start(path, other);

  snprintf(path, sizeof path, "%s/no-schema.db", files);
  db_exec(path, "CREATE TABLE invoices (id INTEGER)");
  static const char *const schema[] = {"without Vexil's schema", NULL};
  refused_at_start(path, schema);
  CU_ASSERT_EQUAL(db_int(path, "SELECT count(*) FROM sqlite_schema"),
                  1); /* untouched */
}

#define FLAGS "/api/v1/admin/flags"

static void test_damaged_database_serves_and_refuses_writes(void) {
  static const char *const args[] = {"--store-probe-interval-ms", "100", NULL};
  CU_ASSERT_EQUAL_FATAL(vxh_start(&adm_d, args), 0);
  static char body[2200];
  for (int i = 0; i < 30; i++) {
    snprintf(body, sizeof body, "{\"key\": \"f%d\", \"description\": \"%0*d\"}",
             i, 2000, i);
    json_decref(adm("POST", FLAGS, body, 201));
  }
  json_decref(adm("POST", FLAGS "/f7/environments/production/on", NULL, 200));
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, true), 0);
  char path[400];
  snprintf(path, sizeof path, "%s/vexil.db", adm_d.dir);
  db_damage_leaf(path, "audit", false);

  CU_ASSERT_EQUAL_FATAL(vxh_restart(&adm_d, args), 0);
  json_t *ready = st_readyz();
  CU_ASSERT_STRING_EQUAL(adm_str(ready, "status") ?: "", "ready");
  CU_ASSERT_FALSE(json_is_true(adm_at(ready, "store.writable")));
  CU_ASSERT_STRING_EQUAL(adm_str(ready, "store.code") ?: "", "STORE_CORRUPT");
  CU_ASSERT_PTR_NOT_NULL(
      strstr(adm_str(ready, "store.error") ?: "", "quick_check"));
  json_decref(ready);
  CU_ASSERT_EQUAL(adm_evaluate("f7", "production"), 1);
  CU_ASSERT_EQUAL(adm_evaluate("f8", "production"), 0);
  json_decref(adm_err("POST", FLAGS "/f8/environments/production/on",
                      VXH_ADMIN_TOKEN, NULL, NULL, 503, "STORE_CORRUPT", NULL));
  sleep_ms(300); /* probes come and go: a damaged store stays refused */
  char code[64];
  CU_ASSERT_STRING_EQUAL(st_code(code, sizeof code), "STORE_CORRUPT");
  CU_ASSERT_EQUAL(st_metric("vexil_store_writable"), 0);
  char *log = st_log();
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "is damaged"));
  free(log);
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
}

/* Whether /readyz lists a committed revision that is not served. */
static bool unpublished(void) {
  json_t *r = st_readyz();
  bool u = adm_at(r, "unpublished") != NULL;
  json_decref(r);
  return u;
}

static void test_write_not_published_answers_503_and_is_served_later(void) {
  char armed[400];
  snprintf(armed, sizeof armed, "%s/flaky", files);
  setenv("VX_FLAKY_FILE", armed, 1); /* the daemon inherits it */
  const char *args[] = {"--plugin-dir", getenv("VX_FLAKY_DIR"),
                        "--store-probe-interval-ms", "100", NULL};
  CU_ASSERT_EQUAL_FATAL(vxh_start(&adm_d, args), 0);
  json_decref(adm("POST", FLAGS,
                  "{\"key\": \"flaky\", \"environments\": {\"production\": "
                  "{\"enabled\": true, \"strategies\": [{\"name\": "
                  "\"fixtureFlaky\"}]}}}",
                  201));
  CU_ASSERT_EQUAL(adm_evaluate("flaky", "production"), 1);
  json_t *ready = st_readyz();
  long long served = adm_int(ready, "revision");
  json_decref(ready);

  st_write_file(armed, "1"); /* validation compiles; the snapshot does not */
  json_t *e =
      adm_err("POST", FLAGS "/flaky/environments/production/off",
              VXH_ADMIN_TOKEN, NULL, NULL, 503, "STORED_NOT_PUBLISHED", NULL);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(adm_str(e, "message") ?: "", "stored but not served"));
  json_decref(e);
  ready = st_readyz();
  CU_ASSERT_EQUAL(adm_int(ready, "revision"), served);
  CU_ASSERT_EQUAL(adm_int(ready, "unpublished.revision"), served + 1);
  CU_ASSERT_PTR_NOT_NULL(adm_str(ready, "unpublished.since"));
  CU_ASSERT_TRUE(json_is_true(adm_at(ready, "store.writable")));
  json_decref(ready);
  CU_ASSERT_EQUAL(st_metric("vexil_publish_pending"), 1);
  CU_ASSERT(st_metric("vexil_publish_failures_total") >= 1);
  /* Stored (memory follows the store), not served. */
  json_t *f = adm("GET", FLAGS "/flaky", NULL, 200);
  CU_ASSERT_TRUE(json_is_false(adm_at(f, "environments.production.enabled")));
  json_decref(f);
  CU_ASSERT_EQUAL(adm_evaluate("flaky", "production"), 1);
  sleep_ms(300); /* retried, still refused */
  CU_ASSERT_TRUE(unpublished());

  unlink(armed);
  for (int i = 0; i < 100 && unpublished(); i++)
    sleep_ms(50);
  CU_ASSERT_FALSE(unpublished());
  CU_ASSERT_EQUAL(adm_evaluate("flaky", "production"), 0);
  CU_ASSERT_EQUAL(st_metric("vexil_publish_pending"), 0);
  char *log = st_log();
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "is committed but not published"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log, "is published"));
  free(log);
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
  unsetenv("VX_FLAKY_FILE");
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_empty_database_file_is_refused_at_start_and_left_alone),
      VX_TEST(test_foreign_files_are_refused_at_start),
      VX_TEST(test_damaged_database_serves_and_refuses_writes),
      VX_TEST(test_write_not_published_answers_503_and_is_served_later),
      {NULL, NULL}};
  return vx_test_main("http/store_start", tests, suite_init, suite_clean);
}
