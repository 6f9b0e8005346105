/*
 * store_read.c - the store's reads (store.h): the whole state for the
 * first snapshot, the audit log, the integrity check.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_limit.h"
#include "store_internal.h"

#define LOAD_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

static const char *col_str(sqlite3_stmt *s, int i) {
  return (const char *)sqlite3_column_text(s, i);
}

/* Column i parsed as JSON (SQL NULL: JSON null) into *out. */
static int col_json(vx_store *st, sqlite3_stmt *s, int i, const char *what,
                    json_t **out) {
  const char *text = col_str(s, i);
  if (text == NULL) {
    *out = json_null();
    return 0;
  }
  json_error_t jerr;
  *out = vx_json_parse_stored(text, (size_t)sqlite3_column_bytes(s, i),
                              LOAD_FLAGS, &jerr);
  return *out != NULL
             ? 0
             : vx_store_refuse(st, VX_EPARSE, "%s: stored JSON is invalid: %s",
                               what, jerr.text);
}

/* ---- the first snapshot ------------------------------------------------ */

static int bad_row(vx_store *st, const char *table, const char *key) {
  return vx_store_refuse(st, VX_ENOMEM, "%s \"%s\": cannot build its document",
                         table, key != NULL ? key : "?");
}

static int load_revision(vx_store *st, uint64_t *out) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, Q_REVISION, &s);
  if (rc != 0)
    return rc;
  int step = sqlite3_step(s);
  if (step == SQLITE_ROW)
    *out = (uint64_t)sqlite3_column_int64(s, 0);
  else
    rc = step == SQLITE_DONE
             ? vx_store_refuse(st, VX_EIO, "the revision row is missing")
             : vx_store_fail(st, "load revision");
  vx_store_done(s);
  return rc;
}

/* Keeps a flag in the object arg (vx_store_load without a callback). */
static int collect_flag(void *arg, const vx_store_data *d, json_t *flag) {
  (void)d;
  const char *key = json_string_value(json_object_get(flag, "key"));
  return json_object_set((json_t *)arg, key, flag) == 0 ? 0 : VX_ENOMEM;
}

/* Every flag with its "environments" (in environment order), one at a
 * time: the flags and their states both come ordered by key, so they are
 * merged as they are read, and only one document is in memory at once. */
static int load_flags(vx_store *st, const vx_store_data *d,
                      vx_store_flag_fn each, void *arg) {
  sqlite3_stmt *f, *s;
  int rc = vx_store_prep(st, Q_LOAD_FLAGS, &f);
  if (rc != 0)
    return rc;
  if ((rc = vx_store_prep(st, Q_LOAD_STATES, &s)) != 0) {
    vx_store_done(f);
    return rc;
  }
  int fstep = SQLITE_DONE, sstep = sqlite3_step(s);
  while (rc == 0 && (fstep = sqlite3_step(f)) == SQLITE_ROW) {
    const char *key = col_str(f, 0);
    json_t *flag =
        json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:{}}", "key", key,
                  "description", col_str(f, 1), "type", col_str(f, 2),
                  "archived", sqlite3_column_int(f, 3) != 0, "created_at",
                  (json_int_t)sqlite3_column_int64(f, 4), "updated_at",
                  (json_int_t)sqlite3_column_int64(f, 5), "revision",
                  (json_int_t)sqlite3_column_int64(f, 6), "environments");
    if (flag == NULL)
      rc = bad_row(st, "flag", key);
    json_t *envs = json_object_get(flag, "environments");
    /* States of keys before this one have no flag (the foreign key makes
     * that impossible): skipped. */
    while (rc == 0 && sstep == SQLITE_ROW && strcmp(col_str(s, 0), key) <= 0) {
      if (strcmp(col_str(s, 0), key) == 0) {
        json_t *state;
        rc = col_json(st, s, 2, key, &state);
        if (rc == 0 && json_object_set_new(envs, col_str(s, 1), state) != 0)
          rc = bad_row(st, "flag", key);
      }
      sstep = sqlite3_step(s);
    }
    if (rc == 0 && sstep != SQLITE_ROW && sstep != SQLITE_DONE)
      rc = vx_store_fail(st, "load flag states");
    if (rc == 0)
      rc = each(arg, d, flag);
    json_decref(flag);
  }
  if (rc == 0 && fstep != SQLITE_DONE)
    rc = vx_store_fail(st, "load flags");
  vx_store_done(s);
  vx_store_done(f);
  return rc;
}

static int load_segments(vx_store *st, json_t *segments) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, Q_LOAD_SEGMENTS, &s), step = SQLITE_DONE;
  if (rc != 0)
    return rc;
  while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
    const char *id = col_str(s, 0);
    json_t *constraints, *seg = NULL;
    rc = col_json(st, s, 3, id, &constraints);
    if (rc == 0)
      seg = json_pack("{s:s, s:s, s:s, s:O, s:I}", "id", id, "name",
                      col_str(s, 1), "description", col_str(s, 2),
                      "constraints", constraints, "revision",
                      (json_int_t)sqlite3_column_int64(s, 4));
    json_decref(constraints);
    if (rc == 0 && (seg == NULL || json_object_set_new(segments, id, seg)))
      rc = bad_row(st, "segment", id);
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = vx_store_fail(st, "load segments");
  vx_store_done(s);
  return rc;
}

