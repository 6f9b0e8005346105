/*
 * fuzz_flag - a flag document compiled as the daemon compiles one: either
 * a native document {"key", "type", "environments": {ENV: state}} (each
 * environment's state, vx_state_native_def) or an Unleash feature object;
 * strictly (admin writes) and leniently (imports), with the sample
 * segments; each flag that compiles is decided for the sample contexts and
 * its OFREP answer written.
 */
#include "fuzz.h"
#include "state.h"

static json_t *segments(void) {
  static json_t *s;
  if (s == NULL)
    s = json_loads("{\"1\": {\"id\": 1, \"name\": \"europe\", \"constraints\":"
                   " [{\"contextName\": \"country\", \"operator\": \"IN\", "
                   "\"values\": [\"SE\", \"FR\"]}]}}",
                   0, NULL);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vx_fuzz_init();
  json_t *doc = vx_fuzz_json(data, size);
  if (doc == NULL)
    return 0;
  const json_t *envs = json_object_get(doc, "environments");
  if (json_is_object(envs)) {
    const char *env;
    const json_t *state;
    json_object_foreach((json_t *)envs, env, state) {
      json_t *def = vx_state_native_def(doc, env);
      if (def != NULL)
        vx_fuzz_compile_and_decide(def, segments());
      json_decref(def);
    }
  } else {
    vx_fuzz_compile_and_decide(doc, segments());
  }
  json_decref(doc);
  return 0;
}
