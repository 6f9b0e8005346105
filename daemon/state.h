/*
 * state.h - flag definitions in memory (what the store holds, issue 3) and
 * how a snapshot is built from them.
 *
 * envs:     {"ENV": {"FLAG": definition, ...}, ...}
 * segments: {"ID": {"id", "name", "constraints": [...]}, ...}
 * A definition is either a feature object (flag.h), as Unleash imports
 * give, or a native flag document {"key", "type", "environments": {"ENV":
 * state}} of which ENV's state is compiled (vx_state_native_def); either
 * parsed or as its JSON text in a JSON string. The daemon keeps native
 * documents as text, one text per flag shared by every environment
 * (vx_service_keep_flag_locked): at 10,000 flags parsed trees cost about
 * ten times the text, and a definition is parsed only to be compiled.
 * Definitions are owned by the state; compiled flags keep a reference to
 * the definition they came from (vx_flag.source), so replace a definition,
 * never edit it in place: an unchanged one is then recognised by identity
 * and not recompiled.
 */
#ifndef VX_STATE_H
#define VX_STATE_H

#include <jansson.h>
#include <stdint.h>

#include "plugin_host.h"
#include "snapshot.h"

typedef struct vx_state {
  json_t *envs;
  json_t *segments;
  uint64_t revision;
} vx_state;

typedef enum vx_import_mode {
  VX_IMPORT_REPLACE = 0, /* the environment's flags become exactly these */
  VX_IMPORT_MERGE = 1    /* these flags are added or replaced, others kept */
} vx_import_mode;

/* The feature object of a native flag document in environment env: the
 * state of env (or a switched-off one), plus "name" (the key) and "type".
 * A new reference; NULL on out-of-memory. */
json_t *vx_state_native_def(const json_t *flag, const char *env);

/* The feature object a definition (any of the forms above) stands for in
 * environment env: what is compiled. A new reference, or NULL with err
 * saying why (stored text that is not JSON, out of memory). */
json_t *vx_state_feature(const json_t *def, const char *env, char *err,
                         size_t errlen);

/* An empty state. Returns 0 or VX_ENOMEM. */
int vx_state_init(vx_state *st);
void vx_state_dispose(vx_state *st);

/* Imports Unleash's client state format {"version", "features",
 * "segments"} into environment env. Checks the shape first and changes
 * nothing on error (err names the place: "features[2].name must be a
 * non-empty string", "duplicate feature \"x\" at features[5]"). Segments
 * are global: imported ones replace those with the same id. Bumps the
 * revision. */
int vx_state_import_unleash(vx_state *st, const json_t *doc, const char *env,
                            vx_import_mode mode, char *err, size_t errlen);

/* Reads and imports an Unleash state file; JSON errors name the file, line
 * and column. */
int vx_state_import_unleash_file(vx_state *st, const char *path,
                                 const char *env, vx_import_mode mode,
                                 char *err, size_t errlen);

/* Builds the snapshot of st. Flags whose definition, segments and plugins
 * are unchanged since prev (may be NULL) are shared, not recompiled.
 * mode is passed to vx_flag_compile (0 = lenient, as Unleash's clients).
 * Returns 0 and *out, or the first strict compile error. */
int vx_snapshot_build(const vx_state *st, const vx_snapshot *prev,
                      vx_plugin_host *plugins, unsigned mode, vx_snapshot **out,
                      char *err, size_t errlen);

/* The same result as vx_snapshot_build when only the flags named in keys
 * (an array of keys, possibly empty) changed since prev: prev's tables are
 * copied and only those flags are looked at, so a toggle costs the same at
 * 10 flags as at 10,000. Falls back to a full build when it cannot be
 * sure (no prev, environments added or removed, a flag removed). */
int vx_snapshot_update(const vx_state *st, const vx_snapshot *prev,
                       vx_plugin_host *plugins, unsigned mode,
                       const json_t *keys, vx_snapshot **out, char *err,
                       size_t errlen);

#endif
