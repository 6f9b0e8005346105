/*
 * store.c - the SQLite store (store.h): every SQL statement of Vexil
 * (the schema and its migrations are in store_schema.c), errors,
 * transactions. Opening the file is in store_open.c, the writes in
 * store_write.c, the reads in store_read.c.
 *
 * The connection is opened SQLITE_OPEN_NOMUTEX ("multi-thread" mode): a
 * vx_store is only ever used by one thread at a time (the service's write
 * lock), so SQLite's per-connection mutex would only add cost. Statements
 * are prepared on first use (SQLITE_PREPARE_PERSISTENT), kept in
 * st->stmt[], reset and unbound after every use, finalized at close.
 *
 * JSON is stored compact, object keys in document order (jansson keeps
 * insertion order), so a load gives back what was put, key order
 * included. Write functions refuse to run outside a transaction
 * (VX_EINVAL): a change is all of its rows or none.
 */
#include "store_internal.h"

#include <errno.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <vexil/error.h>

#include "log.h"

#define AUDIT_SELECT                                                           \
  "SELECT id, revision, time, actor, action, flag, before_doc, after_doc "     \
  "FROM audit "

static const char *const sql_text[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_BEGIN_READ] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_REVISION] = "SELECT value FROM meta WHERE key = 'revision'",
    [Q_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = 'revision' "
               "RETURNING value",
    [Q_FLAG_PUT] =
        "INSERT INTO flags (key, description, type, archived, created_at, "
        "updated_at, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (key) DO UPDATE SET description = excluded.description, "
        "type = excluded.type, archived = excluded.archived, "
        "created_at = excluded.created_at, updated_at = excluded.updated_at, "
        "revision = excluded.revision",
    [Q_STATES_CLEAR] = "DELETE FROM flag_states WHERE flag = ?1",
    [Q_STATE_PUT] = "INSERT INTO flag_states (flag, environment, state) "
                    "VALUES (?1, ?2, ?3)",
    [Q_FLAG_DELETE] = "DELETE FROM flags WHERE key = ?1",
    [Q_SEGMENT_PUT] =
        "INSERT INTO segments (id, name, description, constraints, revision) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET "
        "name = excluded.name, description = excluded.description, "
        "constraints = excluded.constraints, revision = excluded.revision",
    [Q_SEGMENT_DELETE] = "DELETE FROM segments WHERE id = ?1",
    /* WHERE true: an upsert on INSERT ... SELECT needs it to parse. */
    [Q_ENV_PUT] = "INSERT INTO environments (name, position, created_at) "
                  "SELECT ?1, coalesce(max(position), 0) + 1, "
                  "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) "
                  "FROM environments WHERE true ON CONFLICT (name) DO NOTHING",
    [Q_ENV_DELETE] = "DELETE FROM environments WHERE name = ?1",
    [Q_TOKEN_ADD] = "INSERT INTO tokens (name, role, environment, hash, "
                    "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = "
                       "coalesce(revoked_at, ?2) WHERE id = ?1",
    /* Only ever forward: a late flush never moves the time back. */
    [Q_TOKEN_USED] = "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND "
                     "(last_used IS NULL OR last_used < ?2)",
    [Q_AUDIT_ADD] = "INSERT INTO audit (revision, time, actor, action, flag, "
                    "before_doc, after_doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                    "?7)",
    [Q_AUDIT_PAGE] = AUDIT_SELECT "WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    [Q_AUDIT_PAGE_FLAG] = AUDIT_SELECT "WHERE flag = ?3 AND id < ?1 "
                                       "ORDER BY id DESC LIMIT ?2",
    [Q_AUDIT_GET] = AUDIT_SELECT "WHERE id = ?1",
    [Q_LOAD_FLAGS] = "SELECT key, description, type, archived, created_at, "
                     "updated_at, revision FROM flags ORDER BY key",
    [Q_LOAD_STATES] = "SELECT s.flag, s.environment, s.state "
                      "FROM flag_states AS s JOIN environments AS e "
                      "ON e.name = s.environment ORDER BY s.flag, e.position",
    [Q_LOAD_SEGMENTS] = "SELECT id, name, description, constraints, revision "
                        "FROM segments ORDER BY id",
    [Q_LOAD_ENVS] = "SELECT name FROM environments ORDER BY position",
    [Q_LOAD_TOKENS] = "SELECT id, name, role, environment, hash, created_at, "
                      "revoked_at, last_used FROM tokens ORDER BY id",
    [Q_INTEGRITY] = "PRAGMA integrity_check",
    [Q_QUICK_CHECK] = "PRAGMA quick_check(20)",
    [Q_FOREIGN_KEYS] = "PRAGMA foreign_key_check",
    [Q_DATA_VERSION] = "PRAGMA data_version",
};

