/*
 * decision_json.h - a decision as the native evaluation API and
 * `vexild evaluate` print it:
 *   {"flag", "enabled", "variant": {"name", "enabled", "feature_enabled",
 *    "payload"?}, "reason"}
 * (the HTTP API adds "revision"). The payload is Unleash's {"type",
 * "value"} and is present only when the variant has one.
 */
#ifndef VX_DECISION_JSON_H
#define VX_DECISION_JSON_H

#include <jansson.h>

#include "eval.h"

/* A new JSON object (the caller decrefs), or NULL on OOM. */
json_t *vx_decision_json(const char *key, const vx_decision *d);

/* The "variant" object alone. */
json_t *vx_variant_json(const vx_decision *d);

#endif
