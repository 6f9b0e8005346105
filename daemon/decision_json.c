/* decision_json.c - decisions as native JSON. */
#include "decision_json.h"

json_t *vx_variant_json(const vx_decision *d) {
  const vx_variant *v = d->variant;
  json_t *o = json_object();
  if (o == NULL)
    return NULL;
  int bad =
      json_object_set_new(o, "name", json_string(v ? v->name : "disabled"));
  bad |= json_object_set_new(o, "enabled", json_boolean(v != NULL));
  bad |= json_object_set_new(o, "feature_enabled", json_boolean(d->enabled));
  if (v != NULL && v->payload.type_name != NULL) {
    json_t *p = json_pack("{s:s, s:s}", "type", v->payload.type_name, "value",
                          v->payload.value);
    bad |= p == NULL || json_object_set_new(o, "payload", p) != 0;
  }
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *vx_decision_json(const char *key, const vx_decision *d) {
  json_t *variant = vx_variant_json(d);
  if (variant == NULL)
    return NULL;
  return json_pack("{s:s, s:b, s:o, s:s}", "flag", key, "enabled", d->enabled,
                   "variant", variant, "reason", vx_reason_name(d->reason));
}
