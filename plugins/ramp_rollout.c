/*
 * ramp_rollout.c - the "rampRollout" strategy: a sticky rollout whose
 * percentage moves in a straight line from startPercentage at startTime to
 * endPercentage at endTime, so that a progressive rollout needs no one to
 * touch the flag.
 *
 *   startPercentage  0..100: the share before and at startTime.
 *   endPercentage    0..100: the share at and after endTime.
 *   startTime        ISO 8601 date-time (vx_time_parse: an offset-less
 *   endTime          one is UTC); endTime must be after startTime.
 *   stickiness       as flexibleRollout: default, userId, sessionId,
 *                    random or any context field.
 *   groupId          the hash group; missing or empty: the flag's key.
 *
 * At time t the share is p(t) = start% + (end% - start%) * (t - startTime)
 * / (endTime - startTime), clamped to the two ends, and a context is on
 * when its bucket, normalised(stickiness value, groupId, 100, seed 0) as
 * flexibleRollout computes it, is <= p(t). Since the bucket of a context
 * never changes, a growing ramp only ever adds contexts: whoever is in
 * stays in. With the same group, a context is in a rampRollout at p%
 * exactly when it is in a flexibleRollout at p%, so a ramp can take over
 * from a manual rollout without moving anyone.
 *
 * The time is the context's currentTime when given (a currentTime that is
 * not a date is off), else the host's clock.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "rampRollout"

typedef struct instance {
  const vx_host_api *host;
  int64_t t0, t1; /* ms since the epoch, t0 < t1 */
  int32_t p0, p1; /* percentages 0..100 */
  builtin_stickiness stickiness;
  vx_hash_prefix group; /* murmur3 state after "groupId:" */
  char field[];         /* STICKY_FIELD: the field name */
} instance;

static const vx_param_def params_table[] = {
    {"startPercentage", VX_PARAM_PERCENTAGE, 1,
     "Share of contexts that get the feature at the start time, 0 to 100."},
    {"endPercentage", VX_PARAM_PERCENTAGE, 1,
     "Share at the end time, 0 to 100; in between the share grows (or "
     "shrinks) in a straight line."},
    {"startTime", VX_PARAM_STRING, 1,
     "When the ramp starts, ISO 8601, e.g. 2025-06-01T09:00:00Z (without "
     "an offset: UTC)."},
    {"endTime", VX_PARAM_STRING, 1,
     "When the ramp reaches the end percentage, ISO 8601; after the start "
     "time."},
    {"stickiness", VX_PARAM_STRING, 0,
     "Context field that keeps a context in its bucket: default (userId, "
     "then sessionId, then random), userId, sessionId, random, or any "
     "context field or property name."},
    {"groupId", VX_PARAM_STRING, 0,
     "Hash group; the same group and share reach the same contexts as a "
     "flexibleRollout. Defaults to the flag's key."},
};

static int rr_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state,
                      BUILTIN_NEEDS_CONTEXT | BUILTIN_NEEDS_RANDOM |
                          BUILTIN_NEEDS_TIME);
}

static int parse_when(const char *name, const char *s, int64_t *out,
                      char *errbuf, size_t errlen) {
  if (s == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter %s",
                        name);
  size_t n;
  const char *t = vx_trim_space(s, strlen(s), &n);
  if (vx_time_parse(t, n, out) != 0)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "%s must be an ISO 8601 date-time such as "
                        "2025-06-01T09:00:00Z, got \"%.40s\"",
                        name, s);
  return 0;
}

static int rr_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");
  int p0, p1;
  int64_t t0, t1;
  static const char *const pct[2] = {"startPercentage", "endPercentage"};
  int *dst[2] = {&p0, &p1};
  for (int i = 0; i < 2; i++) {
    const char *v = vx_param_find(params, n_params, pct[i]);
    if (v == NULL)
      return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter %s",
                          pct[i]);
    if (vx_parse_percentage(v, pct[i], dst[i], errbuf, errlen) != 0)
      return VX_EINVAL;
  }
  int rc = parse_when("startTime", vx_param_find(params, n_params, "startTime"),
                      &t0, errbuf, errlen);
  if (rc == 0)
    rc = parse_when("endTime", vx_param_find(params, n_params, "endTime"), &t1,
                    errbuf, errlen);
  if (rc != 0)
    return rc;
  if (t1 <= t0)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "endTime must be after startTime");

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
  in->t0 = t0;
  in->t1 = t1;
  in->p0 = p0;
  in->p1 = p1;
  in->stickiness = sticky;
  vx_hash_prefix_init(&in->group, group, strlen(group), VX_SEED_ROLLOUT);
  if (field_len > 0)
    memcpy(in->field, sticky_name, field_len);
  in->field[field_len] = '\0';
  *out = in;
  return VX_OK;
}

/* On when bucket <= p(t), compared exactly: bucket * span <= p0 * span +
 * (p1 - p0) * elapsed, in 128-bit integers (no rounding, no overflow). */
static int rr_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  int64_t now;
  if (!builtin_eval_time(in->host, ctx, &now))
    return 0;
  uint32_t bucket = builtin_sticky_bucket(in->host, ctx, in->stickiness,
                                          in->field, &in->group);
  if (bucket == 0) /* the stickiness value is missing */
    return 0;
  if (now <= in->t0)
    return in->p0 > 0 && bucket <= (uint32_t)in->p0;
  if (now >= in->t1)
    return in->p1 > 0 && bucket <= (uint32_t)in->p1;
  __int128 span = (__int128)in->t1 - in->t0;
  __int128 share = (__int128)in->p0 * span +
                   (__int128)(in->p1 - in->p0) * ((__int128)now - in->t0);
  return (__int128)bucket * span <= share;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "A sticky rollout whose share grows on its own from a "
                   "start to an end percentage between two dates.",
    .kind = VX_KIND_SPLIT,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = rr_init,
    .fini = builtin_fini,
    .compile = rr_compile,
    .evaluate = rr_evaluate,
    .free_instance = builtin_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
