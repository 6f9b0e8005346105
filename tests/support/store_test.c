/*
 * store_test.c - see store_test.h.
 */
#include "store_test.h"

#include <CUnit/CUnit.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int db_tmpdir_make(char *dir, size_t len, const char *prefix) {
  const char *base = getenv("TMPDIR");
  snprintf(dir, len, "%s/%s-XXXXXX",
           base != NULL && *base != '\0' ? base : "/tmp", prefix);
  return mkdtemp(dir) != NULL ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

int db_tmpdir_remove(const char *dir) {
  return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

vx_store *db_open_ok(const char *path) {
  vx_store *st = NULL;
  char err[512] = "";
  int rc = vx_store_open(path, &st, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "open %s: %d %s\n", path, rc, err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  return st;
}

void db_load_ok(vx_store *st, vx_store_data *d) {
  char err[512] = "";
  int rc = vx_store_load(st, d, NULL, NULL, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "load: %d %s\n", rc, err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

void db_commit_ok(vx_store *st) {
  char err[512] = "";
  int rc = vx_store_commit(st, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "commit: %d %s\n", rc, err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

void db_exec(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    fprintf(stderr, "%s: %s\n", sql, msg);
  sqlite3_free(msg);
  sqlite3_close(db);
  CU_ASSERT_EQUAL_FATAL(rc, SQLITE_OK);
}

int64_t db_int(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
  int64_t v = -1;
  if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  CU_ASSERT_EQUAL(rc, SQLITE_OK);
  return v;
}

void db_damage_leaf(const char *path, const char *table, bool last) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT pageno FROM dbstat WHERE name = '%s' AND pagetype = "
           "'leaf' ORDER BY path %s LIMIT 1",
           table, last ? "DESC" : "ASC");
  int64_t page = db_int(path, sql);
  int64_t size = db_int(path, "PRAGMA page_size");
  CU_ASSERT_FATAL(page > 1 && size > 0);
  FILE *f = fopen(path, "r+b");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  static const unsigned char junk[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff};
  CU_ASSERT_EQUAL(fseek(f, (long)((page - 1) * size), SEEK_SET), 0);
  CU_ASSERT_EQUAL(fwrite(junk, 1, sizeof junk, f), sizeof junk);
  fclose(f);
}
