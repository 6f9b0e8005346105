/*
 * The write path when the store or a publish fails (daemon/
 * service_health.c and the writes of service_write.c, service_flags.c,
 * service_import.c): every kind of write answers 503 with the fault's
 * code and leaves memory exactly as the store is; the store is reported
 * unwritable and taken back by the next write that commits or by the
 * probe; a write whose snapshot cannot be published after COMMIT is not
 * acknowledged and is published as soon as it can be; a store damaged
 * at start serves but refuses writes. Storage faults come from
 * tests/support/fault_vfs.c, publish failures from the fixtureFlaky
 * plugin (tests/fixtures/plugins/fixture.c).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "eval.h"
#include "fault_vfs.h"
#include "log.h"
#include "service.h"
#include "service_internal.h" /* white-box: vx_service_published_locked */
#include "store_internal.h"   /* white-box: read_only */
#include "store_test.h"
#include "vx_test.h"

static char dir[] = "/tmp/vexil-health-XXXXXX";
static char flaky_file[600];
static vx_config cfg;
static vx_service *svc;
static const vx_principal alice = {VX_ROLE_ADMIN, 1, "alice", ""};

static char last_keys[4096]; /* of the last change told to listeners */
static char logged[16384];   /* the log's last lines */

static void capture(vx_log_level level, const char *line, void *arg) {
  (void)level, (void)arg;
  size_t used = strlen(logged), n = strlen(line);
  if (used + n + 2 > sizeof logged)
    used = 0; /* keep the latest */
  snprintf(logged + used, sizeof logged - used, "%s\n", line);
}

static void on_change(const vx_change *change, void *arg) {
  (void)arg;
  char *k = json_dumps(change->keys, JSON_COMPACT);
  snprintf(last_keys, sizeof last_keys, "%s", k ? k : "");
  free(k);
}

