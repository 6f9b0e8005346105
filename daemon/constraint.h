/*
 * constraint.h - Unleash's constraints, compiled once and evaluated many
 * times: IN, NOT_IN, STR_CONTAINS, STR_STARTS_WITH, STR_ENDS_WITH, NUM_EQ,
 * NUM_GT, NUM_GTE, NUM_LT, NUM_LTE, DATE_AFTER, DATE_BEFORE, SEMVER_EQ,
 * SEMVER_GT, SEMVER_LT, SEMVER_GTE, SEMVER_LTE, REGEX, IN_CIDR, each with
 * `inverted` and `caseInsensitive`.
 *
 * Semantics (those of Unleash's reference client):
 *  - the field is resolved as vx_context_lookup does (currentTime defaults
 *    to now for DATE_*);
 *  - list operators (IN, NOT_IN, STR_*, IN_CIDR) read `values`, single-value
 *    operators (NUM_*, DATE_*, SEMVER_*, REGEX) read `value`; each falls back
 *    to the other spelling when its own is missing; list items are trimmed
 *    and empty items dropped;
 *  - a missing field makes every operator false except NOT_IN (true);
 *  - `caseInsensitive` applies to STR_* and REGEX (Unleash ignores it for
 *    the others, and so do we);
 *  - `inverted` negates the result, including for a missing field;
 *  - an unknown operator, a value that cannot be compiled (bad number,
 *    date, version, or a regex RE2 would refuse), or an `inverted` or
 *    `caseInsensitive` that is not a boolean (nor null) makes the
 *    constraint false whatever `inverted` says: it never raises at
 *    evaluation time;
 *  - a bad item of a list (an object or array among `values`, an IN_CIDR
 *    entry that is not an address or range) is left out, and the other
 *    items still match, as Unleash's remoteAddress does with its IPs.
 */
#ifndef VX_CONSTRAINT_H
#define VX_CONSTRAINT_H

#include <jansson.h>
#include <stdbool.h>

#include <vexil/sdk.h>

#include "context.h"

typedef enum vx_op {
  VX_OP_INVALID = 0,
  VX_OP_IN,
  VX_OP_NOT_IN,
  VX_OP_STR_CONTAINS,
  VX_OP_STR_STARTS_WITH,
  VX_OP_STR_ENDS_WITH,
  VX_OP_NUM_EQ,
  VX_OP_NUM_GT,
  VX_OP_NUM_GTE,
  VX_OP_NUM_LT,
  VX_OP_NUM_LTE,
  VX_OP_DATE_AFTER,
  VX_OP_DATE_BEFORE,
  VX_OP_SEMVER_EQ,
  VX_OP_SEMVER_GT,
  VX_OP_SEMVER_LT,
  VX_OP_SEMVER_GTE,
  VX_OP_SEMVER_LTE,
  VX_OP_REGEX,
  VX_OP_IN_CIDR
} vx_op;

/* VX_OP_INVALID for an unknown name. */
vx_op vx_op_from_name(const char *name);
const char *vx_op_name(vx_op op);

typedef struct vx_constraint_impl vx_constraint_impl; /* private */

/* A compiled constraint. Immutable after vx_constraint_compile. */
typedef struct vx_constraint {
  char *field;       /* contextName, owned */
  vx_field field_id; /* precomputed vx_field_from_name(field) */
  vx_op op;
  bool inverted;
  bool case_insensitive;
  bool never;               /* unknown operator or uncompilable value: false */
  vx_constraint_impl *impl; /* operator data (sets, numbers, regex...) */
} vx_constraint;

/* Compiles one Unleash constraint object. Always fills *out so that it can
 * be evaluated and freed. Returns 0 when the constraint is well formed;
 * otherwise returns VX_EINVAL (shape: not an object, contextName missing),
 * VX_ETYPE (inverted or caseInsensitive not a boolean), VX_EUNSUPPORTED
 * (unknown operator) or VX_EPARSE (bad value, with what and why in err,
 * e.g. "REGEX: backreferences are not supported (RE2 syntax)"), so that an
 * admin write refuses it while an Unleash import keeps it. Whether it can
 * be evaluated is out->never: set for all of these but a bad list item,
 * which is left out (VX_EPARSE, never false: the rest of the list works).
 * Allocates; free with vx_constraint_free. */
int vx_constraint_compile(const json_t *def, vx_constraint *out, char *err,
                          size_t errlen);

/* The constraint's result for ctx. Thread-safe, lock-free; allocates
 * nothing except, rarely, for case-insensitive text over 1 KiB. */
bool vx_constraint_eval(const vx_constraint *c, const vx_context *ctx);

/* Frees what compile allocated (not c itself). Safe on a zeroed struct. */
void vx_constraint_free(vx_constraint *c);

#endif
