/*
 * gradual_rollout_sticky.c - the legacy "gradualRolloutUserId" and
 * "gradualRolloutSessionId" strategies: on for a sticky percentage of
 * users (or sessions). One source, built twice: GR_SESSION selects the
 * session variant (plugins/meson.build).
 *
 * As Unleash's GradualRollout{UserId,SessionId}Strategy: off when the
 * context has no (or an empty) userId / sessionId; otherwise on when
 * percentage > 0 and normalised(id, groupId, 100, seed 0) <= percentage.
 * Unlike flexibleRollout, groupId defaults to the empty string, not the
 * flag key: that is what Unleash does, and changing it would re-bucket
 * users.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#ifdef GR_SESSION
#define STRATEGY_NAME "gradualRolloutSessionId"
#define STICKY_FIELD "sessionId"
#define WHO "sessions"
#else
#define STRATEGY_NAME "gradualRolloutUserId"
#define STICKY_FIELD "userId"
#define WHO "users"
#endif

typedef struct instance {
  const vx_host_api *host;
  uint32_t percentage;  /* 0..100 */
  vx_hash_prefix group; /* murmur3 state after "groupId:" */
} instance;

static const vx_param_def params_table[] = {
    {"percentage", VX_PARAM_PERCENTAGE, 1,
     "Share of " WHO " that get the feature, 0 to 100."},
    {"groupId", VX_PARAM_STRING, 0,
     "Hash group; flags with the same group and percentage reach the same " WHO
     ". Defaults to the empty string."},
};

static int gr_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state, BUILTIN_NEEDS_CONTEXT);
}

static int gr_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  (void)flag; /* deliberately not the default group: see above */
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");

  const char *text = vx_param_find(params, n_params, "percentage");
  if (text == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "missing parameter percentage");
  int percentage;
  if (vx_parse_percentage(text, "percentage", &percentage, errbuf, errlen) != 0)
    return VX_EINVAL;

  const char *group = vx_param_find(params, n_params, "groupId");
  if (group == NULL)
    group = "";

  instance *in = m->host->alloc(sizeof *in);
  if (in == NULL)
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  in->host = m->host;
  in->percentage = (uint32_t)percentage;
  vx_hash_prefix_init(&in->group, group, strlen(group), VX_SEED_ROLLOUT);
  *out = in;
  return VX_OK;
}

static int gr_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  if (in->percentage == 0)
    return 0;
  size_t len;
  const char *id = builtin_context_value(in->host, ctx, STICKY_FIELD, &len);
  if (id == NULL)
    return 0;
  return vx_hash_prefix_normalized(&in->group, id, len, 100) <= in->percentage;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On for a sticky percentage of " WHO ", by " STICKY_FIELD
                   " (legacy; prefer flexibleRollout).",
    .kind = VX_KIND_SPLIT,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = gr_init,
    .fini = builtin_fini,
    .compile = gr_compile,
    .evaluate = gr_evaluate,
    .free_instance = builtin_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
