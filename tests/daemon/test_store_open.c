/*
 * Opening the SQLite store (daemon/store_open.c, store_schema.c): a new
 * database is made whole before it appears, migrations, what is refused
 * and left untouched (an empty file, a file that is not SQLite, another
 * application's database), the connection's durability settings;
 * storage faults told apart (store.c), quick_check, and the probe. The
 * faults come from tests/support/fault_vfs.c, installed as SQLite's
 * default VFS before any database is opened.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vexil/error.h>

#include "fault_vfs.h"
#include "store.h"
#include "store_internal.h" /* white-box: st->db */
#include "store_schema.h"
#include "store_test.h"
#include "vx_test.h"

static char tmpdir[512];

static int suite_init(void) {
  return db_tmpdir_make(tmpdir, sizeof tmpdir, "vx-store-open") == 0 &&
                 vx_fault_vfs_install() == SQLITE_OK
             ? 0
             : -1;
}

static int suite_clean(void) {
  return db_tmpdir_remove(tmpdir);
}

static void db_path(char *buf, size_t len, const char *name) {
  snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* A token hash (64 hex digits). */
#define HASH_ROOT                                                              \
  "abababababababababababababababababababababababababababababababab"

/* Opening path fails with rc, and err holds path and every one of the
 * NULL-terminated fragments. */
static void open_refused(const char *path, int rc, const char *const *says) {
  vx_store *st = (vx_store *)1;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_store_open(path, &st, err, sizeof err), rc);
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
  for (; *says != NULL; says++) {
    if (strstr(err, *says) == NULL)
      fprintf(stderr, "\n  \"%s\" is not in: %s\n", *says, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, *says));
  }
}

static void put_env(vx_store *st, const char *name) {
  uint64_t rev;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_put_environment(st, name), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_commit(st, NULL, 0), 0);
}

/* The bytes of a file, malloc'ed; *len its size. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  char *buf = malloc(1 << 20);
  *len = fread(buf, 1, 1 << 20, f);
  fclose(f);
  return buf;
}

static void write_file(const char *path, const void *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fwrite(bytes, 1, len, f), len);
  fclose(f);
}

static bool exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* ---- a new database ---------------------------------------------------- */

static void test_new_database_appears_complete_with_application_id(void) {
  char path[600];
  db_path(path, sizeof path, "open.db");
  vx_store *st = db_open_ok(path);
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  CU_ASSERT_EQUAL(json_array_size(d.environments), 0);
  CU_ASSERT_EQUAL(d.revision, 0);
  vx_store_data_dispose(&d);
  char err[256] = "";
  CU_ASSERT_EQUAL(vx_store_check(st, err, sizeof err), 0);
  vx_store_close(st);

  CU_ASSERT_EQUAL(db_int(path, "PRAGMA user_version"),
                  vx_store_schema_version());
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA application_id"),
                  VX_STORE_APPLICATION_ID);
  /* It was built under another name: nothing of that is left. */
  DIR *dir = opendir(tmpdir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (strncmp(e->d_name, "open.db", 7) == 0)
      CU_ASSERT_STRING_EQUAL(e->d_name, "open.db");
  }
  closedir(dir);

  /* Reopening an up-to-date database migrates nothing and keeps data. */
  st = db_open_ok(path);
  put_env(st, "production");
  vx_store_close(st);
  st = db_open_ok(path);
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_array_size(d.environments), 1);
  vx_store_data_dispose(&d);
  vx_store_close(st);
}

/* What makes a commit survive a power loss, read back from the
 * connection itself, not from the file: synchronous is per connection. */
