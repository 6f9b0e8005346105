/*
 * store_schema.c - the schema of the SQLite store as an ordered list of
 * migrations. Migration i takes PRAGMA user_version from i to i + 1 in one
 * transaction. Never edit a released migration: append a new one.
 *
 * Tables are STRICT (SQLite >= 3.37) so that a wrong type is an error, not
 * a silent conversion. Documents that the issue allows to stay JSON (a
 * flag's per-environment state, a segment's constraints, audit before and
 * after) are TEXT checked with json_valid().
 */
#include "store_schema.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vexil/error.h>

static const char *const migrations[] = {
    /* 1: the first schema. */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value ANY"
    ") STRICT;"
    "INSERT INTO meta (key, value) VALUES ('revision', 0);"

    "CREATE TABLE environments ("
    "  name TEXT PRIMARY KEY CHECK (length(name) > 0),"
    "  position INTEGER NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE flags ("
    "  key TEXT PRIMARY KEY CHECK (length(key) > 0),"
    "  description TEXT NOT NULL DEFAULT '',"
    "  type TEXT NOT NULL,"
    "  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  revision INTEGER NOT NULL"
    ") STRICT;"

    /* {"enabled", "strategies", "variants", "dependencies"} */
    "CREATE TABLE flag_states ("
    "  flag TEXT NOT NULL REFERENCES flags (key) ON DELETE CASCADE,"
    "  environment TEXT NOT NULL"
    "    REFERENCES environments (name) ON DELETE CASCADE,"
    "  state TEXT NOT NULL CHECK (json_valid(state)),"
    "  PRIMARY KEY (flag, environment)"
    ") STRICT, WITHOUT ROWID;"
    /* Deleting an environment cascades through this index, not a scan. */
    "CREATE INDEX flag_states_environment ON flag_states (environment);"

    "CREATE TABLE segments ("
    "  id TEXT PRIMARY KEY CHECK (length(id) > 0),"
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  constraints TEXT NOT NULL CHECK (json_valid(constraints))"
    ") STRICT;"

    /* Only the SHA-256 of a secret is kept, lower-case hex. Revoked tokens
     * stay (the audit log names them), so no foreign key on environment. */
    "CREATE TABLE tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'client')),"
    "  environment TEXT CHECK (role = 'admin' OR environment IS NOT NULL),"
    "  hash TEXT NOT NULL UNIQUE"
    "    CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),"
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ") STRICT;"

    /* flag is not a foreign key: the history outlives a deleted flag. */
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  revision INTEGER NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  flag TEXT,"
    "  before_doc TEXT CHECK (before_doc IS NULL OR json_valid(before_doc)),"
    "  after_doc TEXT CHECK (after_doc IS NULL OR json_valid(after_doc))"
    ") STRICT;"
    "CREATE INDEX audit_flag ON audit (flag, id);"

    "PRAGMA application_id = 1448626508;", /* VX_STORE_APPLICATION_ID */

    /* 2: segments carry the revision of their last change, so that a
     * write can say which one it was based on (409 when stale). */
    "ALTER TABLE segments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;",

    /* 3: when each token was last used (ms since the epoch; NULL: never
     * since this column exists). Written at most once a minute per token,
     * by the daemon's housekeeping, never on a request. */
    "ALTER TABLE tokens ADD COLUMN last_used INTEGER;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

_Static_assert(VX_STORE_APPLICATION_ID == 1448626508,
               "migration 1 and vx_store_schema_adopt write the application "
               "id as a literal");

int vx_store_schema_version(void) {
  return N_MIGRATIONS;
}

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen) {
  snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
  return (sqlite3_errcode(db) & 0xff) == SQLITE_NOMEM ? VX_ENOMEM : VX_EIO;
}

/* The first column of the first row of sql, as an integer. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out, char *err,
                     size_t errlen) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int64(s, 0);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      *out = 0;
      rc = SQLITE_OK;
    }
  }
  int ret = rc == SQLITE_OK ? 0 : sql_fail(db, sql, err, errlen);
  sqlite3_finalize(s);
  return ret;
}

/* The tables of every Vexil schema: a database holding them all is
 * Vexil's, whatever its application_id says. */
static const char *const vexil_tables[] = {
    "meta",     "environments", "flags", "flag_states",
    "segments", "tokens",       "audit"};

/* Into names: up to a few of the database's tables, comma-separated;
 * *n: how many there are, *vexil: whether Vexil's are all there. */