static void open_service(void) {
  char *secret = NULL, err[512];
  int rc = vx_service_open(&cfg, &svc, &secret, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "open: %s\n", err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  free(secret);
  vx_service_on_change(svc, on_change, NULL);
}

static int suite_init(void) {
  if (mkdtemp(dir) == NULL || vx_fault_vfs_install() != SQLITE_OK)
    return -1;
  vx_log_set_sink(capture, NULL); /* the failures are on purpose */
  vx_config_defaults(&cfg);
  snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", dir);
  snprintf(cfg.database, sizeof cfg.database, "%s/vexil.db", dir);
  snprintf(cfg.plugin_dirs[0], sizeof cfg.plugin_dirs[0], "%s",
           getenv("VX_PLUGIN_DIR"));
  snprintf(cfg.plugin_dirs[1], sizeof cfg.plugin_dirs[1], "%s",
           getenv("VX_FLAKY_DIR"));
  cfg.n_plugin_dirs = 2;
  cfg.store_probe_interval_ms = 3600000; /* the tests converge by hand */
  snprintf(flaky_file, sizeof flaky_file, "%s/flaky", dir);
  setenv("VX_FLAKY_FILE", flaky_file, 1);
  setenv("VEXIL_ADMIN_TOKEN", "secret-admin", 1);
  return 0;
}

static int suite_clean(void) {
  vx_service_close(svc);
  return db_tmpdir_remove(dir);
}

static json_t *J(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (j == NULL)
    fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
  return j;
}

static int put(const char *doc, vx_werr *err) {
  json_t *j = J(doc);
  memset(err, 0, sizeof *err);
  int rc = vx_service_put_flag(svc, &alice, "update", j, -1, NULL, err);
  json_decref(j);
  return rc;
}

static void put_ok(const char *doc) {
  vx_werr err;
  int rc = put(doc, &err);
  if (rc != 0)
    fprintf(stderr, "put: %s %s\n", err.code, err.message);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/* Everything memory holds, as one text: what the store must hold too. */
static char *memory_text(void) {
  json_t *all = json_pack("{s:o, s:o}", "export", vx_service_export(svc),
                          "tokens", vx_service_list_tokens(svc));
  char *text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(all);
  return text;
}

static void arm_flaky(const char *count) {
  FILE *f = fopen(flaky_file, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(count, f);
  fclose(f);
}

static vx_store_health health(void) {
  vx_store_health h;
  vx_service_health(svc, &h);
  return h;
}

/* Whether flag is in env of the snapshot being served. */
static bool served(const char *flag) {
  const vx_snapshot *s = vx_engine_acquire(vx_service_engine(svc));
  const vx_flag *f =
      vx_env_find(vx_snapshot_env(s, "production"), flag, strlen(flag));
  vx_engine_release(vx_service_engine(svc));
  return f != NULL;
}

static bool served_enabled(const char *flag) {
  json_t *c = J("{\"userId\": \"u\"}");
  vx_context_json ctx;
  char err[128];
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(c, &ctx, err, sizeof err), 0);
  const vx_snapshot *s = vx_engine_acquire(vx_service_engine(svc));
  vx_decision d;
  vx_evaluate(vx_snapshot_env(s, "production"), flag, strlen(flag), &ctx.ctx,
              &d);
  vx_engine_release(vx_service_engine(svc));
  vx_context_json_dispose(&ctx);
  json_decref(c);
  return d.enabled;
}

/* ---- the store refuses writes ------------------------------------------ */

static int64_t client_token;

static void test_setup(void) {
  open_service();
  put_ok("{\"key\": \"a\", \"environments\": {\"production\": "
         "{\"enabled\": true, \"strategies\": [{\"name\": \"default\"}]}}}");
  vx_werr err;
  json_t *seg = J("{\"id\": \"1\", \"name\": \"beta\", \"constraints\": []}");
  CU_ASSERT_EQUAL(
      vx_service_put_segment(svc, &alice, seg, false, -1, NULL, NULL, &err), 0);
  json_decref(seg);
  CU_ASSERT_EQUAL(vx_service_put_environment(svc, &alice, "staging", &err), 0);
  json_t *tok = NULL;
  CU_ASSERT_EQUAL(vx_service_create_token(svc, &alice, "web", VX_ROLE_CLIENT,
                                          "production", &tok, &err),
                  0);
  client_token = json_integer_value(json_object_get(tok, "id"));
  json_decref(tok);
  CU_ASSERT_TRUE(health().writable);
  CU_ASSERT_STRING_EQUAL(health().journal_mode, "wal");
  CU_ASSERT_STRING_EQUAL(health().synchronous, "full");
}

/* Each kind of write; returns its rc, err filled. */
static int write_kind(int kind, vx_werr *err) {
  memset(err, 0, sizeof *err);
  json_t *doc = NULL, *out = NULL;
  int rc = 0;
  switch (kind) {
  case 0:
    return put("{\"key\": \"new\"}", err);
  case 1:
    return put("{\"key\": \"a\", \"description\": \"changed\"}", err);
  case 2: {
    json_t *log = vx_service_audit(svc, "a", 0, 1);
    int64_t id =
        json_integer_value(json_object_get(json_array_get(log, 0), "id"));
    json_decref(log);
    return vx_service_revert(svc, &alice, id, -1, NULL, err);
  }
  case 3:
    doc = J("{\"id\": \"2\", \"name\": \"more\", \"constraints\": []}");
    rc = vx_service_put_segment(svc, &alice, doc, false, -1, NULL, NULL, err);
    break;
  case 4:
    doc = J("{\"id\": \"1\", \"name\": \"renamed\", \"constraints\": []}");
    rc = vx_service_put_segment(svc, &alice, doc, false, -1, NULL, NULL, err);
    break;
  case 5:
    return vx_service_delete_segment(svc, &alice, "1", -1, err);
  case 6:
    return vx_service_put_environment(svc, &alice, "qa", err);
  case 7:
    return vx_service_delete_environment(svc, &alice, "staging", err);
  case 8:
    rc = vx_service_create_token(svc, &alice, "ci", VX_ROLE_ADMIN, NULL, &out,
                                 err);
    break;
  case 9:
    return vx_service_revoke_token(svc, &alice, client_token, err);
  case 10:
    doc = J("{\"version\": 1, \"environments\": [\"production\"], "
            "\"segments\": [], \"flags\": [{\"key\": \"imported\"}]}");
    rc = vx_service_import_native(svc, &alice, doc, VX_MERGE, &out, err);
    break;
  case 11:
    doc = J("{\"version\": 1, \"features\": [{\"name\": \"unleashed\", "
            "\"enabled\": true, \"strategies\": [{\"name\": \"default\"}]}]}");
    rc = vx_service_import_unleash(svc, &alice, doc, "production", VX_MERGE,
                                   &out, err);
    break;
  }
  json_decref(doc);
  json_decref(out);
  return rc;
}
#define N_KINDS 12

/* Every kind of write fails with status and code while the VFS fails
 * with sqlite_rc, and memory does not move. */
static void refuse_every_write(int sqlite_rc, const char *code,
                               const char *says) {
  char *before = memory_text();
  uint64_t revision = vx_service_revision(svc);
  for (int kind = 0; kind < N_KINDS; kind++) {
    vx_werr err;
    vx_fault_vfs_fail(sqlite_rc);
    int rc = write_kind(kind, &err);
    vx_fault_vfs_heal();
    if (rc == 0 || strcmp(err.code, code) != 0)
      fprintf(stderr, "\n  write %d: %d %d %s %s\n", kind, rc, err.status,
              err.code, err.message);
    CU_ASSERT_NOT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(err.status, 503);
    CU_ASSERT_STRING_EQUAL(err.code, code);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, says));
    char *now = memory_text();
    CU_ASSERT_STRING_EQUAL(now, before);
    free(now);
  }
  CU_ASSERT_EQUAL(vx_service_revision(svc), revision);
  CU_ASSERT_TRUE(served_enabled("a")); /* evaluation serves on */
  vx_store_health h = health();
  CU_ASSERT_FALSE(h.writable);
  CU_ASSERT_STRING_EQUAL(h.code ? h.code : "", code);
  CU_ASSERT_PTR_NOT_NULL(strstr(h.error, says));
  CU_ASSERT_TRUE(h.since_ms > 0);
  char line[128];
  snprintf(line, sizeof line, "a write failed (%s)", code);
  CU_ASSERT_PTR_NOT_NULL(strstr(logged, line));
  /* The store holds what memory holds. */
  vx_service_close(svc);
  open_service();
  char *after = memory_text();
  CU_ASSERT_STRING_EQUAL(after, before);
  free(after);
  free(before);
}

