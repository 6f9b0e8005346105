/*
 * store_open.c - opening the SQLite file (store.h): telling what a file
 * is before SQLite touches it, creating a new database, the connection's
 * settings, read-only databases, and the probe that reopens one for
 * writing once it can be written.
 *
 * A new database is made complete (schema, application_id) under a
 * temporary name in rollback-journal mode, so that closing it leaves one
 * whole file, then linked to its path: a file that is already at the
 * path is therefore never one vexild left half made, and an empty or
 * foreign one is refused instead of being taken for a new store.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vexil/error.h>

#include "log.h"
#include "store_schema.h"

#define OPEN_FLAGS (SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX)

/* ---- what is at the path ----------------------------------------------- */

static bool exists(const char *path, const char *suffix) {
  char p[4200];
  struct stat sb;
  snprintf(p, sizeof p, "%s%s", path, suffix);
  return stat(p, &sb) == 0;
}

/* Up to 16 bytes of head as text a log can show. */
static void printable(const unsigned char *head, size_t n, char *out,
                      size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < len; i++) {
    unsigned char c = head[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
  }
  out[o] = '\0';
}

/* 0 when path holds an SQLite file (or nothing: *missing), else why it
 * cannot be a database. Reads the first 16 bytes only. */
static int inspect(const char *path, bool *missing, char *why, size_t len) {
  struct stat sb;
  *missing = false;
  if (stat(path, &sb) != 0) {
    if (errno != ENOENT) {
      snprintf(why, len, "cannot look at it: %s", strerror(errno));
      return VX_EIO;
    }
    *missing = true;
    if (!exists(path, "-wal"))
      return 0;
    snprintf(why, len,
             "the database is missing but its write-ahead log %s-wal is "
             "there: restore the database, or remove the log to start a new "
             "one",
             path);
    return VX_EUNSUPPORTED;
  }
  if (!S_ISREG(sb.st_mode)) {
    snprintf(why, len, "it is %s, not a database file",
             S_ISDIR(sb.st_mode) ? "a folder" : "not a regular file");
    return VX_EUNSUPPORTED;
  }
  if (sb.st_size == 0) {
    snprintf(why, len,
             "it is an empty file (0 bytes), not a Vexil database: vexild "
             "creates its database only where no file exists (remove the "
             "file to start a new, empty store)");
    return VX_EUNSUPPORTED;
  }
  unsigned char head[16];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? pread(fd, head, sizeof head, 0) : -1;
  int e = errno;
  if (fd >= 0)
    close(fd);
  if (n < 0) {
    snprintf(why, len, "cannot read it: %s", strerror(e));
    return VX_EIO;
  }
  if ((size_t)n < sizeof head || memcmp(head, "SQLite format 3", 16) != 0) {
    char text[80];
    printable(head, (size_t)n, text, sizeof text);
    snprintf(why, len,
             "it is not an SQLite database (%lld bytes, beginning \"%s\")",
             (long long)sb.st_size, text);
    return VX_EUNSUPPORTED;
  }
  return 0;
}

/* ---- the connection ---------------------------------------------------- */

/* Runs a PRAGMA and copies the first column of its first row to buf. */
static int pragma(sqlite3 *db, const char *sql, char *buf, size_t len,
                  char *err, size_t errlen) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
  if (len > 0)
    buf[0] = '\0';
  if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(s, 0);
    snprintf(buf, len, "%s", v != NULL ? (const char *)v : "");
    rc = sqlite3_step(s);
  }
  int ret = 0;
  if (rc != SQLITE_DONE) {
    vx_store_fault fault;
    snprintf(err, errlen, "%s: %s", sql, sqlite3_errmsg(db));
    ret = vx_store_classify(db, &fault);
  }
  sqlite3_finalize(s);
  return ret;
}

/* synchronous = FULL and foreign keys, checked: every connection. */
static int configure_common(sqlite3 *db, char *err, size_t errlen) {
  char v[32];
  int rc = pragma(db, "PRAGMA synchronous = FULL", v, sizeof v, err, errlen);
  if (rc == 0)
    rc = pragma(db, "PRAGMA synchronous", v, sizeof v, err, errlen);
  if (rc == 0 && strcmp(v, "2") != 0) {
    snprintf(err, errlen, "cannot set synchronous = FULL (it stays %s)", v);
    return VX_EUNSUPPORTED;
  }
  if (rc == 0)
    rc = pragma(db, "PRAGMA foreign_keys = ON", v, sizeof v, err, errlen);
  if (rc == 0)
    rc = pragma(db, "PRAGMA foreign_keys", v, sizeof v, err, errlen);
  if (rc == 0 && strcmp(v, "1") != 0) {
    snprintf(err, errlen, "this SQLite cannot enforce foreign keys");
    return VX_EUNSUPPORTED;
  }
  return rc;
}

