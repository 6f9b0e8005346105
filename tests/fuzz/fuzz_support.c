/* fuzz_support.c - see fuzz.h. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

#include "context.h"
#include "eval.h"
#include "flag.h"
#include "log.h"
#include "ofrep.h"
#include "state.h"

static vx_plugin_host *plugins;
static vx_state sample_state;
static vx_snapshot *sample;
static vx_context_json contexts[4];
static size_t n_contexts;

static void discard(vx_log_level level, const char *line, void *arg) {
  (void)level;
  (void)line;
  (void)arg;
}

/* The sample contexts: every field and property kind; odd values; none. */
static const char context_full[] =
    "{\"userId\": \"u-1\", \"sessionId\": \"s-1\", \"remoteAddress\": "
    "\"10.1.2.3\", \"environment\": \"production\", \"appName\": \"shop\", "
    "\"currentTime\": \"2024-05-06T07:08:09Z\", \"properties\": {\"email\": "
    "\"jane@example.com\", \"version\": \"1.2.3-rc.1\", \"n\": 5, \"beta\": "
    "true, \"country\": \"SE\", \"hostname\": \"web-1\"}}";
static const char context_odd[] =
    "{\"userId\": \"\xc3\xa9l\xc3\xa8ve\", \"remoteAddress\": "
    "\"2001:db8::1\", \"currentTime\": \"1969-12-31T23:59:59.999-03:30\", "
    "\"properties\": {\"n\": \"-1e300\", \"version\": \"10.0.0\"}}";
static const char context_bad[] =
    "{\"sessionId\": \"\", \"currentTime\": \"not a date\", "
    "\"properties\": {\"email\": \"\", \"n\": \"NaN\"}}";
static const char *const context_texts[] = {context_full, context_odd,
                                            context_bad, "{}"};

void vx_fuzz_init(void) {
  if (plugins != NULL)
    return;
  vx_log_set_level(VX_LOG_DEBUG);
  vx_log_set_sink(discard, NULL);
  plugins = vx_plugin_host_new();
  const char *dir = getenv("VX_PLUGIN_DIR");
  if (dir == NULL || dir[0] == '\0')
    dir = VX_FUZZ_PLUGIN_DIR;
  if (plugins == NULL || vx_plugin_host_load_dir(plugins, dir) <= 0 ||
      vx_plugin_host_find(plugins, "flexibleRollout") == NULL) {
    fprintf(stderr, "fuzz: no built-in plugins in %s (VX_PLUGIN_DIR)\n", dir);
    abort();
  }
  for (size_t i = 0; i < sizeof context_texts / sizeof *context_texts; i++) {
    json_t *j = json_loads(context_texts[i], 0, NULL);
    char err[256];
    if (j == NULL || vx_context_from_json(j, &contexts[i], err, sizeof err)) {
      fprintf(stderr, "fuzz: sample context %zu: %s\n", i, err);
      abort();
    }
    json_decref(j);
    n_contexts++;
  }
  char err[512];
  const char *path = VX_FUZZ_DIR "/corpus/unleash_import/"
                                 "every_operator_and_strategy.json";
  if (vx_state_init(&sample_state) != 0 ||
      vx_state_import_unleash_file(&sample_state, path, "production",
                                   VX_IMPORT_REPLACE, err, sizeof err) != 0 ||
      vx_snapshot_build(&sample_state, NULL, plugins, VX_COMPILE_STRICT,
                        &sample, err, sizeof err) != 0) {
    fprintf(stderr, "fuzz: the sample flags: %s\n", err);
    abort();
  }
}

const vx_env *vx_fuzz_sample_env(void) {
  return vx_snapshot_env(sample, "production");
}

vx_plugin_host *vx_fuzz_plugins(void) {
  return plugins;
}

json_t *vx_fuzz_json(const uint8_t *data, size_t size) {
  return json_loadb((const char *)data, size,
                    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
}

void vx_fuzz_decide_for(const vx_env *env, const vx_context *ctx) {
  for (size_t i = 0; i < env->cap; i++) {
    const vx_flag *f = vx_env_slot(env, i);
    if (f == NULL)
      continue;
    vx_decision d;
    vx_evaluate(env, f->key, f->key_len, ctx, &d);
    char stack[512];
    vx_jbuf b;
    vx_jbuf_init(&b, stack, sizeof stack);
    vx_ofrep_write_decision(&b, f->key, f->key_len, &d, ctx, 1);
    json_error_t e;
    json_t *answer = b.oom ? NULL : json_loadb(b.ptr, b.len, 0, &e);
    if (!b.oom && !json_is_object(answer)) {
      fprintf(stderr,
              "fuzz: the OFREP answer for %s is not a JSON object: "
              "%s\n%.*s\n",
              f->key, e.text, (int)b.len, b.ptr);
      abort();
    }
    json_decref(answer);
    vx_jbuf_dispose(&b);
  }
}

void vx_fuzz_decide_env(const vx_env *env) {
  for (size_t c = 0; c < n_contexts; c++)
    vx_fuzz_decide_for(env, &contexts[c].ctx);
}

void vx_fuzz_compile_and_decide(const json_t *def, const json_t *segments) {
  static const unsigned modes[] = {VX_COMPILE_STRICT, 0};
  int rc[2];
  for (size_t m = 0; m < 2; m++) {
    vx_flag *flag = NULL;
    char err[512];
    rc[m] = vx_flag_compile(def, segments, plugins, modes[m], &flag, err,
                            sizeof err);
    if (rc[m] != 0)
      continue;
    vx_snapshot *s = vx_snapshot_new(1);
    vx_env *env = s != NULL ? vx_snapshot_env_add(s, "production") : NULL;
    if (env != NULL && vx_env_put(env, flag) == 0)
      vx_fuzz_decide_env(env);
    vx_flag_unref(flag);
    vx_snapshot_free(s);
  }
  if (rc[0] == 0 && rc[1] != 0 && rc[1] != VX_ENOMEM) {
    fprintf(stderr, "fuzz: a strict compile passed, a lenient one failed\n");
    abort();
  }
}