static void test_connection_runs_wal_and_synchronous_full(void) {
  char path[600];
  db_path(path, sizeof path, "settings.db");
  vx_store *st = db_open_ok(path);
  CU_ASSERT_STRING_EQUAL(vx_store_journal_mode(st), "wal");
  CU_ASSERT_STRING_EQUAL(vx_store_synchronous(st), "full");
  CU_ASSERT_FALSE(vx_store_read_only(st));
  sqlite3_stmt *s;
  CU_ASSERT_EQUAL_FATAL(
      sqlite3_prepare_v2(st->db, "PRAGMA synchronous", -1, &s, NULL),
      SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_ROW);
  CU_ASSERT_EQUAL(sqlite3_column_int(s, 0), 2); /* FULL */
  sqlite3_finalize(s);
  vx_store_close(st);
}

static void test_open_missing_folder(void) {
  char path[600];
  db_path(path, sizeof path, "no/such/folder/x.db");
  vx_store *st = (vx_store *)1;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_store_open(path, &st, err, sizeof err), VX_EIO);
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "unable to open"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
}

/* A database of schema version 1 (before segments had a revision) is
 * migrated on open, and keeps its segments, at revision 0. */
static void test_version_1_database_is_migrated_and_keeps_its_segments(void) {
  char path[600];
  db_path(path, sizeof path, "v1.db");
  vx_store *st = db_open_ok(path);
  vx_store_close(st);
  db_exec(path, "ALTER TABLE segments DROP COLUMN revision;"
                "ALTER TABLE tokens DROP COLUMN last_used;"
                "INSERT INTO segments (id, name, description, constraints) "
                "VALUES ('7', 'old', '', '[]');"
                "PRAGMA user_version = 1;");
  st = db_open_ok(path);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA user_version"),
                  vx_store_schema_version());
  vx_store_data d;
  db_load_ok(st, &d);
  json_t *seg = json_object_get(d.segments, "7");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(seg, "name")),
                         "old");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(seg, "revision")), 0);
  vx_store_data_dispose(&d);
  vx_store_close(st);
}

/* A database of schema version 2 (before tokens had a last use) is
 * migrated on open: its tokens are kept, never used so far. */
static void test_version_2_database_is_migrated_and_keeps_its_tokens(void) {
  char path[600];
  db_path(path, sizeof path, "v2.db");
  vx_store *st = db_open_ok(path);
  vx_store_close(st);
  db_exec(path, "ALTER TABLE tokens DROP COLUMN last_used;"
                "INSERT INTO tokens (name, role, hash, created_at) "
                "VALUES ('root', 'admin', '" HASH_ROOT "', 5);"
                "PRAGMA user_version = 2;");
  st = db_open_ok(path);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA user_version"), 3);
  CU_ASSERT_EQUAL(vx_store_schema_version(), 3);
  json_t *tokens = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_store_list_tokens(st, &tokens), 0);
  json_t *want = json_loads("[{\"id\": 1, \"name\": \"root\", \"role\": "
                            "\"admin\", \"environment\": null, \"created_at\": "
                            "5, \"revoked_at\": null, \"last_used\": null, "
                            "\"hash\": \"" HASH_ROOT "\"}]",
                            0, NULL);
  CU_ASSERT_TRUE(json_equal(tokens, want));
  json_decref(want);
  json_decref(tokens);
  vx_store_close(st);
}

/* A Vexil database made before the application_id was set is known by
 * its tables, and given the id. */
static void test_vexil_database_without_application_id_is_given_it(void) {
  char path[600];
  db_path(path, sizeof path, "no-app-id.db");
  vx_store *st = db_open_ok(path);
  put_env(st, "production");
  vx_store_close(st);
  db_exec(path, "PRAGMA application_id = 0");
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA application_id"), 0);
  st = db_open_ok(path);
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_array_size(d.environments), 1);
  vx_store_data_dispose(&d);
  vx_store_close(st);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA application_id"),
                  VX_STORE_APPLICATION_ID);
}

/* ---- refused, and left as they were ------------------------------------ */

