/*
 * fault_vfs.c - see fault_vfs.h. Each file of the wrapping VFS is the
 * real VFS's file placed right after a small header; every method but
 * xWrite, xTruncate and xSync passes straight through.
 */
#include "fault_vfs.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

typedef struct fault_file {
  sqlite3_file base;
  sqlite3_file *real; /* right after this struct */
} fault_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static atomic_int fail_rc; /* 0: healthy */
static atomic_ulong failures;

void vx_fault_vfs_fail(int sqlite_rc) {
  atomic_store(&fail_rc, sqlite_rc);
}

void vx_fault_vfs_heal(void) {
  atomic_store(&fail_rc, 0);
}

unsigned long vx_fault_vfs_failures(void) {
  return atomic_load(&failures);
}

static int injected(void) {
  int rc = atomic_load(&fail_rc);
  if (rc != 0)
    atomic_fetch_add(&failures, 1);
  return rc;
}

#define REAL(f) (((fault_file *)(f))->real)

/* ---- files */

static int f_close(sqlite3_file *f) {
  return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
  return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
  int rc = injected();
  return rc ? rc : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
  int rc = injected();
  return rc ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags) {
  int rc = injected();
  return rc ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size) {
  return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int l) {
  return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l) {
  return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_reserved(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg) {
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f) {
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_device(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int sz, int extend,
                     void volatile **p) {
  return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f) {
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p) {
  return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_io = {
    3,        f_close,   f_read,     f_write,       f_truncate,  f_sync,
    f_size,   f_lock,    f_unlock,   f_reserved,    f_control,   f_sector,
    f_device, f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch,
    f_unfetch};

/* ---- the VFS */

static int v_open(sqlite3_vfs *v, sqlite3_filename name, sqlite3_file *f,
                  int flags, int *out_flags) {
  (void)v;
  fault_file *ff = (fault_file *)f;
  ff->real = (sqlite3_file *)(ff + 1);
  int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
  /* xClose is called whenever pMethods is set, even after a failure. */
  ff->base.pMethods = ff->real->pMethods != NULL ? &fault_io : NULL;
  return rc;
}
static int v_delete(sqlite3_vfs *v, const char *name, int sync_dir) {
  (void)v;
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}
static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int v_full(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static void *v_dlopen(sqlite3_vfs *v, const char *name) {
  (void)v;
  return real_vfs->xDlOpen(real_vfs, name);
}
static void v_dlerror(sqlite3_vfs *v, int n, char *msg) {
  (void)v;
  real_vfs->xDlError(real_vfs, n, msg);
}
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return real_vfs->xDlSym(real_vfs, h, sym);
}
static void v_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  real_vfs->xDlClose(real_vfs, h);
}
static int v_random(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xRandomness(real_vfs, n, out);
}
static int v_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return real_vfs->xSleep(real_vfs, us);
}
static int v_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return real_vfs->xCurrentTime(real_vfs, out);
}
static int v_last_error(sqlite3_vfs *v, int n, char *msg) {
  (void)v;
  return real_vfs->xGetLastError(real_vfs, n, msg);
}
static int v_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int vx_fault_vfs_install(void) {
  if (real_vfs != NULL)
    return SQLITE_OK;
  int rc = sqlite3_initialize();
  sqlite3_vfs *def = rc == SQLITE_OK ? sqlite3_vfs_find(NULL) : NULL;
  if (def == NULL)
    return rc != SQLITE_OK ? rc : SQLITE_ERROR;
  real_vfs = def;
  fault_vfs = (sqlite3_vfs){
      .iVersion = 2,
      .szOsFile = (int)sizeof(fault_file) + def->szOsFile,
      .mxPathname = def->mxPathname,
      .zName = "vx-fault",
      .xOpen = v_open,
      .xDelete = v_delete,
      .xAccess = v_access,
      .xFullPathname = v_full,
      .xDlOpen = v_dlopen,
      .xDlError = v_dlerror,
      .xDlSym = v_dlsym,
      .xDlClose = v_dlclose,
      .xRandomness = v_random,
      .xSleep = v_sleep,
      .xCurrentTime = v_time,
      .xGetLastError = v_last_error,
      .xCurrentTimeInt64 = v_time64,
  };
  return sqlite3_vfs_register(&fault_vfs, 1);
}
