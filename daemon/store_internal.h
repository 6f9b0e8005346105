/*
 * store_internal.h - what the files of the store share (store.c,
 * store_write.c, store_read.c). Not for other modules: use store.h.
 *
 * Statements are named by Q_* and prepared on first use by vx_store_prep;
 * their SQL text is in store.c. A use of a statement is: prep, bind (the
 * OR of the bind results checked by vx_store_bound), step (vx_store_run,
 * or a loop over rows ended by vx_store_done). Each of these records an
 * error in st->errmsg and returns a negative VX_E*.
 */
#ifndef VX_STORE_INTERNAL_H
#define VX_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include <vexil/error.h>

#include "store.h"

/* The statements of the store; their SQL is sql_text[] in store.c. */
enum {
  Q_BEGIN,
  Q_BEGIN_READ,
  Q_COMMIT,
  Q_ROLLBACK,
  Q_REVISION,
  Q_BUMP,
  Q_FLAG_PUT,
  Q_STATES_CLEAR,
  Q_STATE_PUT,
  Q_FLAG_DELETE,
  Q_SEGMENT_PUT,
  Q_SEGMENT_DELETE,
  Q_ENV_PUT,
  Q_ENV_DELETE,
  Q_TOKEN_ADD,
  Q_TOKEN_REVOKE,
  Q_TOKEN_USED,
  Q_AUDIT_ADD,
  Q_AUDIT_PAGE,
  Q_AUDIT_PAGE_FLAG,
  Q_AUDIT_GET,
  Q_LOAD_FLAGS,
  Q_LOAD_STATES,
  Q_LOAD_SEGMENTS,
  Q_LOAD_ENVS,
  Q_LOAD_TOKENS,
  Q_INTEGRITY,
  Q_QUICK_CHECK,
  Q_FOREIGN_KEYS,
  Q_DATA_VERSION,
  Q_COUNT
};

struct vx_store {
  sqlite3 *db;
  sqlite3_stmt *stmt[Q_COUNT];
  bool opened;          /* migrations done: PRAGMA optimize at close */
  bool read_only;       /* the connection cannot write (store_open.c) */
  vx_store_fault fault; /* of the last failure */
  const char *journal_mode, *synchronous; /* read back after open */
  char path[4096];
  char errmsg[512];
};

/* The VX_E* of db's last error (a unique key VX_EEXIST, a foreign key
 * VX_ENOENT, another constraint VX_EINVAL, out of memory VX_ENOMEM,
 * VX_EIO for the rest) and, in *fault, what it says of the storage. */
int vx_store_classify(sqlite3 *db, vx_store_fault *fault);

/* Records the connection's last error in st->errmsg ("what: message")
 * and its fault; returns its VX_E* (vx_store_classify). */
int vx_store_fail(vx_store *st, const char *what);
/* Records a message of ours in st->errmsg; returns rc. */
int vx_store_refuse(vx_store *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* VX_EINVAL unless a transaction is open. */
int vx_store_need_tx(vx_store *st);

/* *out: statement q, prepared on its first use. */
int vx_store_prep(vx_store *st, int q, sqlite3_stmt **out);
/* Ends a use of s: reset, parameters unbound, ready for the next one. */
void vx_store_done(sqlite3_stmt *s);
/* Checks the binds of s, rcs being the OR of their SQLite codes; on a
 * failure ends the use of s. */
int vx_store_bound(vx_store *st, sqlite3_stmt *s, int rcs, const char *what);
/* Steps s to its end and ends its use. */
int vx_store_run(vx_store *st, sqlite3_stmt *s, const char *what);
/* Binds v as TEXT, kept by the caller until the step (NULL: SQL NULL). */
int vx_store_bind_str(sqlite3_stmt *s, int i, const char *v);

/* Finalizes every prepared statement of st (before its connection
 * closes or is replaced). */
void vx_store_finalize_all(vx_store *st);

#endif
