/* eval.c - deciding a flag for a context (Unleash semantics). */
#include "eval.h"

#include <string.h>

const char *vx_reason_name(vx_reason r) {
  switch (r) {
  case VX_REASON_STATIC:
    return "STATIC";
  case VX_REASON_TARGETING_MATCH:
    return "TARGETING_MATCH";
  case VX_REASON_SPLIT:
    return "SPLIT";
  case VX_REASON_DISABLED:
    return "DISABLED";
  case VX_REASON_DEFAULT:
    return "DEFAULT";
  case VX_REASON_FLAG_NOT_FOUND:
    return "FLAG_NOT_FOUND";
  }
  return "ERROR";
}

/* Not inlined into the hot loop: a plugin that errs is the rare case. */
__attribute__((cold, noinline)) static void
plugin_erred(const vx_flag *flag, const vx_cstrategy *s, int rc) {
  vx_strategy_eval_error(s->plugin->stats, s->plugin->desc->version, flag->key,
                         rc);
}

/* Fail closed: only a result of exactly 1 is on. A negative VX_E* code or
 * a stray positive value is off, and is counted and logged. */
static bool strategy_on(const vx_flag *flag, const vx_cstrategy *s,
                        const vx_context *ctx) {
  if (s->never)
    return false;
  for (size_t i = 0; i < s->n_constraints; i++)
    if (!vx_constraint_eval(&s->constraints[i], ctx))
      return false;
  int rc = s->plugin->desc->evaluate(s->instance, ctx);
  if (__builtin_expect(rc == 1, 1))
    return true;
  if (__builtin_expect(rc != 0, 0))
    plugin_erred(flag, s, rc);
  return false;
}

/* Why the deciding strategy is on, before variants are considered. */
static vx_reason strategy_reason(const vx_cstrategy *s) {
  vx_strategy_kind kind = s->plugin->desc->kind;
  if (kind == VX_KIND_SPLIT)
    return VX_REASON_SPLIT;
  if (s->targeted || kind == VX_KIND_TARGETING)
    return VX_REASON_TARGETING_MATCH;
  return VX_REASON_STATIC;
}

static void decide(const vx_env *env, const vx_flag *flag,
                   const vx_context *ctx, vx_decision *out, int depth);

static bool variant_listed(const vx_dependency *dep, const vx_variant *v) {
  const char *name = v != NULL ? v->name : "disabled";
  for (size_t i = 0; i < dep->n_variants; i++)
    if (strcmp(dep->variants[i], name) == 0)
      return true;
  return false;
}

/* Unleash: a missing parent, or a parent that itself has dependencies (one
 * level only, which also breaks cycles), never satisfies a dependency. */
static bool dependency_holds(const vx_env *env, const vx_dependency *dep,
                             const vx_context *ctx, int depth,
                             vx_decision *pd) {
  const vx_flag *parent =
      env != NULL ? vx_env_find(env, dep->feature, dep->feature_len) : NULL;
  if (parent == NULL || parent->n_deps > 0 || depth > 0) {
    *pd = (vx_decision){
        .flag = parent, .reason = VX_REASON_DEFAULT, .strategy = -1};
    return false;
  }
  decide(env, parent, ctx, pd, depth + 1);
  if (!dep->enabled)
    return !pd->enabled;
  return pd->enabled &&
         (dep->n_variants == 0 || variant_listed(dep, pd->variant));
}

bool vx_dependency_holds(const vx_env *env, const vx_dependency *dep,
                         const vx_context *ctx, vx_decision *parent) {
  return dependency_holds(env, dep, ctx, 0, parent);
}

static bool dependencies_hold(const vx_env *env, const vx_flag *flag,
                              const vx_context *ctx, int depth) {
  for (size_t i = 0; i < flag->n_deps; i++) {
    vx_decision pd;
    if (!dependency_holds(env, &flag->deps[i], ctx, depth, &pd))
      return false;
  }
  return true;
}

static void choose_variant(const vx_flag *flag, const vx_cstrategy *s,
                           const vx_context *ctx, vx_decision *out) {
  vx_variant_how how = VX_VARIANT_NONE;
  const vx_variant *v = NULL;
  if (s != NULL && s->variants.n > 0)
    v = vx_variant_select(&s->variants, ctx, &how);
  if (v == NULL)
    v = vx_variant_select(&flag->variants, ctx, &how);
  out->variant = v;
  if (how == VX_VARIANT_OVERRIDE)
    out->reason = VX_REASON_TARGETING_MATCH;
  else if (how == VX_VARIANT_HASH)
    out->reason = VX_REASON_SPLIT;
}

static void decide(const vx_env *env, const vx_flag *flag,
                   const vx_context *ctx, vx_decision *out, int depth) {
  out->flag = flag;
  out->enabled = false;
  out->variant = NULL;
  out->strategy = -1;
  if (!flag->enabled) {
    out->reason = VX_REASON_DISABLED;
    return;
  }
  out->reason = VX_REASON_DEFAULT;
  if (flag->n_deps > 0 && !dependencies_hold(env, flag, ctx, depth))
    return;
  const vx_cstrategy *chosen = NULL;
  if (flag->n_strategies == 0) {
    out->reason = VX_REASON_STATIC;
  } else {
    for (size_t i = 0; i < flag->n_strategies; i++) {
      if (strategy_on(flag, &flag->strategies[i], ctx)) {
        chosen = &flag->strategies[i];
        out->strategy = chosen->index;
        out->reason = strategy_reason(chosen);
        break;
      }
    }
    if (chosen == NULL)
      return;
  }
  out->enabled = true;
  choose_variant(flag, chosen, ctx, out);
}

void vx_eval_flag(const vx_env *env, const vx_flag *flag, const vx_context *ctx,
                  vx_decision *out) {
  decide(env, flag, ctx, out, 0);
}

int vx_evaluate(const vx_env *env, const char *key, size_t len,
                const vx_context *ctx, vx_decision *out) {
  const vx_flag *flag = env != NULL ? vx_env_find(env, key, len) : NULL;
  if (flag == NULL) {
    out->flag = NULL;
    out->enabled = false;
    out->variant = NULL;
    out->reason = VX_REASON_FLAG_NOT_FOUND;
    out->strategy = -1;
    return VX_ENOENT;
  }
  decide(env, flag, ctx, out, 0);
  return 0;
}