/* ---- errors ------------------------------------------------------------ */

/* What an I/O error's errno says of the storage. */
static vx_store_fault errno_fault(int e) {
  switch (e) {
  case ENOSPC:
  case EDQUOT:
    return VX_STORE_FAULT_FULL;
  case EROFS:
  case EACCES:
  case EPERM:
    return VX_STORE_FAULT_READ_ONLY;
  default:
    return VX_STORE_FAULT_UNAVAILABLE;
  }
}

/* An I/O error without an errno (SQLite keeps none for a failed COMMIT):
 * whether the database's file system is read-only now. */
static vx_store_fault folder_fault(sqlite3 *db) {
  const char *file = sqlite3_db_filename(db, "main");
  char buf[4096];
  struct statvfs sv;
  if (file == NULL || *file == '\0' ||
      snprintf(buf, sizeof buf, "%s", file) >= (int)sizeof buf)
    return VX_STORE_FAULT_UNAVAILABLE;
  if (statvfs(dirname(buf), &sv) == 0 && (sv.f_flag & ST_RDONLY))
    return VX_STORE_FAULT_READ_ONLY;
  return VX_STORE_FAULT_UNAVAILABLE;
}

int vx_store_classify(sqlite3 *db, vx_store_fault *fault) {
  int ext = sqlite3_extended_errcode(db);
  *fault = VX_STORE_FAULT_NONE;
  switch (ext) {
  case SQLITE_CONSTRAINT_UNIQUE:
  case SQLITE_CONSTRAINT_PRIMARYKEY:
    return VX_EEXIST;
  case SQLITE_CONSTRAINT_FOREIGNKEY:
    return VX_ENOENT;
  case SQLITE_IOERR_NOMEM:
    return VX_ENOMEM;
  }
  switch (ext & 0xff) {
  case SQLITE_NOMEM:
    return VX_ENOMEM;
  case SQLITE_CONSTRAINT:
  case SQLITE_MISMATCH:
  case SQLITE_RANGE:
    return VX_EINVAL;
  case SQLITE_TOOBIG:
    return VX_ETOOBIG;
  case SQLITE_FULL:
    *fault = VX_STORE_FAULT_FULL;
    return VX_EIO;
  case SQLITE_READONLY:
  case SQLITE_PERM:
    *fault = VX_STORE_FAULT_READ_ONLY;
    return VX_EIO;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    *fault = VX_STORE_FAULT_CORRUPT;
    return VX_EIO;
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN:
    *fault = sqlite3_system_errno(db) != 0
                 ? errno_fault(sqlite3_system_errno(db))
                 : folder_fault(db);
    return VX_EIO;
  default: /* busy, locked, protocol, ...: not ours to fix */
    *fault = VX_STORE_FAULT_UNAVAILABLE;
    return VX_EIO;
  }
}

/* Records the connection's last error in st->errmsg; its VX_E*. */
int vx_store_fail(vx_store *st, const char *what) {
  snprintf(st->errmsg, sizeof st->errmsg, "%s: %s", what,
           sqlite3_errmsg(st->db));
  return vx_store_classify(st->db, &st->fault);
}

/* Records a message of ours in st->errmsg; returns rc. */
int vx_store_refuse(vx_store *st, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
  va_end(ap);
  st->fault = VX_STORE_FAULT_NONE;
  return rc;
}

static void copy_err(const vx_store *st, char *err, size_t errlen) {
  if (err != NULL && errlen > 0)
    snprintf(err, errlen, "%s", st->errmsg);
}

const char *vx_store_errmsg(const vx_store *st) {
  return st->errmsg;
}

vx_store_fault vx_store_last_fault(const vx_store *st) {
  return st->fault;
}