static void test_empty_file_is_refused_not_taken_for_a_new_store(void) {
  char path[600], wal[640];
  db_path(path, sizeof path, "empty.db");
  write_file(path, "", 0);
  static const char *const says[] = {"empty file (0 bytes)",
                                     "not a Vexil database", NULL};
  open_refused(path, VX_EUNSUPPORTED, says);
  struct stat sb;
  CU_ASSERT_EQUAL(stat(path, &sb), 0);
  CU_ASSERT_EQUAL(sb.st_size, 0);
  snprintf(wal, sizeof wal, "%s-wal", path);
  CU_ASSERT_FALSE(exists(wal));
}

static void test_file_that_is_not_sqlite_is_refused_untouched(void) {
  char path[600];
  db_path(path, sizeof path, "garbage.db");
  char junk[8192];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (char)("this is not a database, only text\n"[i % 34]);
  write_file(path, junk, sizeof junk);
  static const char *const says[] = {"not an SQLite database", "8192 bytes",
                                     "this is not a da", NULL};
  open_refused(path, VX_EUNSUPPORTED, says);
  size_t len;
  char *back = slurp(path, &len);
  CU_ASSERT_EQUAL(len, sizeof junk);
  CU_ASSERT_EQUAL(memcmp(back, junk, sizeof junk), 0);
  free(back);
}

static void test_database_of_another_application_is_refused(void) {
  char path[600];
  db_path(path, sizeof path, "other-app.db");
  db_exec(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY);"
                "PRAGMA application_id = 1234");
  static const char *const says[] = {
      "another application", "application_id 0x000004d2", "invoices", NULL};
  open_refused(path, VX_EUNSUPPORTED, says);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA application_id"), 1234);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA user_version"), 0);
}

static void test_sqlite_database_without_vexil_schema_is_refused(void) {
  char path[600];
  db_path(path, sizeof path, "foreign.db");
  db_exec(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY);"
                "CREATE TABLE flags (key TEXT)");
  static const char *const says[] = {"without Vexil's schema",
                                     "2 tables: flags, invoices", NULL};
  open_refused(path, VX_EUNSUPPORTED, says);
  CU_ASSERT_EQUAL(db_int(path, "SELECT count(*) FROM sqlite_schema"), 2);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA user_version"), 0);

  /* One with no table at all is not an empty Vexil store either. */
  db_path(path, sizeof path, "no-tables.db");
  db_exec(path, "PRAGMA user_version = 0; VACUUM");
  CU_ASSERT_TRUE(exists(path));
  static const char *const none[] = {"without any table", NULL};
  open_refused(path, VX_EUNSUPPORTED, none);
}

static void test_refuses_newer_version(void) {
  char path[600], sql[64], newer[16], ours[16];
  db_path(path, sizeof path, "newer.db");
  vx_store_close(db_open_ok(path));
  int version = vx_store_schema_version() + 5;
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
  db_exec(path, sql);
  snprintf(newer, sizeof newer, "%d", version);
  snprintf(ours, sizeof ours, "version %d", vx_store_schema_version());
  const char *const says[] = {newer, ours, NULL};
  open_refused(path, VX_EUNSUPPORTED, says);
  CU_ASSERT_EQUAL(db_int(path, "PRAGMA user_version"), version);
  /* Refusing it without a NULL err does not crash either. */
  vx_store *st;
  CU_ASSERT_EQUAL(vx_store_open(path, &st, NULL, 0), VX_EUNSUPPORTED);
}

/* A write-ahead log without its database would be replayed into a new
 * one: refused. */
static void test_missing_database_with_its_wal_is_refused(void) {
  char path[600], wal[640];
  db_path(path, sizeof path, "lost.db");
  snprintf(wal, sizeof wal, "%s-wal", path);
  write_file(wal, "frames", 6);
  static const char *const says[] = {"write-ahead log", NULL};
  open_refused(path, VX_EUNSUPPORTED, says);
  CU_ASSERT_FALSE(exists(path));
}

/* ---- faults, quick_check, probe ---------------------------------------- */