static int list_tables(sqlite3 *db, char *names, size_t len, int64_t *n,
                       bool *vexil, char *err, size_t errlen) {
  sqlite3_stmt *s = NULL;
  static const char sql[] = "SELECT name FROM sqlite_schema WHERE type = "
                            "'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1";
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
  size_t found = 0, used = 0;
  *n = 0;
  names[0] = '\0';
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(s, 0);
    name = name ? name : "";
    for (size_t i = 0; i < sizeof vexil_tables / sizeof *vexil_tables; i++)
      found += strcmp(name, vexil_tables[i]) == 0;
    if (++*n <= 5 && used + 1 < len)
      used += (size_t)snprintf(names + used, len - used, "%s%s",
                               used ? ", " : "", name);
    rc = SQLITE_OK;
  }
  int ret = rc == SQLITE_DONE ? 0 : sql_fail(db, sql, err, errlen);
  sqlite3_finalize(s);
  *vexil = found == sizeof vexil_tables / sizeof *vexil_tables;
  return ret;
}

static int check_owner(sqlite3 *db, int64_t version, bool *adopt, char *err,
                       size_t errlen) {
  int64_t app_id, n;
  char names[160];
  bool vexil;
  *adopt = false;
  int rc = query_int(db, "PRAGMA application_id", &app_id, err, errlen);
  if (rc == 0)
    rc = list_tables(db, names, sizeof names, &n, &vexil, err, errlen);
  if (rc != 0)
    return rc;
  if (app_id == VX_STORE_APPLICATION_ID)
    return 0;
  if (app_id == 0 && vexil && version >= 1) {
    *adopt = true; /* made before Vexil set its application_id */
    return 0;
  }
  if (app_id != 0)
    snprintf(err, errlen,
             "it is the SQLite database of another application "
             "(application_id 0x%08" PRIx64 ", not Vexil's 0x%08x; %" PRId64
             " tables%s%s%s)",
             (uint64_t)(uint32_t)app_id, VX_STORE_APPLICATION_ID, n,
             n ? ": " : "", names, n > 5 ? ", ..." : "");
  else if (n == 0)
    snprintf(err, errlen,
             "it is an SQLite database without any table, not a Vexil "
             "database: remove it and vexild creates a new one");
  else
    snprintf(err, errlen,
             "it is an SQLite database without Vexil's schema (%" PRId64
             " tables: %s%s)",
             n, names, n > 5 ? ", ..." : "");
  return VX_EUNSUPPORTED;
}

static int too_new(int64_t version, char *err, size_t errlen) {
  snprintf(err, errlen,
           "database schema version %" PRId64
           " is newer than this vexild knows (version %d): use a newer "
           "vexild",
           version, N_MIGRATIONS);
  return VX_EUNSUPPORTED;
}

/* Applies the next migration, if any, in one transaction. *done: none
 * was left. The version is read again inside the transaction: another
 * process may have migrated in the meantime. */
static int migrate_one(sqlite3 *db, bool *done, char *err, size_t errlen) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail(db, "BEGIN IMMEDIATE", err, errlen);
  int64_t v;
  int rc = query_int(db, "PRAGMA user_version", &v, err, errlen);
  if (rc == 0 && v > N_MIGRATIONS)
    rc = too_new(v, err, errlen);
  *done = rc == 0 && v == N_MIGRATIONS;
  if (rc == 0 && !*done) {
    char what[64], pragma[64];
    snprintf(what, sizeof what, "migration to schema version %" PRId64, v + 1);
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %" PRId64, v + 1);
    if (sqlite3_exec(db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
      rc = sql_fail(db, what, err, errlen);
    else if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
      rc = sql_fail(db, "COMMIT", err, errlen);
    else
      return 0;
  }
  if (!sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

int vx_store_schema_check(sqlite3 *db, int64_t *version, bool *adopt, char *err,
                          size_t errlen) {
  *adopt = false;
  int rc = query_int(db, "PRAGMA user_version", version, err, errlen);
  if (rc == 0)
    rc = check_owner(db, *version, adopt, err, errlen);
  if (rc == 0 && *version > N_MIGRATIONS)
    rc = too_new(*version, err, errlen);
  return rc;
}

int vx_store_schema_adopt(sqlite3 *db, char *err, size_t errlen) {
  static const char sql[] = "PRAGMA application_id = 1448626508";
  return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK
             ? 0
             : sql_fail(db, sql, err, errlen);
}

int vx_store_schema_migrate(sqlite3 *db, char *err, size_t errlen) {
  int rc = 0;
  for (bool done = false; rc == 0 && !done;)
    rc = migrate_one(db, &done, err, errlen);
  return rc;
}
