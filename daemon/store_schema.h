/*
 * store_schema.h - the SQLite schema and its migrations. Private to the
 * store (store.c); nothing else includes it.
 */
#ifndef VX_STORE_SCHEMA_H
#define VX_STORE_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

/* PRAGMA application_id of a Vexil database: "VXIL". */
#define VX_STORE_APPLICATION_ID 0x5658494c

/* The newest schema version this build knows (the number of migrations). */
int vx_store_schema_version(void);

/* Reads, changing nothing: refuses (VX_EUNSUPPORTED) a database of a newer
 * schema version than this build knows, or one that belongs to another
 * application (a foreign application_id, or tables but no Vexil schema).
 * VX_EIO with SQLite's message when the file is not a database. */
int vx_store_schema_check(sqlite3 *db, char *err, size_t errlen);

/* Brings the database on db up to the newest schema, one transaction per
 * migration, PRAGMA user_version counting them. VX_EIO with SQLite's
 * message when a statement fails (that migration is rolled back). Call
 * after vx_store_schema_check, with foreign keys on and no transaction
 * open. */
int vx_store_schema_migrate(sqlite3 *db, char *err, size_t errlen);

#endif