/* A commit under an injected failure: its fault, and nothing kept. */
static void expect_commit_fault(vx_store *st, int sqlite_rc,
                                vx_store_fault want, const char *says) {
  uint64_t rev;
  char err[512] = "";
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_put_environment(st, "never"), 0);
  vx_fault_vfs_fail(sqlite_rc);
  CU_ASSERT_EQUAL(vx_store_commit(st, err, sizeof err), VX_EIO);
  vx_fault_vfs_heal();
  CU_ASSERT_EQUAL(vx_store_last_fault(st), want);
  if (strstr(err, says) == NULL)
    fprintf(stderr, "\n  \"%s\" is not in: %s\n", says, err);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, says));
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_array_size(d.environments), 1);
  vx_store_data_dispose(&d);
}

static void test_storage_failures_are_told_apart(void) {
  char path[600];
  db_path(path, sizeof path, "faults.db");
  vx_store *st = db_open_ok(path);
  put_env(st, "production");
  unsigned long before = vx_fault_vfs_failures();
  expect_commit_fault(st, SQLITE_FULL, VX_STORE_FAULT_FULL, "full");
  expect_commit_fault(st, SQLITE_READONLY, VX_STORE_FAULT_READ_ONLY,
                      "readonly");
  /* Another I/O error, on a file system that is not read-only. */
  expect_commit_fault(st, SQLITE_IOERR_WRITE, VX_STORE_FAULT_UNAVAILABLE,
                      "disk I/O error");
  CU_ASSERT_TRUE(vx_fault_vfs_failures() > before);

  /* A refused statement is no storage fault. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  int64_t id;
  static const char hash[] =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  CU_ASSERT_EQUAL(vx_store_add_token(st, "a", "admin", NULL, hash, 1, &id), 0);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "b", "admin", NULL, hash, 1, &id),
                  VX_EEXIST);
  CU_ASSERT_EQUAL(vx_store_last_fault(st), VX_STORE_FAULT_NONE);
  vx_store_rollback(st);
  vx_store_close(st);
}

/* The probe commits a transaction that changes nothing, and fails with
 * the fault while the storage does. */
static void test_probe_tells_whether_writes_are_taken(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "probe.db");
  vx_store *st = db_open_ok(path);
  put_env(st, "production");
  vx_fault_vfs_fail(SQLITE_FULL);
  CU_ASSERT_EQUAL(vx_store_probe(st, 1, err, sizeof err), VX_EIO);
  CU_ASSERT_EQUAL(vx_store_last_fault(st), VX_STORE_FAULT_FULL);
  vx_fault_vfs_heal();
  CU_ASSERT_EQUAL(vx_store_probe(st, 1, err, sizeof err), 0);
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(d.revision, 1);
  CU_ASSERT_EQUAL(json_array_size(d.environments), 1);
  vx_store_data_dispose(&d);
  /* Not inside a transaction. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_probe(st, 1, err, sizeof err), VX_EINVAL);
  vx_store_rollback(st);
  vx_store_close(st);
}

/* A read-only connection is reopened for writing by the probe, which
 * tells when the file no longer holds the caller's revision. */
static void test_probe_reopens_read_only_and_sees_outside_changes(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "reopen.db");
  vx_store *st = db_open_ok(path);
  put_env(st, "production");
  st->read_only = true; /* as when opened on a read-only file system */
  db_exec(path, "UPDATE meta SET value = value + 1 WHERE key = 'revision'");
  CU_ASSERT_EQUAL(vx_store_probe(st, 1, err, sizeof err), VX_ECONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "changed while it was read-only"));
  CU_ASSERT_FALSE(vx_store_read_only(st));
  CU_ASSERT_STRING_EQUAL(vx_store_journal_mode(st), "wal");
  CU_ASSERT_EQUAL(vx_store_probe(st, 2, err, sizeof err), 0);
  put_env(st, "staging"); /* the new connection writes */
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(d.revision, 3);
  vx_store_data_dispose(&d);
  vx_store_close(st);
}