static void
test_full_disk_refuses_every_kind_of_write_and_changes_nothing(void) {
  refuse_every_write(SQLITE_FULL, "STORE_FULL", "full");
}

static void test_read_only_and_io_errors_have_their_own_codes(void) {
  refuse_every_write(SQLITE_READONLY, "STORE_READ_ONLY", "readonly");
  refuse_every_write(SQLITE_IOERR_WRITE, "STORE_UNAVAILABLE", "I/O error");
}

static void test_a_write_that_commits_makes_the_store_writable_again(void) {
  vx_werr err;
  vx_fault_vfs_fail(SQLITE_FULL);
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"b\"}", &err), 0);
  vx_fault_vfs_heal();
  vx_store_health h = health();
  CU_ASSERT_FALSE(h.writable);
  CU_ASSERT_TRUE(h.write_failures[0] > 0);
  put_ok("{\"key\": \"b\"}");
  h = health();
  CU_ASSERT_TRUE(h.writable);
  CU_ASSERT_PTR_NULL(h.code);
  CU_ASSERT_TRUE(served("b"));
}

static void test_probe_finds_the_store_writable_again_without_a_write(void) {
  vx_werr err;
  vx_fault_vfs_fail(SQLITE_FULL);
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"c\"}", &err), 0);
  vx_service_converge(svc); /* still full */
  vx_store_health h = health();
  CU_ASSERT_FALSE(h.writable);
  int64_t since = h.since_ms;
  vx_fault_vfs_heal();
  uint64_t revision = vx_service_revision(svc);
  vx_service_converge(svc);
  h = health();
  CU_ASSERT_TRUE(h.writable);
  CU_ASSERT_TRUE(since > 0);
  CU_ASSERT_EQUAL(vx_service_revision(svc), revision); /* nothing changed */
  json_t *c = vx_service_get_flag(svc, "c");
  CU_ASSERT_PTR_NULL(c);
  json_decref(c);
}

/* ---- a publish fails after COMMIT -------------------------------------- */

#define FLAKY_ON                                                               \
  "{\"key\": \"flaky\", \"environments\": {\"production\": {\"enabled\": "     \
  "true, \"strategies\": [{\"name\": \"fixtureFlaky\"}]}}}"
#define FLAKY_OFF                                                              \
  "{\"key\": \"flaky\", \"environments\": {\"production\": {\"enabled\": "     \
  "false, \"strategies\": [{\"name\": \"fixtureFlaky\"}]}}}"

static void expect_not_published(const char *doc) {
  vx_werr err;
  CU_ASSERT_NOT_EQUAL(put(doc, &err), 0);
  CU_ASSERT_EQUAL(err.status, 503);
  CU_ASSERT_STRING_EQUAL(err.code, "STORED_NOT_PUBLISHED");
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "stored but not served"));
  /* fixtureFlaky's compile says VX_ENOMEM */
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "flag flaky in production"));
}

