/*
 * gradual_rollout_random.c - the legacy "gradualRolloutRandom" strategy: on
 * for a random percentage of evaluations, with no stickiness.
 *
 * Each evaluation draws a bucket uniformly in 1..100 from
 * host->random_u32() as (r * 100 >> 32) + 1 and is on when
 * bucket <= percentage. So 0 is never on and 100 always on. This is
 * deliberately better than Unleash's Node client, which compares against
 * Math.round(Math.random() * 100) and is on about 0.5% of the time at 0.
 *
 * Instances come from host->alloc.
 */
#include <stddef.h>
#include <stdint.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "gradualRolloutRandom"

typedef struct instance {
  const vx_host_api *host;
  uint32_t percentage; /* 0..100 */
} instance;

static const vx_param_def params_table[] = {
    {"percentage", VX_PARAM_PERCENTAGE, 1,
     "Share of evaluations that are on, 0 to 100, drawn anew each time "
     "(not sticky)."},
};

static int grr_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state, BUILTIN_NEEDS_RANDOM);
}

static int grr_compile(void *module_state, const char *flag,
                       const vx_param *params, size_t n_params, void **out,
                       char *errbuf, size_t errlen) {
  (void)flag;
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

  instance *in = m->host->alloc(sizeof *in);
  if (in == NULL)
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  in->host = m->host;
  in->percentage = (uint32_t)percentage;
  *out = in;
  return VX_OK;
}

static int grr_evaluate(const void *inst, const vx_context *ctx) {
  (void)ctx;
  const instance *in = inst;
  if (in->percentage == 0)
    return 0;
  return builtin_random_bucket(in->host) <= in->percentage;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On for a random percentage of evaluations, not sticky "
                   "(legacy; prefer flexibleRollout with random stickiness).",
    .kind = VX_KIND_SPLIT,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = grr_init,
    .fini = builtin_fini,
    .compile = grr_compile,
    .evaluate = grr_evaluate,
    .free_instance = builtin_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
