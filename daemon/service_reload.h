/*
 * service_reload.h - plugins reloaded without a restart
 * (POST /api/v1/admin/plugins/reload and SIGHUP).
 *
 * A reload rescans the plugin folders (the configured ones, else the
 * built-in folder), in name order, under the service's write lock:
 *   - a file no plugin came from is loaded (a new strategy);
 *   - a file whose content (SHA-256) differs from what was loaded from it
 *     is loaded from a content-addressed copy (plugin_host.h) and checked:
 *     the descriptor checks, the same strategy name, and every strategy of
 *     every flag that uses it must compile with the new version wherever
 *     the old version compiled it. Then it replaces the old one;
 *   - before either is mapped it passes the pre-load check in a forked
 *     child (plugin_check.h), with the flags that use it;
 *   - anything refused is rejected, and the previous version keeps
 *     serving.
 * When something was loaded or replaced, the revision is bumped with an
 * audit entry ("plugins.reload") and the flags using those strategies are
 * recompiled into a new snapshot, published as any write is (event
 * stream, ETags). Evaluations go on throughout on the snapshot they hold;
 * an old module is unloaded once no snapshot references it. A file
 * removed from a folder leaves its strategy loaded until a restart.
 */
#ifndef VX_SERVICE_RELOAD_H
#define VX_SERVICE_RELOAD_H

#include <jansson.h>

#include "service.h"

/* Loads the plugins at start, once the flags are read (vx_service_open):
 * sets <data_dir>/plugin-cache as the plugin host's cache folder (logs a
 * warning when it cannot: reloads then cannot replace a plugin), turns on
 * the pre-load check (plugin_check.h: each plugin exercised in a forked
 * child, with the flags that use it, cfg->plugin_check_timeout_ms per
 * call), and loads every folder. A plugin refused there is not loaded:
 * flags that use it compile as with an unknown strategy, that strategy
 * off (never a wrong "on"), the log says so, and /metrics counts it
 * (vexil_plugins_refused, vexil_plugin_refused{file,strategy}) until a
 * reload loads a version that passes. */
void vx_service_load_plugins(vx_service *svc);

/* Reloads as described above. Returns 0 and *report (a new reference):
 *   {"loaded":   [{"name", "version", "file"}],
 *    "replaced": [{"name", "version", "previous_version", "file",
 *                  "flags": [keys of flags recompiled]}],
 *    "rejected": [{"file", "name" (when known), "reason"}],
 *    "unchanged": N, "revision": R}
 * Each entry is also logged. Returns a negative VX_E* with err filled
 * only when the reload could not be done at all (a folder unreadable, the
 * store refusing the audit entry); nothing has changed then. actor NULL
 * is "system". */
int vx_service_reload_plugins(vx_service *svc, const vx_principal *actor,
                              json_t **report, vx_werr *err);

/* Runs fn(arg) with the service's write lock held, so that it can read
 * the plugin registry while no reload changes it (the admin API's list
 * of strategies). */
void vx_service_with_plugins(vx_service *svc,
                             void (*fn)(vx_plugin_host *host, void *arg),
                             void *arg);

#endif
