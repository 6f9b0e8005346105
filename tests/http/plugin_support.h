/*
 * plugin_support.h - what the HTTP tests of plugins share (test_reload.c,
 * test_plugin_faults.c): a private plugin folder per test that fixtures
 * are copied into, flags made with one strategy, decisions, reloads.
 * Failures are CUnit assertions.
 */
#ifndef VX_TEST_PLUGIN_SUPPORT_H
#define VX_TEST_PLUGIN_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "harness.h"

/* The test's plugin folder (/tmp/vx-plugins-XXXXXX), made on first use. */
const char *vxp_dir(void);

/* Copies fixture_dir/NAME.so into the folder as AS: in place (same
 * inode), or when by_rename through a new file renamed over it, as
 * install(1) does. */
void vxp_put(const char *fixture_dir, const char *name, const char *as,
             bool by_rename);

/* Stops d (SIGTERM, status 0 expected) and removes its data and the
 * plugin folder; the next vxp_dir makes a new one. */
void vxp_stop(vxh_daemon *d);

/* Creates flag key, enabled in production with one strategy and its
 * parameters (JSON text). */
void vxp_create_flag(const vxh_daemon *d, const char *key, const char *strategy,
                     const char *params);

/* The native decision's "enabled" for userId user: 1, 0, or -1 when the
 * answer was not a 200 with a boolean; *reason (may be NULL, 32 bytes)
 * receives its reason. */
int vxp_enabled(const vxh_daemon *d, const char *flag, const char *user,
                char *reason);

/* POST /api/v1/admin/plugins/reload, 200 expected: the answer. */
json_t *vxp_reload(const vxh_daemon *d);

#endif
