/*
 * store.h - the SQLite store: the truth the daemon's state is loaded from.
 * Every SQL statement of Vexil lives in store.c; a PostgreSQL backend
 * would implement this same interface.
 *
 * WAL mode, foreign keys on, a busy timeout, schema migrations through
 * PRAGMA user_version, prepared statements made once and reused. A change
 * is one transaction (vx_store_begin ... vx_store_commit) that writes the
 * rows, appends its audit entries and bumps the revision; synchronous=FULL
 * so that a committed write survives kill -9 and power loss.
 *
 * A failure of the storage itself (full, read-only, damaged, other I/O)
 * is told apart from a refused statement: vx_store_last_fault.
 *
 * Documents are JSON (jansson). Their shapes (see service.h):
 *   flag      {"key", "description", "type", "archived", "created_at",
 *              "updated_at", "revision", "environments": {ENV: state}}
 *   state     {"enabled", "strategies", "variants", "dependencies"}
 *   segment   {"id", "name", "description", "constraints", "revision"}
 *   token     {"id", "name", "role": "admin"|"client", "environment"|null,
 *              "created_at", "revoked_at"|null, "last_used"|null,
 *              "hash" (hex SHA-256)}
 *   audit     {"id", "revision", "time", "actor", "action", "flag"|null,
 *              "before"|null, "after"|null}
 * Times are milliseconds since the epoch. Functions return 0 or a
 * negative VX_E*; on an SQLite failure err (when given) holds its message.
 * A vx_store is used by one thread at a time (the service's write lock).
 */
#ifndef VX_STORE_H
#define VX_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct vx_store vx_store;

/* Opens the database at path, or creates it when no file is there (its
 * folder must exist), and applies migrations. A new database is built
 * under another name and linked into place once complete, so a file at
 * path is never one vexild left half made. Refuses, leaving the file as
 * it was (VX_EUNSUPPORTED, err naming the file and what it is): an empty
 * file, a file that is not SQLite, an SQLite database of another
 * application or without Vexil's schema, one whose user_version is newer
 * than this build knows; and a missing database whose -wal file is still
 * there. A Vexil database without PRAGMA application_id (recognised by
 * its tables) is given it.
 * A database that cannot be written (a read-only file or file system) is
 * opened read-only when it needs no migration: vx_store_read_only says
 * so, and every write fails with VX_STORE_FAULT_READ_ONLY until
 * vx_store_probe finds it writable. */
int vx_store_open(const char *path, vx_store **out, char *err, size_t errlen);
void vx_store_close(vx_store *st);

/* What broke when a call failed: the storage, or not (a refused statement,
 * out of memory: VX_STORE_FAULT_NONE). */
typedef enum vx_store_fault {
  VX_STORE_FAULT_NONE = 0,
  VX_STORE_FAULT_FULL,       /* no space left (SQLITE_FULL, ENOSPC, EDQUOT) */
  VX_STORE_FAULT_READ_ONLY,  /* SQLITE_READONLY, EROFS, EACCES, EPERM */
  VX_STORE_FAULT_CORRUPT,    /* SQLITE_CORRUPT, SQLITE_NOTADB, quick_check */
  VX_STORE_FAULT_UNAVAILABLE /* any other I/O error; locked by another
                                process */
} vx_store_fault;

/* The fault of the last failed call (NONE before any). */
vx_store_fault vx_store_last_fault(const vx_store *st);

/* Whether the connection is read-only (see vx_store_open). */
bool vx_store_read_only(const vx_store *st);

/* The connection's durability settings as SQLite reports them after
 * open: PRAGMA journal_mode ("wal") and PRAGMA synchronous ("full",
 * "normal", "off", "extra"). Static strings kept by st. */
const char *vx_store_journal_mode(const vx_store *st);
const char *vx_store_synchronous(const vx_store *st);

/* Whether the store takes writes again, for a caller whose writes failed:
 * a read-only connection is reopened for writing first (VX_ECONFLICT
 * when the database's revision is no longer `revision`: it changed behind
 * vexild's back, and what the caller holds must be loaded again), then a
 * transaction is
 * committed (written and synced) that only sets the meta row "probe" to
 * a random number, nothing a load reads. 0, or the error with its fault
 * recorded. Outside a transaction only. */