/* A database whose audit log spans many pages. */
static void with_long_audit(const char *path) {
  vx_store *st = db_open_ok(path);
  put_env(st, "production");
  uint64_t rev;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_bump_revision(st, &rev), 0);
  char text[2000];
  memset(text, 'x', sizeof text - 1);
  text[sizeof text - 1] = '\0';
  json_t *doc = json_pack("{s:s}", "text", text);
  for (int i = 0; i < 60; i++)
    CU_ASSERT_EQUAL(
        vx_store_add_audit(st, rev, i, "t", "test", NULL, NULL, doc, NULL), 0);
  json_decref(doc);
  CU_ASSERT_EQUAL_FATAL(vx_store_commit(st, NULL, 0), 0);
  vx_store_close(st);
}

static void test_quick_check_finds_damage_a_load_does_not_read(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "damaged.db");
  with_long_audit(path);
  db_damage_leaf(path, "audit", false);
  vx_store *st = db_open_ok(path); /* the schema is intact */
  vx_store_data d;
  db_load_ok(st, &d); /* so are the tables a start reads */
  CU_ASSERT_EQUAL(json_array_size(d.environments), 1);
  vx_store_data_dispose(&d);
  CU_ASSERT_EQUAL(vx_store_quick_check(st, err, sizeof err), VX_EIO);
  CU_ASSERT_EQUAL(vx_store_last_fault(st), VX_STORE_FAULT_CORRUPT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "quick_check"));
  vx_store_close(st);

  db_path(path, sizeof path, "sound.db");
  with_long_audit(path);
  st = db_open_ok(path);
  CU_ASSERT_EQUAL(vx_store_quick_check(st, err, sizeof err), 0);
  vx_store_close(st);
}

/* Where the next audit row goes is damaged: every write fails, as
 * damaged storage. */
static void test_write_into_a_damaged_page_is_a_corrupt_fault(void) {
  char path[600];
  db_path(path, sizeof path, "damaged-tail.db");
  with_long_audit(path);
  db_damage_leaf(path, "audit", true);
  vx_store *st = db_open_ok(path);
  uint64_t rev;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(
      vx_store_add_audit(st, rev, 0, "t", "test", NULL, NULL, NULL, NULL),
      VX_EIO);
  CU_ASSERT_EQUAL(vx_store_last_fault(st), VX_STORE_FAULT_CORRUPT);
  vx_store_rollback(st);
  vx_store_close(st);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_new_database_appears_complete_with_application_id),
      VX_TEST(test_connection_runs_wal_and_synchronous_full),
      VX_TEST(test_open_missing_folder),
      VX_TEST(test_version_1_database_is_migrated_and_keeps_its_segments),
      VX_TEST(test_version_2_database_is_migrated_and_keeps_its_tokens),
      VX_TEST(test_vexil_database_without_application_id_is_given_it),
      VX_TEST(test_empty_file_is_refused_not_taken_for_a_new_store),
      VX_TEST(test_file_that_is_not_sqlite_is_refused_untouched),
      VX_TEST(test_database_of_another_application_is_refused),
      VX_TEST(test_sqlite_database_without_vexil_schema_is_refused),
      VX_TEST(test_refuses_newer_version),
      VX_TEST(test_missing_database_with_its_wal_is_refused),
      VX_TEST(test_storage_failures_are_told_apart),
      VX_TEST(test_probe_tells_whether_writes_are_taken),
      VX_TEST(test_probe_reopens_read_only_and_sees_outside_changes),
      VX_TEST(test_quick_check_finds_damage_a_load_does_not_read),
      VX_TEST(test_write_into_a_damaged_page_is_a_corrupt_fault),
      {NULL, NULL},
  };
  return vx_test_main("store_open", tests, suite_init, suite_clean);
}
