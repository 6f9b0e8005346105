/*
 * fuzz_segment - a segment document {"id", "name", "constraints"}: each
 * constraint compiled as a segment write checks it (vx_constraint_compile),
 * then a flag whose strategy uses the segment compiled strictly and
 * leniently and decided for the sample contexts.
 */
#include "constraint.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vx_fuzz_init();
  json_t *seg = vx_fuzz_json(data, size);
  if (seg == NULL)
    return 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(seg, "constraints"), i, c) {
    vx_constraint compiled;
    char why[512];
    vx_constraint_compile(c, &compiled, why, sizeof why);
    vx_constraint_free(&compiled);
  }
  json_t *segments = json_pack("{s:O}", "1", seg);
  json_t *flag = json_loads(
      "{\"name\": \"uses-segment\", \"enabled\": true, \"strategies\": "
      "[{\"name\": \"default\", \"segments\": [1]}]}",
      0, NULL);
  if (segments != NULL && flag != NULL)
    vx_fuzz_compile_and_decide(flag, segments);
  json_decref(flag);
  json_decref(segments);
  json_decref(seg);
  return 0;
}
