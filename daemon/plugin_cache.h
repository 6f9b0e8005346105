/*
 * plugin_cache.h - content-addressed copies of plugin files: a plugin file
 * is read, hashed (SHA-256) and written to CACHE/<hash>.so, and that copy
 * is what the daemon checks (plugin_check.h) and maps. So it never maps a
 * file of the plugin folder (overwriting one in place cannot crash it),
 * what was checked is byte for byte what is mapped, and a changed file
 * gets a new path (dlopen of a path still open returns the old code).
 */
#ifndef VX_PLUGIN_CACHE_H
#define VX_PLUGIN_CACHE_H

#include <stddef.h>

/* Creates dir if missing, checks the daemon can write to it, and removes
 * copies a crash left behind. Returns 0, or VX_EIO with err saying why. */
int vx_plugin_cache_prepare(const char *dir, char *err, size_t errlen);

/* Reads path (a regular file of at most 256 MiB), sets hex to its SHA-256
 * (64 hex digits) and, when dir is not NULL, writes dir/<hex>.so through a
 * temporary file and rename: *copy receives that path (malloc'ed; the
 * caller unlinks and frees it), else NULL. VX_EIO or VX_ENOMEM with err
 * naming the file. */
int vx_plugin_cache_copy(const char *dir, const char *path, char hex[65],
                         char **copy, char *err, size_t errlen);

/* The SHA-256 of a file's content as 64 hex digits (what
 * vx_plugin_cache_copy computes). VX_EIO with err naming the file. */
int vx_plugin_file_sha256(const char *path, char hex[65], char *err,
                          size_t errlen);

#endif
