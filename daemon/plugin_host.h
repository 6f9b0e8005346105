/*
 * plugin_host.h - loads strategy plugins (dlopen, RTLD_NOW|RTLD_LOCAL),
 * checks their descriptor before calling anything, calls init, and keeps
 * them registered by name.
 *
 * A plugin is reference-counted: the registry holds one reference and every
 * compiled strategy instance holds one. The plugin is finalised (fini) and
 * unloaded (dlclose) when its last reference goes, so a snapshot that still
 * uses it keeps its code mapped. Set VEXIL_NO_DLCLOSE=1 in the environment
 * to skip dlclose (sanitizer runs keep file and line in leak reports).
 *
 * Content addressing (plugin_cache.h): with a cache folder set (the daemon
 * sets <data_dir>/plugin-cache), a plugin file is read, hashed (SHA-256)
 * and written to CACHE/<hash>.so, and that copy is what the pre-load check
 * exercises (when it is on: vx_plugin_host_set_check) and dlopen maps. So the
 * daemon never maps a file of the plugin folder (overwriting one in place
 * cannot crash it), and a changed file gets a new path: dlopen of a path
 * that is still open would return the old code. The copy is removed when
 * its plugin is unloaded. Without a cache folder (vexil-plugin, tests,
 * `vexild evaluate`) the file itself is opened; the checks are the same.
 *
 * All functions here run on the control thread unless stated otherwise.
 */
#ifndef VX_PLUGIN_HOST_H
#define VX_PLUGIN_HOST_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <vexil/strategy.h>

#include "plugin_cache.h"
#include "strategy_stats.h"

typedef struct vx_plugin {
  char *name;   /* copy of desc->name, owned */
  char *origin; /* the file it was loaded from, or "<builtin>", owned */
  void *handle; /* dlopen handle, NULL for in-process descriptors */
  const vx_strategy_descriptor *desc;
  void *state; /* module state returned by init */
  atomic_uint refs;
  char sha256[65]; /* hex digest of the file's content, "" in-process */
  char *copy;      /* the content-addressed copy mapped, owned, or NULL */
  vx_strategy_stats *stats; /* evaluation errors of its name (never NULL) */
} vx_plugin;

typedef struct vx_plugin_host vx_plugin_host;

/* A new, empty registry. NULL on out-of-memory. */
vx_plugin_host *vx_plugin_host_new(void);

/* Drops the registry's references; plugins still used by a snapshot stay
 * loaded until that snapshot is freed. NULL is a no-op. */
void vx_plugin_host_free(vx_plugin_host *host);

/* Checks a descriptor as the loader does, before any of its callbacks is
 * called: magic, abi_major, abi_minor, size, name, required callbacks,
 * parameter table. Returns 0, or VX_EABI / VX_EINVAL with a message in err
 * naming the field and both values ("abi_major is 2, host supports 1"). */
int vx_plugin_check_descriptor(const vx_strategy_descriptor *d, char *err,
                               size_t errlen);

/* Sets the folder of content-addressed copies (created if missing; stale
 * copies left by a crash are removed). Call before loading anything.
 * Returns 0, or VX_EIO with err saying why (plugins are then loaded from
 * their own files, and a reload cannot replace one). */
int vx_plugin_host_set_cache_dir(vx_plugin_host *host, const char *dir,
                                 char *err, size_t errlen);
/* The cache folder, or NULL when none is set. */
const char *vx_plugin_host_cache_dir(const vx_plugin_host *host);

/* From now on every plugin file is exercised in a forked child before it
 * is mapped (plugin_check.h), each call into it limited to timeout_ms (0
 * turns the check off, the default). uses (borrowed until the next call;
 * may be NULL) lists the strategies of the flags, with their parameters:
 * those of the plugin's name are compiled there first. A plugin that
 * crashes, exits or hangs there is refused by vx_plugin_open. */
typedef struct vx_check_uses vx_check_uses;
void vx_plugin_host_set_check(vx_plugin_host *host, int timeout_ms,
                              const vx_check_uses *uses);

