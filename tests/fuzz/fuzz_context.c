/*
 * fuzz_context - an evaluation context from JSON, both ways the daemon
 * converts one: OFREP's (ofrep.c: targetingKey, other keys as properties)
 * and Unleash's (context.c), then every sample flag decided for it (so the
 * context's values reach every operator and strategy), and the bulk
 * answer's ETag. The input is a request body {"context": ...} or the
 * context itself.
 */
#include "fuzz.h"
#include "ofrep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vx_fuzz_init();
  json_t *tree = vx_fuzz_json(data, size);
  if (tree == NULL)
    return 0;
  const json_t *ctx = json_object_get(tree, "context");
  if (ctx == NULL)
    ctx = tree;
  char err[512];
  vx_ofrep_context oc;
  if (vx_ofrep_context_map(json_is_null(ctx) ? NULL : ctx, &oc, err,
                           sizeof err) == 0)
    vx_fuzz_decide_for(vx_fuzz_sample_env(), &oc.ctx);
  vx_ofrep_context_dispose(&oc);
  vx_context_json cj;
  if (vx_context_from_json(ctx, &cj, err, sizeof err) == 0)
    vx_fuzz_decide_for(vx_fuzz_sample_env(), &cj.ctx);
  vx_context_json_dispose(&cj);
  char etag[VX_OFREP_ETAG_MAX];
  vx_ofrep_etag(1, "production", ctx, etag);
  json_decref(tree);
  return 0;
}
