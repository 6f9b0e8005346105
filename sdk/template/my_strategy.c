/*
 * my_strategy.c - a minimal Vexil strategy plugin: on when a context field
 * holds one of the listed values. Copy it, rename STRATEGY_NAME and the
 * parameters, and change compile and evaluate.
 *
 *   values  (list, required)    the values that get the feature
 *   field   (string, optional)  the context field to read: userId (the
 *                               default), sessionId, remoteAddress,
 *                               environment, appName or any property name
 *
 * The contract (vexil/strategy.h): compile runs on the control thread and
 * may allocate; evaluate runs on many threads at once and must neither
 * allocate nor block nor write to the instance.
 */
#include <stdio.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#define STRATEGY_NAME "myStrategy"

typedef struct instance {
  const vx_host_api *host;
  vx_strset *values;
  char field[64];
} instance;

static const vx_param_def params_table[] = {
    {"values", VX_PARAM_LIST, 1,
     "Comma-separated values that get the feature, e.g. \"gold, platinum\"."},
    {"field", VX_PARAM_STRING, 0,
     "Context field to compare: userId (default), sessionId, or any "
     "property name such as plan."},
};

/* The host table is the plugin's only way into the daemon: keep it. Check
 * every host function the plugin calls with VX_HOST_HAS, so that an older
 * daemon, whose table ends before a function added later, is refused here
 * instead of crashing in evaluate. */
static int my_init(const vx_host_api *host, void **module_state) {
  if (host == NULL || host->abi_major != VX_ABI_MAJOR ||
      !VX_HOST_HAS(host, alloc) || !VX_HOST_HAS(host, free) ||
      !VX_HOST_HAS(host, context_get))
    return VX_EABI;
  *module_state = (void *)host;
  return VX_OK;
}

static int my_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  (void)flag;
  const vx_host_api *host = module_state;
  const char *values = vx_param_find(params, n_params, "values");
  const char *field = vx_param_find(params, n_params, "field");
  if (values == NULL) { /* the host checks required ones too */
    snprintf(errbuf, errlen, "missing parameter values");
    return VX_EINVAL;
  }
  if (field == NULL || field[0] == '\0')
    field = "userId";
  if (strlen(field) >= sizeof((instance *)0)->field) {
    snprintf(errbuf, errlen, "field must be at most 63 bytes");
    return VX_EINVAL;
  }
  instance *in = host->alloc(sizeof *in);
  if (in == NULL) {
    snprintf(errbuf, errlen, "out of memory");
    return VX_ENOMEM;
  }
  in->host = host;
  snprintf(in->field, sizeof in->field, "%s", field);
  int rc = vx_strset_from_csv(values, &in->values);
  if (rc != 0) {
    host->free(in);
    snprintf(errbuf, errlen, "values: %s", vx_strerror(rc));
    return rc;
  }
  *out = in;
  return VX_OK;
}

static int my_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  size_t len = 0;
  const char *v = in->host->context_get(ctx, in->field, &len);
  return v != NULL && vx_strset_contains(in->values, v, len);
}

static void my_free_instance(void *module_state, void *inst) {
  const vx_host_api *host = module_state;
  instance *in = inst;
  vx_strset_free(in->values);
  host->free(in);
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "0.1.0",
    .description = "On when a context field holds one of the listed values.",
    .kind = VX_KIND_TARGETING,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = my_init,
    .fini = NULL,
    .compile = my_compile,
    .evaluate = my_evaluate,
    .free_instance = my_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