/* Opens one .so without registering it: reads and hashes it, writes the
 * copy (with a cache folder), dlopen, dlsym(VX_STRATEGY_ENTRY_SYMBOL), the
 * descriptor checks, the unique name (a name registered from another file
 * is refused; one registered from this same path may be replaced, see
 * vx_plugin_host_replace), then init. On success *out holds a plugin
 * with one reference (the caller's) whose origin is path. On refusal
 * returns a negative VX_E* and err says "FILE: FIELD ..."; nothing stays
 * loaded. */
int vx_plugin_open(vx_plugin_host *host, const char *path, vx_plugin **out,
                   char *err, size_t errlen);

/* vx_plugin_open; name (may be NULL) receives the strategy's name as soon
 * as it is known, also when the plugin is then refused ("" before). */
int vx_plugin_open_named(vx_plugin_host *host, const char *path,
                         vx_plugin **out, char *name, size_t namelen, char *err,
                         size_t errlen);

/* Registers p, which must not share a name with a registered plugin; the
 * registry takes over the caller's reference. VX_EEXIST or VX_ENOMEM
 * (the caller keeps its reference then). */
int vx_plugin_host_add(vx_plugin_host *host, vx_plugin *p, char *err,
                       size_t errlen);

/* Puts next in the place of the registered plugin of the same name: the
 * registry takes over the caller's reference to next and hands its
 * reference to the old plugin to the caller, who drops it when done
 * (vx_plugin_unref). Returns the old plugin, or NULL (nothing changed)
 * when no plugin of that name is registered. */
vx_plugin *vx_plugin_host_replace(vx_plugin_host *host, vx_plugin *next);

/* The registered plugin loaded from path (its origin), or NULL. */
vx_plugin *vx_plugin_host_find_origin(const vx_plugin_host *host,
                                      const char *path);

/* vx_plugin_open, then vx_plugin_host_add. */
int vx_plugin_host_load_file(vx_plugin_host *host, const char *path, char *err,
                             size_t errlen);

/* Loads every *.so in dir, in name order. Each refusal is logged as a
 * warning naming the file and why, and loading goes on with the others.
 * Returns the number of plugins loaded, or VX_EIO (logged) when the folder
 * cannot be read. */
int vx_plugin_host_load_dir(vx_plugin_host *host, const char *dir);

/* Registers an in-process descriptor (tests, embedded builds) with the same
 * checks and init as a file. `origin` names it in messages. */
int vx_plugin_host_register(vx_plugin_host *host,
                            const vx_strategy_descriptor *desc,
                            const char *origin, char *err, size_t errlen);

/* Plugin files refused by the last scan (at start, or the last reload):
 * noted by vx_plugin_host_load_dir and the reload, forgotten when a
 * reload starts. name is the strategy's when known, else "" or NULL.
 * each calls fn (may be NULL) for each under a lock and returns how many
 * there are: any thread (the metrics read them). */
void vx_plugin_host_note_refused(vx_plugin_host *host, const char *file,
                                 const char *name);
void vx_plugin_host_forget_refused(vx_plugin_host *host);
size_t vx_plugin_host_each_refused(vx_plugin_host *host,
                                   void (*fn)(const char *file,
                                              const char *name, void *arg),
                                   void *arg);

/* The plugin registered under name, or NULL. Borrowed: take a reference
 * with vx_plugin_ref to keep it beyond the registry's life. */
vx_plugin *vx_plugin_host_find(const vx_plugin_host *host, const char *name);

size_t vx_plugin_host_count(const vx_plugin_host *host);
/* The i-th plugin, in load order. Borrowed. */
vx_plugin *vx_plugin_host_at(const vx_plugin_host *host, size_t i);

/* Reference counting; any thread. The last unref calls fini and dlclose. */
void vx_plugin_ref(vx_plugin *p);
void vx_plugin_unref(vx_plugin *p);

/* The folder of built-in plugins for this binary: "<exe dir>/../plugins"
 * when it exists (a build tree), else the installed VX_PLUGINDIR. Static
 * storage; the caller does not free it. */
const char *vx_plugin_default_dir(void);

/* "string", "percentage", "list", "number", "boolean". */
const char *vx_param_type_name(vx_param_type t);

/* "static", "targeting", "split"; NULL for a kind the ABI does not know
 * (evaluation reads it as static). */
const char *vx_strategy_kind_name(vx_strategy_kind k);

#endif