static void test_write_not_published_is_not_acknowledged_and_converges(void) {
  unlink(flaky_file);
  put_ok(FLAKY_ON);
  CU_ASSERT_TRUE(served_enabled("flaky"));
  uint64_t served_before = vx_service_revision(svc);
  arm_flaky("1"); /* validation compiles, the snapshot's compile fails */
  logged[0] = '\0';
  expect_not_published(FLAKY_OFF);
  CU_ASSERT_PTR_NOT_NULL(strstr(logged, "is committed but not published"));
  vx_store_health h = health();
  CU_ASSERT_TRUE(h.pending);
  CU_ASSERT_EQUAL(h.pending_revision, served_before + 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(h.pending_error, "out of memory"));
  CU_ASSERT_TRUE(h.publish_failures > 0);
  CU_ASSERT_TRUE(h.writable); /* the store took it */
  /* Durable, and memory follows the store; the snapshot does not. */
  json_t *f = vx_service_get_flag(svc, "flaky");
  CU_ASSERT_TRUE(json_is_false(json_object_get(
      json_object_get(json_object_get(f, "environments"), "production"),
      "enabled")));
  json_decref(f);
  CU_ASSERT_EQUAL(vx_service_revision(svc), served_before);
  CU_ASSERT_TRUE(served_enabled("flaky"));

  vx_service_converge(svc); /* still refused */
  CU_ASSERT_TRUE(health().pending);
  last_keys[0] = '\0';
  unlink(flaky_file);
  vx_service_converge(svc);
  h = health();
  CU_ASSERT_FALSE(h.pending);
  CU_ASSERT_PTR_NOT_NULL(strstr(logged, "is published"));
  CU_ASSERT_EQUAL(vx_service_revision(svc), served_before + 1);
  CU_ASSERT_FALSE(served_enabled("flaky"));
  CU_ASSERT_PTR_NOT_NULL(strstr(last_keys, "\"flaky\""));
}

static void test_next_write_publishes_what_was_not_published(void) {
  arm_flaky("1");
  expect_not_published(FLAKY_ON);
  unlink(flaky_file);
  last_keys[0] = '\0';
  put_ok("{\"key\": \"other\"}");
  CU_ASSERT_FALSE(health().pending);
  CU_ASSERT_TRUE(served_enabled("flaky"));
  CU_ASSERT_TRUE(served("other"));
  CU_ASSERT_PTR_NOT_NULL(strstr(last_keys, "\"flaky\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(last_keys, "\"other\""));
}

static void
test_write_changing_nothing_is_not_acknowledged_while_unserved(void) {
  arm_flaky("1");
  expect_not_published(FLAKY_OFF);
  vx_werr err;
  CU_ASSERT_NOT_EQUAL(put(FLAKY_OFF, &err), 0); /* the same: a no-op */
  CU_ASSERT_STRING_EQUAL(err.code, "STORED_NOT_PUBLISHED");
  unlink(flaky_file);
  CU_ASSERT_EQUAL(put(FLAKY_OFF, &err), 0); /* publishes it first */
  CU_ASSERT_FALSE(health().pending);
  CU_ASSERT_FALSE(served_enabled("flaky"));
}

/* Memory that could not follow a commit (out of memory while staging) is
 * reloaded from the store before anything else is written. */
