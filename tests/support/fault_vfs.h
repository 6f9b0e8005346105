/*
 * fault_vfs.h - a SQLite VFS for tests that wraps the default one and,
 * when told to, fails every write, truncation and sync of every file, as
 * a full disk, a read-only file or a dying device would, with the SQLite
 * code SQLite's own VFS gives then. Reads always pass, so what is
 * committed stays readable. (No errno: SQLite keeps none for a failed
 * COMMIT anyway.)
 *
 *   vx_fault_vfs_install();                 before the connection opens
 *   vx_fault_vfs_fail(SQLITE_FULL);         a full disk (ENOSPC)
 *   vx_fault_vfs_fail(SQLITE_READONLY);     a read-only file
 *   vx_fault_vfs_fail(SQLITE_IOERR_WRITE);  an I/O error
 *   vx_fault_vfs_heal();
 *
 * Process-wide, for one test thread at a time (the flags are atomic, so
 * a service's own threads may write meanwhile).
 */
#ifndef VX_FAULT_VFS_H
#define VX_FAULT_VFS_H

/* Registers the VFS as SQLite's default (once). 0, or an SQLite code. */
int vx_fault_vfs_install(void);

/* From now on every xWrite, xTruncate and xSync fails with sqlite_rc. */
void vx_fault_vfs_fail(int sqlite_rc);

/* Writes pass again. */
void vx_fault_vfs_heal(void);

/* How many operations failed on purpose since the start. */
unsigned long vx_fault_vfs_failures(void);

#endif