/* A writable connection: write-ahead logging as well. */
static int configure(sqlite3 *db, char *err, size_t errlen) {
  char v[32];
  int rc = pragma(db, "PRAGMA journal_mode = WAL", v, sizeof v, err, errlen);
  if (rc == 0 && strcmp(v, "wal") != 0) {
    snprintf(err, errlen,
             "cannot use write-ahead logging (journal_mode stays \"%s\")", v);
    return VX_EUNSUPPORTED;
  }
  return rc == 0 ? configure_common(db, err, errlen) : rc;
}

/* Reads back what the connection runs with, as static strings. */
static void read_settings(vx_store *st) {
  static const char *const sync_names[] = {"off", "normal", "full", "extra"};
  static const char *const modes[] = {"wal",     "delete", "truncate",
                                      "persist", "memory", "off"};
  char v[32], ignore[128];
  st->journal_mode = st->synchronous = "unknown";
  if (pragma(st->db, "PRAGMA journal_mode", v, sizeof v, ignore,
             sizeof ignore) == 0)
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
      if (strcmp(v, modes[i]) == 0)
        st->journal_mode = modes[i];
  if (pragma(st->db, "PRAGMA synchronous", v, sizeof v, ignore,
             sizeof ignore) == 0 &&
      v[0] >= '0' && v[0] <= '3' && v[1] == '\0')
    st->synchronous = sync_names[v[0] - '0'];
}

static int open_db(const char *path, int flags, sqlite3 **db, char *why,
                   size_t len) {
  int rc = sqlite3_open_v2(path, db, flags, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(*db, 1);
    sqlite3_busy_timeout(*db, 5000);
    sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    return 0;
  }
  int e = *db != NULL ? sqlite3_system_errno(*db) : 0;
  snprintf(why, len, "%s%s%s",
           *db != NULL ? sqlite3_errmsg(*db) : sqlite3_errstr(rc),
           e ? ": " : "", e ? strerror(e) : "");
  sqlite3_close(*db);
  *db = NULL;
  return rc == SQLITE_NOMEM ? VX_ENOMEM : VX_EIO;
}

/* A read-only connection to a database in WAL mode whose -wal file is
 * gone (it was closed cleanly): SQLite cannot create the -shm file next
 * to it, so it is opened immutable. Without a -wal file the main file
 * holds every commit, so nothing is missed. */
static int open_immutable(const char *path, sqlite3 **db, char *why,
                          size_t len) {
  char uri[4096 * 3 + 32];
  size_t o = (size_t)snprintf(uri, sizeof uri, "file:");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (o + 4 >= sizeof uri)
      return VX_ETOOBIG;
    if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f)
      o += (size_t)snprintf(uri + o, sizeof uri - o, "%%%02X", *p);
    else
      uri[o++] = (char)*p;
  }
  snprintf(uri + o, sizeof uri - o, "?immutable=1");
  return open_db(uri,
                 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                 db, why, len);
}

/* ---- a new database ---------------------------------------------------- */

static void sync_folder(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* Builds a complete new database next to path, then links it there.
 * When another process put a file there first, that one is kept. */
static int create_new(const char *path, char *why, size_t len) {
  char tmp[4200], journal[4300];
  snprintf(tmp, sizeof tmp, "%s.new-%ld", path, (long)getpid());
  snprintf(journal, sizeof journal, "%s-journal", tmp);
  unlink(tmp); /* left by a crash of a process with our pid */
  unlink(journal);
  sqlite3 *db = NULL;
  int rc = open_db(tmp, OPEN_FLAGS | SQLITE_OPEN_CREATE, &db, why, len);
  if (rc == 0)
    rc = configure_common(db, why, len);
  if (rc == 0)
    rc = vx_store_schema_migrate(db, why, len);
  if (db != NULL && sqlite3_close(db) != SQLITE_OK && rc == 0) {
    snprintf(why, len, "closing the new database: %s", sqlite3_errmsg(db));
    rc = VX_EIO;
  }
  if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST &&
      rename(tmp, path) != 0) { /* a file system without hard links */
    snprintf(why, len, "cannot create it: %s", strerror(errno));
    rc = VX_EIO;
  }
  unlink(tmp);
  unlink(journal);
  if (rc == 0)
    sync_folder(path);
  return rc;
}

/* ---- open -------------------------------------------------------------- */

/* Opens the existing SQLite database at path into st: read-write, or
 * read-only when it cannot be written and needs no migration. */
static int open_existing(vx_store *st, const char *path, char *why,
                         size_t len) {
  int64_t version;
  bool adopt;
  int rc = open_db(path, OPEN_FLAGS, &st->db, why, len);
  if (rc != 0)
    return rc;
  st->read_only = sqlite3_db_readonly(st->db, "main") == 1;
  /* Reads only: a refused database is left exactly as it was. */
  rc = vx_store_schema_check(st->db, &version, &adopt, why, len);
  if (rc != 0 && st->read_only && !exists(path, "-wal")) {
    sqlite3_close(st->db);
    st->db = NULL;
    rc = open_immutable(path, &st->db, why, len);
    if (rc == 0)
      rc = vx_store_schema_check(st->db, &version, &adopt, why, len);
  }
  if (rc != 0)
    return rc;
  if (!st->read_only) {
    rc = configure(st->db, why, len);
    if (rc == 0)
      rc = vx_store_schema_migrate(st->db, why, len);
    if (rc == 0 && adopt)
      rc = vx_store_schema_adopt(st->db, why, len);
    return rc;
  }
  if (version != vx_store_schema_version()) {
    snprintf(why, len,
             "it cannot be written (a read-only file or file system) and "
             "needs migrating from schema version %lld to %d",
             (long long)version, vx_store_schema_version());
    return VX_EUNSUPPORTED;
  }
  st->fault = VX_STORE_FAULT_READ_ONLY;
  snprintf(st->errmsg, sizeof st->errmsg,
           "%.300s cannot be written: it is a read-only file or on a "
           "read-only file system",
           path);
  return configure_common(st->db, why, len);
}

