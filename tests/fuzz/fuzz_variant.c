/*
 * fuzz_variant - a variants array with its payloads (string, json, csv,
 * number), overrides and stickiness: compiled (variant.c), then a flag
 * that has them at flag level and at strategy level compiled and decided,
 * so that every chosen payload is written into an OFREP answer.
 */
#include "fuzz.h"
#include "variant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vx_fuzz_init();
  json_t *variants = vx_fuzz_json(data, size);
  if (variants == NULL)
    return 0;
  vx_variant_set vs;
  char err[512];
  vx_variant_set_compile(variants, "flag", NULL, &vs, err, sizeof err);
  vx_variant_set_free(&vs);
  json_t *flag =
      json_pack("{s:s, s:b, s:O, s:[{s:s, s:O}, {s:s}]}", "name", "variants",
                "enabled", 1, "variants", variants, "strategies", "name",
                "userWithId", "variants", variants, "name", "default");
  if (flag != NULL)
    vx_fuzz_compile_and_decide(flag, NULL);
  json_decref(flag);
  json_decref(variants);
  return 0;
}
