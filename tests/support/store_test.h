/*
 * store_test.h - helpers of the tests that work on SQLite files
 * (tests/daemon/test_store.c, test_store_open.c, test_service_health.c,
 * tests/http/test_store_start.c): a temporary folder, the store opened,
 * loaded and committed with assertions, SQL run on a file behind the
 * store's back, and a page damaged on purpose. Failures are CUnit
 * assertions; the fatal ones end the test.
 */
#ifndef VX_STORE_TEST_H
#define VX_STORE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A new folder "$TMPDIR/<prefix>-XXXXXX" (TMPDIR defaults to /tmp) into
 * dir. 0 or -1. */
int db_tmpdir_make(char *dir, size_t len, const char *prefix);
/* Removes dir and everything in it. 0 or -1. */
int db_tmpdir_remove(const char *dir);

/* vx_store_open, asserted (fatal) to succeed. */
vx_store *db_open_ok(const char *path);
/* vx_store_load of everything, asserted (fatal). */
void db_load_ok(vx_store *st, vx_store_data *d);
/* vx_store_commit, asserted (fatal). */
void db_commit_ok(vx_store *st);

/* Runs sql on the file with a connection of its own, as another program
 * would (asserted to succeed). */
void db_exec(const char *path, const char *sql);
/* The first column of the first row of sql on the file, or -1. */
int64_t db_int(const char *path, const char *sql);

/* Overwrites the header of a leaf page of table's b-tree in a closed
 * database: the first one in key order, or the last (where the next row
 * goes). What a start does not read, quick_check finds. */
void db_damage_leaf(const char *path, const char *table, bool last);

#endif
