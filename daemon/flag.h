/*
 * flag.h - one flag in one environment, compiled: the unit a snapshot
 * holds and evaluation reads. Immutable once compiled and shared between
 * snapshots by reference count (an unchanged flag is not recompiled).
 *
 * The definition is Unleash's feature object, which is also Vexil's native
 * per-environment flag state:
 *   {"name", "enabled", "strategies": [{"name", "parameters", "constraints",
 *    "segments", "variants"}], "variants": [...], "dependencies":
 *    [{"feature", "enabled", "variants"}]}
 */
#ifndef VX_FLAG_H
#define VX_FLAG_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "constraint.h"
#include "plugin_compile.h"
#include "variant.h"

typedef struct vx_cstrategy {
  int index;         /* its place in the definition's "strategies" */
  char *name;        /* the strategy (plugin) name */
  vx_plugin *plugin; /* referenced; NULL when no such plugin is loaded */
  void *instance;    /* the plugin's compiled instance */
  vx_constraint *constraints; /* segments' constraints, then its own */
  size_t n_constraints;
  bool never;    /* missing plugin or segment, or refused parameters */
  bool targeted; /* has constraints or segments: an "on" is a match */
  vx_variant_set variants; /* strategy-level variants */
} vx_cstrategy;

typedef struct vx_dependency {
  char *feature;
  size_t feature_len;
  bool enabled;    /* the parent must be on (true) or off (false) */
  char **variants; /* with enabled: one of these variant names */
  size_t n_variants;
} vx_dependency;

/* The flag's declared "type" (what OFREP's value is: ofrep.h). */
typedef enum vx_flag_type {
  VX_FLAG_UNTYPED = 0, /* none declared */
  VX_FLAG_BOOLEAN,
  VX_FLAG_STRING,
  VX_FLAG_NUMBER,
  VX_FLAG_OBJECT
} vx_flag_type;

typedef struct vx_flag {
  atomic_uint refs;
  char *key;
  size_t key_len;
  uint64_t key_hash; /* vx_key_hash(key) */
  bool enabled;
  vx_cstrategy *strategies;
  size_t n_strategies;
  vx_variant_set variants; /* flag-level */
  vx_dependency *deps;
  size_t n_deps;
  vx_flag_type type;
  /* What the flag was compiled from, as the state held it (a reference set
   * by the snapshot builder, NULL otherwise): an unchanged definition is
   * the same object, so it is reused without a recompile. The compiled
   * flag keeps no parsed copy of its definition. */
  json_t *source;
  json_t *segments; /* segment definitions it used by id, null for an id
                       that was missing (owned; NULL when it uses none):
                       see vx_snapshot_build */
} vx_flag;

/* Compiles one feature object. `segments` is an object mapping segment id
 * (as a string) to {"id", "name", "constraints"}; may be NULL. With
 * VX_COMPILE_STRICT any problem (unknown plugin, refused parameters, bad
 * constraint, unknown segment, bad variant) fails with a message naming the
 * place ("strategies[1] (flexibleRollout): rollout must be 0..100, got
 * 140"). Without it, as Unleash's clients do, a broken strategy is kept
 * but never on and each problem is logged as a warning. Returns 0 and a
 * flag with one reference in *out. */
int vx_flag_compile(const json_t *def, const json_t *segments,
                    vx_plugin_host *plugins, unsigned mode, vx_flag **out,
                    char *err, size_t errlen);

/* The same; with a strict refusal about one parameter, field (when not
 * NULL) receives its place in the definition,
 * "strategies[1].parameters.timezone" (else ""). */
int vx_flag_compile_at(const json_t *def, const json_t *segments,
                       vx_plugin_host *plugins, unsigned mode, vx_flag **out,
                       char *err, size_t errlen, char *field, size_t fieldlen);

void vx_flag_ref(vx_flag *f);
/* Drops a reference; the last one frees the flag and releases its plugin
 * instances. Control thread only (plugins' free_instance contract). */
void vx_flag_unref(vx_flag *f);

/* The hash used for flag lookups (64-bit, a word at a time). */
uint64_t vx_key_hash(const char *key, size_t len);

#endif
