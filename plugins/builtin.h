/*
 * builtin.h - the small pieces every built-in strategy repeats, as static
 * functions: each module still builds from its one .c file and exports only
 * vexil_strategy_entry. Private to plugins/, not part of the SDK.
 *
 * Module state is a builtin_module holding the host table; instances are
 * allocated with host->alloc and keep the host pointer themselves, since
 * evaluate sees only the instance.
 */
#ifndef VX_PLUGINS_BUILTIN_H
#define VX_PLUGINS_BUILTIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

/* Host functions a plugin needs besides alloc and free. */
#define BUILTIN_NEEDS_CONTEXT 1u /* context_get */
#define BUILTIN_NEEDS_RANDOM 2u  /* random_u32 */
#define BUILTIN_NEEDS_TIME 4u    /* now_ms */

typedef struct builtin_module {
  const vx_host_api *host;
} builtin_module;

/* init: refuses (VX_EABI) a host of another major or whose table lacks a
 * function the plugin uses, else keeps the host in the module state. */
static inline int builtin_init(const vx_host_api *host, void **module_state,
                               unsigned needs) {
  if (host == NULL || module_state == NULL || host->abi_major != VX_ABI_MAJOR ||
      !VX_HOST_HAS(host, alloc) || !VX_HOST_HAS(host, free) ||
      ((needs & BUILTIN_NEEDS_CONTEXT) && !VX_HOST_HAS(host, context_get)) ||
      ((needs & BUILTIN_NEEDS_RANDOM) && !VX_HOST_HAS(host, random_u32)) ||
      ((needs & BUILTIN_NEEDS_TIME) && !VX_HOST_HAS(host, now_ms)))
    return VX_EABI;
  builtin_module *m = host->alloc(sizeof *m);
  if (m == NULL)
    return VX_ENOMEM;
  m->host = host;
  *module_state = m;
  return VX_OK;
}

/* fini for a builtin_module. */
static inline void builtin_fini(void *module_state) {
  builtin_module *m = module_state;
  if (m != NULL)
    m->host->free(m);
}

/* free_instance for an instance that is one host block. */
static inline void builtin_free_instance(void *module_state, void *instance) {
  builtin_module *m = module_state;
  if (m != NULL && instance != NULL)
    m->host->free(instance);
}

/* Writes a message for a release manager into errbuf; returns rc. */
static inline int builtin_fail(char *errbuf, size_t errlen, int rc,
                               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline int builtin_fail(char *errbuf, size_t errlen, int rc,
                               const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
  return rc;
}

/* A context field, or NULL when it is absent or empty (Unleash tests
 * values for truth, so "" counts as missing). Safe in evaluate. */
static inline const char *builtin_context_value(const vx_host_api *host,
                                                const vx_context *ctx,
                                                const char *field,
                                                size_t *len) {
  *len = 0;
  const char *v = host->context_get(ctx, field, len);
  return v != NULL && *len > 0 ? v : NULL;
}

/* A bucket in 1..100, uniformly, from the host's per-thread generator:
 * (r * 100 >> 32) + 1. No formatting, no allocation: safe in evaluate. */
static inline uint32_t builtin_random_bucket(const vx_host_api *host) {
  return (uint32_t)(((uint64_t)host->random_u32() * 100u) >> 32) + 1u;
}

/* Unleash's stickiness, as flexibleRollout and rampRollout read it. */
typedef enum builtin_stickiness {
  STICKY_DEFAULT,    /* userId, else sessionId, else random */
  STICKY_USER_ID,    /* userId or off */
  STICKY_SESSION_ID, /* sessionId or off */
  STICKY_RANDOM,     /* random bucket */
  STICKY_FIELD       /* the named context field or property, or off */
} builtin_stickiness;

/* "default" (also NULL or ""), "userId", "sessionId", "random", or any
 * other name: a context field or property. */
static inline builtin_stickiness builtin_stickiness_from_name(const char *n) {
  if (n == NULL || n[0] == '\0' || strcmp(n, "default") == 0)
    return STICKY_DEFAULT;
  if (strcmp(n, "userId") == 0)
    return STICKY_USER_ID;
  if (strcmp(n, "sessionId") == 0)
    return STICKY_SESSION_ID;
  if (strcmp(n, "random") == 0)
    return STICKY_RANDOM;
  return STICKY_FIELD;
}

/* The context's bucket in 1..100 for a sticky rollout: Unleash's
 * normalised hash of the stickiness value in the group whose "groupId:"
 * prefix is `group`, or a random bucket; 0 when the stickiness value is
 * missing (the strategy is then off). field: the name for STICKY_FIELD.
 * Safe in evaluate. */
static inline uint32_t builtin_sticky_bucket(const vx_host_api *host,
                                             const vx_context *ctx,
                                             builtin_stickiness sticky,
                                             const char *field,
                                             const vx_hash_prefix *group) {
  const char *id = NULL;
  size_t len = 0;
  switch (sticky) {
  case STICKY_DEFAULT:
    id = builtin_context_value(host, ctx, "userId", &len);
    if (id == NULL)
      id = builtin_context_value(host, ctx, "sessionId", &len);
    if (id == NULL)
      return builtin_random_bucket(host);
    break;
  case STICKY_USER_ID:
    id = builtin_context_value(host, ctx, "userId", &len);
    break;
  case STICKY_SESSION_ID:
    id = builtin_context_value(host, ctx, "sessionId", &len);
    break;
  case STICKY_RANDOM:
    return builtin_random_bucket(host);
  case STICKY_FIELD:
    id = builtin_context_value(host, ctx, field, &len);
    break;
  }
  return id == NULL ? 0 : vx_hash_prefix_normalized(group, id, len, 100);
}

/* The time a decision is made at, in ms since the epoch: the context's
 * currentTime when given (as Unleash's currentTime overrides now), else
 * host->now_ms(). Returns 0 when currentTime is given but is not a date,
 * so that a time strategy is off rather than guessing. Safe in evaluate. */
static inline int builtin_eval_time(const vx_host_api *host,
                                    const vx_context *ctx, int64_t *ms) {
  size_t len = 0;
  const char *t = host->context_get(ctx, "currentTime", &len);
  if (t == NULL || len == 0) {
    *ms = host->now_ms();
    return 1;
  }
  return vx_time_parse(t, len, ms) == 0;
}

#endif