static int load_environments(vx_store *st, json_t *envs) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, Q_LOAD_ENVS, &s), step = SQLITE_DONE;
  if (rc != 0)
    return rc;
  while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
    if (json_array_append_new(envs, json_string(col_str(s, 0))) != 0)
      rc = bad_row(st, "environment", col_str(s, 0));
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = vx_store_fail(st, "load environments");
  vx_store_done(s);
  return rc;
}

static json_t *nullable_int(sqlite3_stmt *s, int i) {
  return sqlite3_column_type(s, i) == SQLITE_NULL
             ? json_null()
             : json_integer(sqlite3_column_int64(s, i));
}

static int load_tokens(vx_store *st, json_t *tokens) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, Q_LOAD_TOKENS, &s), step = SQLITE_DONE;
  if (rc != 0)
    return rc;
  while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *revoked = nullable_int(s, 6), *used = nullable_int(s, 7);
    json_t *t = json_pack("{s:I, s:s, s:s, s:s?, s:I, s:O, s:O, s:s}", "id",
                          (json_int_t)sqlite3_column_int64(s, 0), "name",
                          col_str(s, 1), "role", col_str(s, 2), "environment",
                          col_str(s, 3), "created_at",
                          (json_int_t)sqlite3_column_int64(s, 5), "revoked_at",
                          revoked, "last_used", used, "hash", col_str(s, 4));
    json_decref(revoked);
    json_decref(used);
    if (json_array_append_new(tokens, t) != 0)
      rc = bad_row(st, "token", col_str(s, 1));
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = vx_store_fail(st, "load tokens");
  vx_store_done(s);
  return rc;
}

int vx_store_list_tokens(vx_store *st, json_t **out) {
  *out = json_array();
  int rc = *out != NULL ? load_tokens(st, *out)
                        : vx_store_refuse(st, VX_ENOMEM, "out of memory");
  if (rc != 0) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

int vx_store_revision(vx_store *st, uint64_t *out) {
  return load_revision(st, out);
}

int vx_store_data_version(vx_store *st, int64_t *out) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, Q_DATA_VERSION, &s);
  if (rc != 0)
    return rc;
  if (sqlite3_step(s) == SQLITE_ROW)
    *out = sqlite3_column_int64(s, 0);
  else
    rc = vx_store_fail(st, "PRAGMA data_version");
  vx_store_done(s);
  return rc;
}

void vx_store_data_dispose(vx_store_data *d) {
  json_decref(d->flags);
  json_decref(d->segments);
  json_decref(d->environments);
  json_decref(d->tokens);
  memset(d, 0, sizeof *d);
}

int vx_store_load(vx_store *st, vx_store_data *out, vx_store_flag_fn each,
                  void *arg, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->flags = json_object();
  out->segments = json_object();
  out->environments = json_array();
  out->tokens = json_array();
  int rc = 0;
  if (out->flags == NULL || out->segments == NULL ||
      out->environments == NULL || out->tokens == NULL)
    rc = vx_store_refuse(st, VX_ENOMEM, "load: out of memory");
  /* One read transaction, so that the parts agree with each other. */
  bool own = sqlite3_get_autocommit(st->db) != 0;
  sqlite3_stmt *s;
  if (rc == 0 && own && (rc = vx_store_prep(st, Q_BEGIN_READ, &s)) == 0)
    rc = vx_store_run(st, s, "load: BEGIN");
  if (rc == 0)
    rc = load_revision(st, &out->revision);
  if (rc == 0)
    rc = load_segments(st, out->segments);
  if (rc == 0)
    rc = load_environments(st, out->environments);
  if (rc == 0)
    rc = load_tokens(st, out->tokens);
  if (rc == 0) /* last: the callback sees the rest */
    rc = each != NULL ? load_flags(st, out, each, arg)
                      : load_flags(st, out, collect_flag, out->flags);
  if (own && !sqlite3_get_autocommit(st->db))
    vx_store_rollback(st); /* a read transaction: nothing to keep */
  if (rc != 0) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "%s", st->errmsg);
    vx_store_data_dispose(out);
  }
  return rc;
}

/* ---- the audit log ----------------------------------------------------- */

/* The audit entry of the current row of s. */
static int audit_row(vx_store *st, sqlite3_stmt *s, json_t **out) {
  json_t *before = NULL, *after = NULL;
  const char *what = "audit entry";
  int rc = col_json(st, s, 6, what, &before);
  if (rc == 0)
    rc = col_json(st, s, 7, what, &after);
  if (rc == 0) {
    *out = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s?, s:O, s:O}", "id",
                     (json_int_t)sqlite3_column_int64(s, 0), "revision",
                     (json_int_t)sqlite3_column_int64(s, 1), "time",
                     (json_int_t)sqlite3_column_int64(s, 2), "actor",
                     col_str(s, 3), "action", col_str(s, 4), "flag",
                     col_str(s, 5), "before", before, "after", after);
    if (*out == NULL)
      rc = bad_row(st, what, col_str(s, 4));
  }
  json_decref(before);
  json_decref(after);
  return rc;
}

