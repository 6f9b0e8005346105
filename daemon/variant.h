/*
 * variant.h - flag-level and strategy-level variants: weights, stickiness,
 * overrides and typed payloads, selected as Unleash does.
 *
 * Selection: when the total weight is 0 there is no variant. Otherwise the
 * first variant with an override matching the context wins; else the seed
 * (stickiness "default": userId, sessionId, remoteAddress, else random; a
 * custom field: its value, else random) is hashed with
 * normalized(seed, group, total_weight, 86028157) and the variants are
 * walked, skipping weight 0, until the running weight reaches that bucket.
 */
#ifndef VX_VARIANT_H
#define VX_VARIANT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <vexil/sdk.h>

#include "context.h"

typedef enum vx_payload_type {
  VX_PAYLOAD_NONE = 0,
  VX_PAYLOAD_STRING,
  VX_PAYLOAD_JSON,
  VX_PAYLOAD_CSV,
  VX_PAYLOAD_NUMBER
} vx_payload_type;

typedef struct vx_payload {
  vx_payload_type type;
  char *type_name; /* as given: "string", "json", "csv", "number" */
  char *value;     /* as given (Unleash sends text) */
  /* The value as compact JSON text, written once at compile: a string, a
   * number, or the parsed JSON document. Answers copy it as it is, so the
   * evaluation path never walks (nor recurses into) a payload. */
  char *json;
  size_t json_len;
} vx_payload;

typedef struct vx_override {
  char *field;
  vx_field field_id;
  vx_strset *values;
} vx_override;

typedef struct vx_variant {
  char *name;
  uint32_t weight;
  vx_payload payload;
  vx_override *overrides;
  size_t n_overrides;
} vx_variant;

typedef struct vx_variant_set {
  vx_variant *items;
  size_t n;
  uint32_t total_weight;
  uint32_t n_weighted; /* variants with weight > 0 */
  bool has_overrides;
  char *stickiness; /* "default" or a field name */
  vx_field stick_id;
  vx_hash_prefix group; /* group + ":" with seed 86028157 */
} vx_variant_set;

/* How a variant was chosen. */
typedef enum vx_variant_how {
  VX_VARIANT_NONE = 0, /* no variant (total weight 0 or none defined) */
  VX_VARIANT_OVERRIDE, /* an override matched the context */
  VX_VARIANT_SINGLE,   /* only one variant can be chosen */
  VX_VARIANT_HASH      /* the sticky hash chose among several */
} vx_variant_how;

/* Compiles a JSON array of Unleash variants (NULL or [] gives an empty
 * set). The stickiness is the first variant's "stickiness", else
 * `fallback_stickiness` (a strategy's own), else "default". `group` is the
 * hash group (the flag key, or a strategy's groupId). Returns 0, or an
 * error with the variant's index and field in err (the first problem).
 * A malformed variant (not an object, no name, a weight that is not a
 * whole number 0..1000000) stops the compile there. These leave the set
 * whole and usable, so that an import keeps it while a strict
 * write refuses it:
 *  - a payload that is not what its type says (VX_EPARSE, VX_EINVAL), or a
 *    json payload nested deeper than VX_JSON_DEPTH_MAX (VX_ETOOBIG), is
 *    kept as a JSON string of its text;
 *  - a weightType other than "fix" or "variable" (VX_EINVAL), a "fix"
 *    weight over 1000 or fixed weights adding up to more (VX_ERANGE);
 *  - two variants of one name (VX_EEXIST).
 * Always leaves *out safe to free. Allocates; free with
 * vx_variant_set_free. */
int vx_variant_set_compile(const json_t *variants, const char *group,
                           const char *fallback_stickiness, vx_variant_set *out,
                           char *err, size_t errlen);

/* Chooses a variant for ctx; NULL when there is none. *how says why.
 * Thread-safe, allocation-free. */
const vx_variant *vx_variant_select(const vx_variant_set *vs,
                                    const vx_context *ctx, vx_variant_how *how);

void vx_variant_set_free(vx_variant_set *vs);

#endif
