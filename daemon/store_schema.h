/*
 * store_schema.h - the SQLite schema and its migrations. Private to the
 * store (store.c); nothing else includes it.
 */
#ifndef VX_STORE_SCHEMA_H
#define VX_STORE_SCHEMA_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PRAGMA application_id of a Vexil database: "VXIL". */
#define VX_STORE_APPLICATION_ID 0x5658494c

/* The newest schema version this build knows (the number of migrations). */
int vx_store_schema_version(void);

/* Reads, changing nothing: refuses (VX_EUNSUPPORTED, err saying what the
 * database is) one of a newer schema version than this build knows, one
 * of another application (a foreign application_id) and one without
 * Vexil's tables. *version: its PRAGMA user_version. *adopt: it is a
 * Vexil database without the application_id (vx_store_schema_adopt
 * gives it). VX_EIO with SQLite's message when it cannot be read. */
int vx_store_schema_check(sqlite3 *db, int64_t *version, bool *adopt, char *err,
                          size_t errlen);

/* Sets PRAGMA application_id to Vexil's. 0 or VX_EIO. */
int vx_store_schema_adopt(sqlite3 *db, char *err, size_t errlen);

/* Brings the database on db up to the newest schema, one transaction per
 * migration, PRAGMA user_version counting them. VX_EIO with SQLite's
 * message when a statement fails (that migration is rolled back). Call
 * after vx_store_schema_check, with foreign keys on and no transaction
 * open. */
int vx_store_schema_migrate(sqlite3 *db, char *err, size_t errlen);

#endif
