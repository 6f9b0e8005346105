/*
 * flexible_rollout.c - the "flexibleRollout" strategy: on for a sticky
 * percentage of contexts.
 *
 * As Unleash's FlexibleRolloutStrategy:
 *   rollout     0..100; on when rollout > 0 and
 *               normalised(stickinessId, groupId, 100, seed 0) <= rollout.
 *   stickiness  which context value makes a context stick to its bucket:
 *               "default" (also when missing or empty): userId, else
 *               sessionId, else random; "userId" / "sessionId": that field,
 *               off when missing; "random": random; any other name: that
 *               context field or property, off when missing. An empty value
 *               counts as missing, as in Unleash.
 *   groupId     the hash group; missing or empty means the flag's key.
 *
 * Random stickiness does not invent an id to hash (Node hashes a random
 * number as text): it draws a bucket uniformly in 1..100 from
 * host->random_u32() as (r * 100 >> 32) + 1, which has the same
 * distribution without formatting or allocating.
 *
 * The "groupId:" prefix of the hash is computed at compile time, so
 * evaluate hashes only the id. Instances come from host->alloc.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "flexibleRollout"

typedef struct instance {
  const vx_host_api *host;
  uint32_t rollout; /* 0..100 */
  builtin_stickiness stickiness;
  vx_hash_prefix group; /* murmur3 state after "groupId:" */
  char field[];         /* STICKY_FIELD: the field name, NUL-terminated */
} instance;

static const vx_param_def params_table[] = {
    {"rollout", VX_PARAM_PERCENTAGE, 1,
     "Share of contexts that get the feature, 0 to 100."},
    {"stickiness", VX_PARAM_STRING, 0,
     "Context field that keeps a context in its bucket: default (userId, "
     "then sessionId, then random), userId, sessionId, random, or any "
     "context field or property name."},
    {"groupId", VX_PARAM_STRING, 0,
     "Hash group; flags with the same group and rollout reach the same "
     "contexts. Defaults to the flag's key."},
};

static int fr_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state,
                      BUILTIN_NEEDS_CONTEXT | BUILTIN_NEEDS_RANDOM);
}

static int fr_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");

  const char *rollout_text = vx_param_find(params, n_params, "rollout");
  if (rollout_text == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter rollout");
  int rollout;
  if (vx_parse_percentage(rollout_text, "rollout", &rollout, errbuf, errlen) !=
      0)
    return VX_EINVAL;

  const char *sticky_name = vx_param_find(params, n_params, "stickiness");
  builtin_stickiness sticky = builtin_stickiness_from_name(sticky_name);
  size_t field_len = sticky == STICKY_FIELD ? strlen(sticky_name) : 0;

  const char *group = vx_param_find(params, n_params, "groupId");
  if (group == NULL || group[0] == '\0')
    group = flag != NULL ? flag : "";

  instance *in = m->host->alloc(sizeof *in + field_len + 1);
  if (in == NULL)
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  in->host = m->host;
  in->rollout = (uint32_t)rollout;
  in->stickiness = sticky;
  vx_hash_prefix_init(&in->group, group, strlen(group), VX_SEED_ROLLOUT);
  if (field_len > 0)
    memcpy(in->field, sticky_name, field_len);
  in->field[field_len] = '\0';
  *out = in;
  return VX_OK;
}

static int fr_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  const vx_host_api *host = in->host;
  if (in->rollout == 0)
    return 0;

  /* A missing stickiness value (bucket 0) is off. */
  uint32_t bucket =
      builtin_sticky_bucket(host, ctx, in->stickiness, in->field, &in->group);
  return bucket != 0 && bucket <= in->rollout;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On for a sticky percentage of users, sessions or any "
                   "context field.",
    .kind = VX_KIND_SPLIT,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = fr_init,
    .fini = builtin_fini,
    .compile = fr_compile,
    .evaluate = fr_evaluate,
    .free_instance = builtin_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
