/*
 * fuzz_unleash_import - Unleash's client state format {"version",
 * "features", "segments"} imported into a state (state.c checks its shape),
 * merged over the sample, then snapshots built leniently (as an import
 * compiles) and strictly, and every flag decided for the sample contexts.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vx_fuzz_init();
  json_t *doc = vx_fuzz_json(data, size);
  if (doc == NULL)
    return 0;
  static const unsigned modes[] = {0, VX_COMPILE_STRICT};
  for (int merge = 0; merge < 2; merge++) {
    vx_state st;
    char err[512];
    if (vx_state_init(&st) != 0)
      abort();
    if (merge)
      vx_state_import_unleash_file(
          &st,
          VX_FUZZ_DIR "/corpus/unleash_import/"
                      "every_operator_and_strategy.json",
          "production", VX_IMPORT_REPLACE, err, sizeof err);
    if (vx_state_import_unleash(&st, doc, "production",
                                merge ? VX_IMPORT_MERGE : VX_IMPORT_REPLACE,
                                err, sizeof err) == 0) {
      for (int m = 0; m < 2; m++) {
        vx_snapshot *snap = NULL;
        if (vx_snapshot_build(&st, NULL, vx_fuzz_plugins(), modes[m], &snap,
                              err, sizeof err) == 0) {
          const vx_env *env = vx_snapshot_env(snap, "production");
          if (env != NULL)
            vx_fuzz_decide_env(env);
          vx_snapshot_free(snap);
        }
      }
    }
    vx_state_dispose(&st);
  }
  json_decref(doc);
  return 0;
}
