/*
 * default.c - the "default" strategy: on for everyone.
 *
 * As Unleash's DefaultStrategy. It takes no parameters (unknown ones are
 * ignored), needs no module state and no host function, so it leaves init
 * and fini NULL. Every compile hands out the same static instance, which
 * free_instance leaves alone.
 */
#include <vexil/strategy.h>

/* The one instance: nothing to remember, never written, never freed. */
static char always_on_instance;

static int default_compile(void *module_state, const char *flag,
                           const vx_param *params, size_t n_params,
                           void **instance, char *errbuf, size_t errlen) {
  (void)module_state;
  (void)flag;
  (void)params;
  (void)n_params;
  (void)errbuf;
  (void)errlen;
  *instance = &always_on_instance;
  return VX_OK;
}

static int default_evaluate(const void *instance, const vx_context *ctx) {
  (void)instance;
  (void)ctx;
  return 1;
}

static void default_free_instance(void *module_state, void *instance) {
  (void)module_state;
  (void)instance;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = "default",
    .version = "1.0.0",
    .description = "On for everyone.",
    .kind = VX_KIND_STATIC,
    .params = NULL,
    .n_params = 0,
    .init = NULL,
    .fini = NULL,
    .compile = default_compile,
    .evaluate = default_evaluate,
    .free_instance = default_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
