/*
 * plugin_compile.h - a strategy's parameters checked against its plugin's
 * table, then compiled by the plugin into an instance.
 *
 * The host's checks, in order:
 *   1. names: a name the plugin's table does not declare is unknown.
 *      Strict (admin writes): refused, naming the parameter, the names the
 *      strategy takes and the closest one ("timezone": did you mean
 *      "timeZone"?). Lenient (imports, snapshots): kept, passed to the
 *      plugin as before, with a warning. "groupId" and "stickiness" are
 *      always known: the core reads them for strategy variants.
 *   2. required parameters are present;
 *   3. each declared type ("rollout must be 0..100, got 140").
 * Then the plugin's compile. All on the control thread (or in the
 * pre-load check's child, plugin_check.h, which passes text parameters).
 */
#ifndef VX_PLUGIN_COMPILE_H
#define VX_PLUGIN_COMPILE_H

#include <jansson.h>
#include <stddef.h>

#include "plugin_host.h"

/* Modes of vx_plugin_compile (and vx_flag_compile, which passes its own). */
#define VX_COMPILE_STRICT 1u /* refuse any problem (admin writes) */

/* Parameters as compile receives them: every value as text. */
typedef struct vx_params {
  vx_param *list; /* names borrowed from the JSON object, values owned */
  size_t n;
} vx_params;

/* Converts a JSON object of parameters (or NULL / null = none): strings
 * as they are, numbers and booleans as their text, arrays of strings
 * joined with ",", as Unleash and the admin API send them; null values
 * are left out. Names point into params, which must outlive out. Returns
 * 0, VX_ETYPE with err naming the parameter, or VX_ENOMEM. Release with
 * vx_params_dispose (also after a failure). */
int vx_params_from_json(const json_t *params, vx_params *out, char *err,
                        size_t errlen);
void vx_params_dispose(vx_params *ps);

/* The host's checks above on text parameters, then the plugin's compile.
 * On success *instance holds a new instance to be released with
 * vx_plugin_free_instance (it holds a reference to p). When the plugin
 * accepted the parameters with a warning (see strategy.h), or a name is
 * unknown, VX_COMPILE_STRICT refuses with VX_EINVAL; otherwise 0 is
 * returned with the warning left in err (err[0] == '\0' when there is
 * none). *param (may be NULL) receives the name of the parameter the host
 * refused (borrowed from params or from p's table), or NULL when the
 * refusal is not about one parameter (or came from the plugin). */
int vx_plugin_compile_params(vx_plugin *p, const char *flag,
                             const vx_param *params, size_t n, unsigned mode,
                             void **instance, char *err, size_t errlen,
                             const char **param);

/* vx_params_from_json, then vx_plugin_compile_params. *param (may be
 * NULL) as there: borrowed from params (the JSON) or p's table. */
int vx_plugin_compile_at(vx_plugin *p, const char *flag, const json_t *params,
                         unsigned mode, void **instance, char *err,
                         size_t errlen, const char **param);
int vx_plugin_compile(vx_plugin *p, const char *flag, const json_t *params,
                      unsigned mode, void **instance, char *err, size_t errlen);

/* Releases an instance made by one of the above: free_instance, then the
 * instance's reference to p. NULL p is a no-op. */
void vx_plugin_free_instance(vx_plugin *p, void *instance);

/* Of the names the plugin declares (and groupId, stickiness), the one
 * closest to `name`: equal but for case first, else within an edit
 * distance of about a third of its length. NULL when none is close. */
const char *vx_param_suggest(const vx_strategy_descriptor *d, const char *name);

#endif