int vx_store_probe(vx_store *st, uint64_t revision, char *err, size_t errlen);

/* Everything, for the first snapshot, in one read transaction. New
 * references the caller owns: flags (object key -> flag), segments
 * (object id -> segment), environments (array of names, creation order),
 * tokens (array, with hashes), revision.
 * With `each`, the flags are not collected: each document is handed to
 * each(arg, out, flag) in key order instead, once every other member of
 * out is filled, and freed when it returns (take a reference to keep it),
 * so that 10,000 flags are never all parsed at once; out->flags stays
 * empty. A non-zero return stops the load with that error. */
struct vx_store_data;
typedef int (*vx_store_flag_fn)(void *arg, const struct vx_store_data *data,
                                json_t *flag);
typedef struct vx_store_data {
  json_t *flags;
  json_t *segments;
  json_t *environments;
  json_t *tokens;
  uint64_t revision;
} vx_store_data;
int vx_store_load(vx_store *st, vx_store_data *out, vx_store_flag_fn each,
                  void *arg, char *err, size_t errlen);
void vx_store_data_dispose(vx_store_data *d);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int vx_store_begin(vx_store *st);
int vx_store_commit(vx_store *st, char *err, size_t errlen);
void vx_store_rollback(vx_store *st);

/* Inside a transaction: increments and returns the revision. */
int vx_store_bump_revision(vx_store *st, uint64_t *revision);

/* Inside a transaction. put_flag replaces the flag row and all its
 * per-environment states with the document's. */
int vx_store_put_flag(vx_store *st, const json_t *flag);
int vx_store_delete_flag(vx_store *st, const char *key);
int vx_store_put_segment(vx_store *st, const json_t *segment);
int vx_store_delete_segment(vx_store *st, const char *id);
int vx_store_put_environment(vx_store *st, const char *name);
int vx_store_delete_environment(vx_store *st, const char *name);
/* *id receives the new token's id. */
int vx_store_add_token(vx_store *st, const char *name, const char *role,
                       const char *environment, const char *hash_hex,
                       int64_t now_ms, int64_t *id);
int vx_store_revoke_token(vx_store *st, int64_t id, int64_t now_ms);
/* Records that token id was last used at last_used_ms, unless the stored
 * time is later already (times only move forward). An unknown id changes
 * nothing and is no error. Not an audited change: no revision. */
int vx_store_token_used(vx_store *st, int64_t id, int64_t last_used_ms);
/* Appends an audit entry (before/after may be NULL); *id its id. */
int vx_store_add_audit(vx_store *st, uint64_t revision, int64_t time_ms,
                       const char *actor, const char *action, const char *flag,
                       const json_t *before, const json_t *after, int64_t *id);

/* Reads (outside or inside a transaction). The audit log, newest first:
 * entries with id < before_id (0: from the newest), at most limit, only
 * of flag when flag != NULL. *out: a new array. */
int vx_store_list_audit(vx_store *st, const char *flag, int64_t before_id,
                        int limit, json_t **out);
/* One entry, or VX_ENOENT. */
int vx_store_get_audit(vx_store *st, int64_t id, json_t **out);

/* Every token, as in vx_store_load (with hashes); *out a new array. */
int vx_store_list_tokens(vx_store *st, json_t **out);
/* The current revision. */
int vx_store_revision(vx_store *st, uint64_t *out);
/* PRAGMA data_version: it changes when another connection (another
 * process: `vexild token create`) commits to the database, not on this
 * connection's own commits. Cheap (no disk read): poll it. */
int vx_store_data_version(vx_store *st, int64_t *out);

/* PRAGMA integrity_check, then PRAGMA foreign_key_check: 0 when both
 * find nothing wrong, else VX_EIO and the report in err. */
int vx_store_check(vx_store *st, char *err, size_t errlen);

/* PRAGMA quick_check: every page of the file is read and its structure
 * checked (not the agreement of indexes with their tables). 0, or VX_EIO
 * with the first problems in err and VX_STORE_FAULT_CORRUPT. */
int vx_store_quick_check(vx_store *st, char *err, size_t errlen);

/* The message of the last failure of a function above (those without an
 * err argument included); "" before any. Valid until the next call. */
const char *vx_store_errmsg(const vx_store *st);

#endif
