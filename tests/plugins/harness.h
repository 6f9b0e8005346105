/*
 * harness.h - runs one plugin's tests twice: once against the module
 * loaded through the real dlopen path (VX_PLUGIN_DIR/NAME.so, as the daemon
 * loads it: RTLD_NOW | RTLD_LOCAL, dlsym of vexil_strategy_entry), and once
 * against the same source linked into the test program. Both runs use the
 * fake host (fake_host.h).
 *
 * A test reaches the plugin under test through th_desc / th_state and the
 * helpers below, so it does not know which of the two it is running on.
 */
#ifndef VX_TEST_HARNESS_H
#define VX_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <vexil/strategy.h>

#include "fake_host.h"
#include "vx_test.h"

/* The descriptor and module state under test (set per run). */
extern const vx_strategy_descriptor *th_desc;
extern void *th_state;
/* The message of the last th_compile. */
extern char th_err[256];

/* Runs tests[] (terminated by {NULL, NULL}) on the module file
 * `module_file` (e.g. "flexible_rollout", without ".so") from
 * $VX_PLUGIN_DIR, then on `linked`, the descriptor of the same source
 * linked in. Adds the checks every plugin must pass. Returns an exit
 * status. */
int th_run_both(const char *module_file, const vx_strategy_descriptor *linked,
                const vx_test *tests);

/* compile(th_state, flag, params...) where params are name, value pairs
 * ended by NULL. Returns the plugin's code and fills th_err; *instance is
 * set on success. */
int th_compile(const char *flag, void **instance, ...)
    __attribute__((sentinel));
/* The same, asserting success without a warning (fatal); returns the
 * instance. */
void *th_compile_ok(const char *flag, ...) __attribute__((sentinel));
/* The same, asserting success with exactly the warning `message` (the
 * parameters are usable but partly wrong, see strategy.h). */
void *th_compile_warns(const char *message, const char *flag, ...)
    __attribute__((sentinel));
/* The same, asserting failure with VX_EINVAL and exactly `message`. */
void th_compile_fails(const char *message, const char *flag, ...)
    __attribute__((sentinel));

int th_eval(const void *instance, const vx_context *ctx);
void th_free(void *instance);

/* A context with only `name` set to value (see fh_ctx_set). Valid until
 * the next call. */
const vx_context *th_ctx1(const char *name, const char *value);

/* Asserts the descriptor's name, kind and parameter table (name, type,
 * required, non-empty help), in order. */
typedef struct th_param_expect {
  const char *name;
  vx_param_type type;
  int required;
} th_param_expect;
void th_check_descriptor(const char *name, vx_strategy_kind kind,
                         const th_param_expect *params, size_t n_params);

/* Evaluates instance on ctxs[0..n) round-robin `iterations` times and
 * asserts that neither host->alloc nor (for linked code) malloc, calloc or
 * realloc was called. */
void th_assert_evaluate_allocates_nothing(const void *instance,
                                          const vx_context *const *ctxs,
                                          size_t n, unsigned iterations);

/* Compiles with host->alloc failing at its 1st, 2nd, ... call until a
 * compile succeeds; asserts each failure is VX_ENOMEM with "out of
 * memory" and leaves no host block behind. params as for th_compile. */
void th_assert_compile_survives_alloc_failures(const char *flag, ...)
    __attribute__((sentinel));

/* r such that a bucket drawn as (r * 100 >> 32) + 1 is `bucket` (1..100):
 * how the rollout plugins map host->random_u32() to 1..100. */
uint32_t th_random_for_bucket(uint32_t bucket);

/* Decimal text of i in a rotating set of buffers (ids for loops). */
const char *th_id(const char *prefix, unsigned i);

#endif