int vx_store_list_audit(vx_store *st, const char *flag, int64_t before_id,
                        int limit, json_t **out) {
  sqlite3_stmt *s;
  *out = NULL;
  json_t *list = json_array();
  int rc = list != NULL ? 0 : vx_store_refuse(st, VX_ENOMEM, "out of memory");
  if (rc == 0)
    rc = vx_store_prep(st, flag != NULL ? Q_AUDIT_PAGE_FLAG : Q_AUDIT_PAGE, &s);
  limit = limit < 1 ? 1 : limit > 1000 ? 1000 : limit;
  if (rc == 0)
    rc = vx_store_bound(
        st, s,
        sqlite3_bind_int64(s, 1, before_id > 0 ? before_id : INT64_MAX) |
            sqlite3_bind_int(s, 2, limit) |
            (flag != NULL ? vx_store_bind_str(s, 3, flag) : SQLITE_OK),
        "list audit");
  if (rc == 0) {
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
      json_t *entry;
      rc = audit_row(st, s, &entry);
      if (rc == 0 && json_array_append_new(list, entry) != 0)
        rc = vx_store_refuse(st, VX_ENOMEM, "out of memory");
    }
    if (rc == 0 && step != SQLITE_DONE)
      rc = vx_store_fail(st, "list audit");
    vx_store_done(s);
  }
  if (rc == 0)
    *out = list;
  else
    json_decref(list);
  return rc;
}

int vx_store_get_audit(vx_store *st, int64_t id, json_t **out) {
  sqlite3_stmt *s;
  *out = NULL;
  int rc = vx_store_prep(st, Q_AUDIT_GET, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s, sqlite3_bind_int64(s, 1, id), "get audit");
  if (rc != 0)
    return rc;
  int step = sqlite3_step(s);
  if (step == SQLITE_ROW)
    rc = audit_row(st, s, out);
  else if (step == SQLITE_DONE)
    rc = vx_store_refuse(st, VX_ENOENT, "no audit entry %lld", (long long)id);
  else
    rc = vx_store_fail(st, "get audit");
  vx_store_done(s);
  return rc;
}

/* ---- checks ------------------------------------------------------------ */

/* Appends "; line" (or "line" first) to buf. */
static void append(char *buf, size_t len, const char *line) {
  size_t used = strlen(buf);
  if (used + 1 < len)
    snprintf(buf + used, len - used, "%s%s", used > 0 ? "; " : "", line);
}

/* Runs PRAGMA q into report (the rows that are not "ok"); *bad: rows. */
static int check_pragma(vx_store *st, int q, char *report, size_t len,
                        int *bad) {
  sqlite3_stmt *s;
  int rc = vx_store_prep(st, q, &s), step = SQLITE_DONE;
  if (rc != 0)
    return rc;
  while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
    char line[256];
    if (q == Q_INTEGRITY || q == Q_QUICK_CHECK) {
      const char *v = col_str(s, 0);
      if (v != NULL && strcmp(v, "ok") == 0)
        continue;
      snprintf(line, sizeof line, "%s", v != NULL ? v : "?");
    } else { /* foreign_key_check: table, rowid, parent, fkid */
      snprintf(line, sizeof line, "%s row %lld: no parent in %s", col_str(s, 0),
               (long long)sqlite3_column_int64(s, 1), col_str(s, 2));
    }
    append(report, len, line);
    (*bad)++;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = vx_store_fail(st, sqlite3_sql(s));
  vx_store_done(s);
  return rc;
}

int vx_store_check(vx_store *st, char *err, size_t errlen) {
  char report[1024] = "";
  int bad = 0;
  int rc = check_pragma(st, Q_INTEGRITY, report, sizeof report, &bad);
  if (rc == 0)
    rc = check_pragma(st, Q_FOREIGN_KEYS, report, sizeof report, &bad);
  if (rc == 0 && bad > 0)
    rc = vx_store_refuse(st, VX_EIO, "integrity check: %s", report);
  if (rc != 0 && err != NULL && errlen > 0)
    snprintf(err, errlen, "%s", st->errmsg);
  return rc;
}

int vx_store_quick_check(vx_store *st, char *err, size_t errlen) {
  char report[1024] = "";
  int bad = 0;
  int rc = check_pragma(st, Q_QUICK_CHECK, report, sizeof report, &bad);
  if (rc == 0 && bad > 0) {
    rc = vx_store_refuse(st, VX_EIO, "quick_check: %s", report);
    st->fault = VX_STORE_FAULT_CORRUPT;
  }
  if (rc != 0 && err != NULL && errlen > 0)
    snprintf(err, errlen, "%s", st->errmsg);
  return rc;
}
