/*
 * user_with_id.c - the "userWithId" strategy: on for the listed user ids.
 *
 * As Unleash's UserWithIdStrategy: userIds is a comma-separated list, items
 * trimmed of white space; the strategy is on when the context's userId is
 * one of them, exactly (case-sensitive). An empty list is valid and never
 * on; a missing or empty userId is never on.
 *
 * The list becomes a vx_strset at compile time, so evaluate is one hash
 * lookup. Instances come from host->alloc; the set is the SDK's.
 */
#include <stddef.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "userWithId"

typedef struct instance {
  const vx_host_api *host;
  vx_strset *user_ids;
} instance;

static const vx_param_def params_table[] = {
    {"userIds", VX_PARAM_LIST, 1,
     "Comma-separated user ids that get the feature, e.g. \"123, 222, 88\"."},
};

static int uwi_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state, BUILTIN_NEEDS_CONTEXT);
}

static int uwi_compile(void *module_state, const char *flag,
                       const vx_param *params, size_t n_params, void **out,
                       char *errbuf, size_t errlen) {
  (void)flag;
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");
  const char *ids = vx_param_find(params, n_params, "userIds");
  if (ids == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter userIds");

  instance *in = m->host->alloc(sizeof *in);
  if (in == NULL)
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  in->host = m->host;
  int rc = vx_strset_from_csv(ids, &in->user_ids);
  if (rc != 0) {
    m->host->free(in);
    return builtin_fail(errbuf, errlen, rc < 0 ? rc : VX_EINTERNAL,
                        "userIds: %s", vx_strerror(rc));
  }
  *out = in;
  return VX_OK;
}

static int uwi_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  size_t len;
  const char *user_id = builtin_context_value(in->host, ctx, "userId", &len);
  return user_id != NULL && vx_strset_contains(in->user_ids, user_id, len);
}

static void uwi_free_instance(void *module_state, void *inst) {
  (void)module_state;
  instance *in = inst;
  if (in == NULL)
    return;
  vx_strset_free(in->user_ids);
  in->host->free(in);
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On for the users whose userId is in a list.",
    .kind = VX_KIND_TARGETING,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = uwi_init,
    .fini = builtin_fini,
    .compile = uwi_compile,
    .evaluate = uwi_evaluate,
    .free_instance = uwi_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