static void test_memory_behind_the_store_is_reloaded_before_writes(void) {
  vx_werr err;
  uint64_t revision;
  pthread_mutex_lock(&svc->lock);
  int rc = vx_begin_locked(svc, &revision, &err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_EQUAL(vx_store_put_environment(svc->store, "lost"), 0);
  CU_ASSERT_EQUAL(vx_commit_locked(svc, 0, &err), 0);
  /* The staging failed: memory does not have "lost". */
  rc = vx_service_published_locked(svc, revision, VX_ENOMEM, NULL, NULL, true,
                                   &err);
  pthread_mutex_unlock(&svc->lock);
  CU_ASSERT_EQUAL(err.status, 503);
  CU_ASSERT_STRING_EQUAL(err.code, "STORED_NOT_PUBLISHED");
  CU_ASSERT_TRUE(health().pending);
  CU_ASSERT_EQUAL(vx_service_put_environment(svc, &alice, "later", &err),
                  VX_EIO);
  CU_ASSERT_STRING_EQUAL(err.code, "STORED_NOT_PUBLISHED");
  char *mem = memory_text();
  CU_ASSERT_PTR_NULL(strstr(mem, "\"lost\""));
  free(mem);

  vx_service_converge(svc);
  CU_ASSERT_FALSE(health().pending);
  CU_ASSERT_EQUAL(vx_service_revision(svc), revision);
  mem = memory_text();
  CU_ASSERT_PTR_NOT_NULL(strstr(mem, "\"lost\""));
  CU_ASSERT_EQUAL(vx_service_put_environment(svc, &alice, "later", &err), 0);
  vx_service_close(svc);
  open_service();
  char *back = memory_text();
  CU_ASSERT_PTR_NOT_NULL(strstr(back, "\"later\""));
  free(back);
  free(mem);
}

/* A store that was read-only and changed behind the daemon's back is
 * loaded again once it can be written. */
static void test_database_changed_while_read_only_is_loaded_again(void) {
  vx_service_store_unwritable(svc, VX_STORE_FAULT_READ_ONLY, "read-only");
  svc->store->read_only = true; /* as when opened read-only */
  db_exec(cfg.database,
          "INSERT INTO environments (name, position, created_at) VALUES "
          "('outside', 99, 0); UPDATE meta SET value = value + 1 WHERE key = "
          "'revision'");
  uint64_t revision = vx_service_revision(svc);
  vx_service_converge(svc); /* reopened: it changed */
  vx_werr err;
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"e\"}", &err), 0);
  CU_ASSERT_STRING_EQUAL(err.code, "STORED_NOT_PUBLISHED");
  vx_service_converge(svc); /* loaded again, published, writable */
  vx_store_health h = health();
  CU_ASSERT_TRUE(h.writable);
  CU_ASSERT_FALSE(h.pending);
  CU_ASSERT_EQUAL(vx_service_revision(svc), revision + 1);
  char *mem = memory_text();
  CU_ASSERT_PTR_NOT_NULL(strstr(mem, "\"outside\""));
  free(mem);
  put_ok("{\"key\": \"e\"}");
}

/* ---- a damaged store at start ------------------------------------------ */

static void test_store_damaged_at_start_serves_and_refuses_writes(void) {
  /* Enough audit pages, then the first leaf of the audit log is broken:
   * a start does not read it. */
  for (int i = 0; i < 30; i++) {
    char doc[2200];
    snprintf(doc, sizeof doc,
             "{\"key\": \"bulk-%d\", \"description\": \"%0*d\"}", i, 2000, i);
    put_ok(doc);
  }
  vx_service_close(svc);
  svc = NULL;
  db_damage_leaf(cfg.database, "audit", false);

  open_service();
  vx_store_health h = health();
  CU_ASSERT_FALSE(h.writable);
  CU_ASSERT_STRING_EQUAL(h.code ? h.code : "", "STORE_CORRUPT");
  CU_ASSERT_PTR_NOT_NULL(strstr(h.error, "quick_check"));
  CU_ASSERT_TRUE(served_enabled("a"));
  CU_ASSERT_TRUE(served("bulk-29"));
  vx_werr err;
  CU_ASSERT_NOT_EQUAL(put("{\"key\": \"d\"}", &err), 0);
  CU_ASSERT_EQUAL(err.status, 503);
  CU_ASSERT_STRING_EQUAL(err.code, "STORE_CORRUPT");
  vx_service_converge(svc); /* the probe leaves a damaged store alone */
  CU_ASSERT_STRING_EQUAL(health().code ? health().code : "", "STORE_CORRUPT");
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_setup),
      VX_TEST(test_full_disk_refuses_every_kind_of_write_and_changes_nothing),
      VX_TEST(test_read_only_and_io_errors_have_their_own_codes),
      VX_TEST(test_a_write_that_commits_makes_the_store_writable_again),
      VX_TEST(test_probe_finds_the_store_writable_again_without_a_write),
      VX_TEST(test_write_not_published_is_not_acknowledged_and_converges),
      VX_TEST(test_next_write_publishes_what_was_not_published),
      VX_TEST(test_write_changing_nothing_is_not_acknowledged_while_unserved),
      VX_TEST(test_memory_behind_the_store_is_reloaded_before_writes),
      VX_TEST(test_database_changed_while_read_only_is_loaded_again),
      VX_TEST(test_store_damaged_at_start_serves_and_refuses_writes),
      {NULL, NULL},
  };
  return vx_test_main("service_health", tests, suite_init, suite_clean);
}