int vx_store_open(const char *path, vx_store **out, char *err, size_t errlen) {
  char why[512] = "";
  *out = NULL;
  vx_store *st = calloc(1, sizeof *st);
  if (st == NULL)
    return VX_ENOMEM;
  bool missing;
  int rc = VX_ETOOBIG;
  if (snprintf(st->path, sizeof st->path, "%s", path) < (int)sizeof st->path)
    rc = inspect(path, &missing, why, sizeof why);
  if (rc == 0 && missing)
    rc = create_new(path, why, sizeof why);
  if (rc == 0)
    rc = open_existing(st, path, why, sizeof why);
  if (rc != 0) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "%s: %s", path, why);
    vx_store_close(st);
    return rc;
  }
  read_settings(st);
  st->opened = true;
  *out = st;
  return 0;
}

bool vx_store_read_only(const vx_store *st) {
  return st->read_only;
}

const char *vx_store_journal_mode(const vx_store *st) {
  return st->journal_mode;
}

const char *vx_store_synchronous(const vx_store *st) {
  return st->synchronous;
}

/* ---- probe ------------------------------------------------------------- */

/* A read-write connection to st's file in place of the read-only one,
 * when the file can be written now. VX_ECONFLICT when it no longer holds
 * `revision`. */
static int reopen_writable(vx_store *st, uint64_t revision) {
  char why[512] = "";
  sqlite3 *db = NULL;
  int rc = open_db(st->path, OPEN_FLAGS, &db, why, sizeof why);
  if (rc == 0 && sqlite3_db_readonly(db, "main") == 1) {
    sqlite3_close(db);
    rc = vx_store_refuse(st, VX_EIO, "%.400s is still read-only", st->path);
    st->fault = VX_STORE_FAULT_READ_ONLY;
    return rc;
  }
  if (rc != 0) {
    snprintf(st->errmsg, sizeof st->errmsg, "reopening %.200s: %.280s",
             st->path, why);
    st->fault = VX_STORE_FAULT_UNAVAILABLE;
    return rc;
  }
  /* The read-only connection goes before the new one reads anything:
   * SQLite shares a file's WAL index between the connections of a
   * process, and the read-only one mapped it read-only. */
  vx_store_finalize_all(st);
  sqlite3_close(st->db);
  st->db = db;
  st->read_only = false;
  int64_t version, at = -1;
  bool adopt;
  char v[32];
  rc = vx_store_schema_check(db, &version, &adopt, why, sizeof why);
  if (rc == 0)
    rc = configure(db, why, sizeof why);
  if (rc == 0)
    rc = pragma(db, "SELECT value FROM meta WHERE key = 'revision'", v,
                sizeof v, why, sizeof why);
  if (rc == 0 && (at = strtoll(v, NULL, 10)) != (int64_t)revision) {
    snprintf(why, sizeof why,
             "the database changed while it was read-only (revision %lld, "
             "vexild had %llu)",
             (long long)at, (unsigned long long)revision);
    rc = VX_ECONFLICT;
  }
  if (rc == 0 && adopt)
    rc = vx_store_schema_adopt(db, why, sizeof why);
  read_settings(st);
  if (rc != 0) {
    snprintf(st->errmsg, sizeof st->errmsg, "reopening %.200s: %.280s",
             st->path, why);
    st->fault = VX_STORE_FAULT_UNAVAILABLE;
    return rc;
  }
  vx_log(VX_LOG_INFO, "store: %s can be written again: reopened for writing",
         st->path);
  return 0;
}

int vx_store_probe(vx_store *st, uint64_t revision, char *err, size_t errlen) {
  int rc = sqlite3_get_autocommit(st->db)
               ? 0
               : vx_store_refuse(st, VX_EINVAL, "a transaction is open");
  if (rc == 0 && st->read_only)
    rc = reopen_writable(st, revision);
  /* A new value, or SQLite would find nothing to write. */
  if (rc == 0 &&
      sqlite3_exec(st->db,
                   "BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES "
                   "('probe', random()) ON CONFLICT (key) DO UPDATE SET "
                   "value = excluded.value; COMMIT",
                   NULL, NULL, NULL) != SQLITE_OK) {
    rc = vx_store_fail(st, "probe");
    vx_store_rollback(st);
  }
  if (rc != 0 && err != NULL && errlen > 0)
    snprintf(err, errlen, "%s", st->errmsg);
  return rc;
}
