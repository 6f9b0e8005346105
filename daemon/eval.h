/*
 * eval.h - the decision for one flag and one context (design.md §4).
 *
 * A flag is on when it is enabled in the environment, its dependencies are
 * satisfied, and it has no strategies or any strategy is on. A strategy is
 * on when its segments' and its own constraints all hold and its plugin
 * says yes: evaluate returned exactly 1. Any other result than 0 or 1 (a
 * VX_E* error) is off too, fail closed, and is counted and logged
 * (strategy_stats.h). The variant comes from the deciding strategy's variants
 * when it has any that can be chosen, else from the flag's.
 *
 * Reasons: DISABLED (switched off in the environment), STATIC (on for
 * everyone), TARGETING_MATCH (a constraint, segment, list or override
 * decided), SPLIT (a percentage or a variant hash decided), DEFAULT
 * (nothing matched, or a dependency is not satisfied), FLAG_NOT_FOUND.
 *
 * Everything here is lock-free and allocation-free: it reads an immutable
 * snapshot and writes only into the caller's vx_decision (a plugin's error
 * adds an atomic count and, once a minute, a log line).
 */
#ifndef VX_EVAL_H
#define VX_EVAL_H

#include <stdbool.h>

#include "context.h"
#include "snapshot.h"

typedef enum vx_reason {
  VX_REASON_STATIC = 0,
  VX_REASON_TARGETING_MATCH,
  VX_REASON_SPLIT,
  VX_REASON_DISABLED,
  VX_REASON_DEFAULT,
  VX_REASON_FLAG_NOT_FOUND
} vx_reason;

typedef struct vx_decision {
  const vx_flag *flag;       /* NULL when not found */
  bool enabled;              /* the flag is on for this context */
  const vx_variant *variant; /* NULL: the "disabled" variant */
  vx_reason reason;
  int strategy; /* index in the definition of the strategy that decided,
                   or -1 */
} vx_decision;

/* The OFREP / native spelling: "STATIC", "TARGETING_MATCH", "SPLIT",
 * "DISABLED", "DEFAULT", "FLAG_NOT_FOUND". */
const char *vx_reason_name(vx_reason r);

/* Decides flag (found in env) for ctx. Dependencies are looked up in env. */
void vx_eval_flag(const vx_env *env, const vx_flag *flag, const vx_context *ctx,
                  vx_decision *out);

/* Whether one dependency of a flag holds for ctx in env, as vx_eval_flag
 * decides it (a missing parent, or one with dependencies of its own, never
 * satisfies it). *parent gets the parent's decision (not enabled when the
 * parent was not decided). */
bool vx_dependency_holds(const vx_env *env, const vx_dependency *dep,
                         const vx_context *ctx, vx_decision *parent);

/* Looks key up in env and decides it. Returns 0, or VX_ENOENT with
 * out->reason FLAG_NOT_FOUND (env may be NULL: nothing is found). */
int vx_evaluate(const vx_env *env, const char *key, size_t len,
                const vx_context *ctx, vx_decision *out);

#endif