int vx_store_need_tx(vx_store *st) {
  return sqlite3_get_autocommit(st->db)
             ? vx_store_refuse(st, VX_EINVAL, "no transaction is open")
             : 0;
}

/* ---- statements -------------------------------------------------------- */

/* *out: statement q, prepared on its first use. */
int vx_store_prep(vx_store *st, int q, sqlite3_stmt **out) {
  if (st->stmt[q] == NULL &&
      sqlite3_prepare_v3(st->db, sql_text[q], -1, SQLITE_PREPARE_PERSISTENT,
                         &st->stmt[q], NULL) != SQLITE_OK)
    return vx_store_fail(st, sql_text[q]);
  *out = st->stmt[q];
  return 0;
}

/* Ends a use of s: reset, parameters unbound, ready for the next one. */
void vx_store_done(sqlite3_stmt *s) {
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

/* Checks the binds of s: rcs is the OR of their SQLite codes. */
int vx_store_bound(vx_store *st, sqlite3_stmt *s, int rcs, const char *what) {
  if (rcs == SQLITE_OK)
    return 0;
  int rc = vx_store_fail(st, what);
  vx_store_done(s);
  return rc;
}

/* Steps s to its end; 0, or the error recorded. */
int vx_store_run(vx_store *st, sqlite3_stmt *s, const char *what) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    ;
  int ret = rc == SQLITE_DONE ? 0 : vx_store_fail(st, what);
  vx_store_done(s);
  return ret;
}

/* Runs the parameterless statement q. */
static int exec_q(vx_store *st, int q) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, q, &s);
  return rc != 0 ? rc : vx_store_run(st, s, sql_text[q]);
}

int vx_store_bind_str(sqlite3_stmt *s, int i, const char *v) {
  return v == NULL ? sqlite3_bind_null(s, i)
                   : sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* ---- close, transactions ---------------------------------------------- */

void vx_store_finalize_all(vx_store *st) {
  for (int q = 0; q < Q_COUNT; q++) {
    sqlite3_finalize(st->stmt[q]);
    st->stmt[q] = NULL;
  }
}

void vx_store_close(vx_store *st) {
  if (st == NULL)
    return;
  vx_store_rollback(st);
  vx_store_finalize_all(st);
  if (st->opened && !st->read_only)
    sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
  if (sqlite3_close(st->db) != SQLITE_OK)
    vx_log(VX_LOG_ERROR, "store: closing the database: %s",
           sqlite3_errmsg(st->db));
  free(st);
}

int vx_store_begin(vx_store *st) {
  if (!sqlite3_get_autocommit(st->db))
    return vx_store_refuse(st, VX_EINVAL, "a transaction is already open");
  return exec_q(st, Q_BEGIN);
}

int vx_store_commit(vx_store *st, char *err, size_t errlen) {
  int rc = vx_store_need_tx(st);
  if (rc == 0)
    rc = exec_q(st, Q_COMMIT);
  if (rc != 0) {
    copy_err(st, err, errlen);
    vx_store_rollback(st); /* never leave a failed transaction open */
  }
  return rc;
}

void vx_store_rollback(vx_store *st) {
  if (st->db == NULL || sqlite3_get_autocommit(st->db))
    return;
  /* A failed statement may have rolled back already (then autocommit is
   * on again); every statement is reset after use, so none is pending. */
  char keep[sizeof st->errmsg];
  vx_store_fault fault = st->fault;
  memcpy(keep, st->errmsg, sizeof keep);
  if (exec_q(st, Q_ROLLBACK) != 0)
    vx_log(VX_LOG_ERROR, "store: %s", st->errmsg);
  memcpy(st->errmsg, keep, sizeof keep); /* the error that led here */
  st->fault = fault;
}

int vx_store_bump_revision(vx_store *st, uint64_t *revision) {
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0)
    rc = vx_store_prep(st, Q_BUMP, &s);
  if (rc != 0)
    return rc;
  int step = sqlite3_step(s);
  if (step != SQLITE_ROW) {
    rc = step == SQLITE_DONE
             ? vx_store_refuse(st, VX_EIO, "the revision row is gone")
             : vx_store_fail(st, "bump revision");
    vx_store_done(s);
    return rc;
  }
  *revision = (uint64_t)sqlite3_column_int64(s, 0);
  return vx_store_run(st, s, "bump revision");
}
