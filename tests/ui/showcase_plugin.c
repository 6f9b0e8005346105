/*
 * showcase_plugin.c - a strategy plugin that only the browser tests load
 * (uiShowcase, one parameter of each type), to prove that a strategy from
 * a new plugin gets its form in the UI from its parameter table alone.
 * compile() refuses a level outside 0..10, so its message can be seen at
 * the field; evaluate() is on when "loud" is "true".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/strategy.h>

static const vx_param_def params[] = {
    {"label", VX_PARAM_STRING, 1, "A name shown to release managers."},
    {"share", VX_PARAM_PERCENTAGE, 0, "A percentage, 0 to 100."},
    {"regions", VX_PARAM_LIST, 0, "Comma-separated region codes."},
    {"level", VX_PARAM_NUMBER, 0, "A whole number, 0 to 10."},
    {"loud", VX_PARAM_BOOLEAN, 0, "On for everyone when true."},
};

static int sc_init(const vx_host_api *host, void **state) {
  (void)host;
  *state = NULL;
  return 0;
}

static const int on = 1, off = 0;

static int sc_compile(void *state, const char *flag, const vx_param *p,
                      size_t n, void **instance, char *err, size_t errlen) {
  (void)state, (void)flag;
  const int *result = &off;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(p[i].name, "level") == 0) {
      char *end;
      long v = strtol(p[i].value, &end, 10);
      if (*p[i].value == '\0' || *end != '\0' || v < 0 || v > 10) {
        snprintf(err, errlen, "level must be 0..10, got %s", p[i].value);
        return VX_EINVAL;
      }
    } else if (strcmp(p[i].name, "loud") == 0) {
      result = strcmp(p[i].value, "true") == 0 ? &on : &off;
    }
  }
  *instance = (void *)result;
  return 0;
}

static int sc_evaluate(const void *instance, const vx_context *ctx) {
  (void)ctx;
  return *(const int *)instance;
}

static void sc_free_instance(void *state, void *instance) {
  (void)state, (void)instance;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = "uiShowcase",
    .version = "0.0.1",
    .description = "A test plugin with one parameter of each type.",
    .kind = VX_KIND_STATIC,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .init = sc_init,
    .fini = NULL,
    .compile = sc_compile,
    .evaluate = sc_evaluate,
    .free_instance = sc_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
