/*
 * http_admin_explain.c - why a flag decides what it decides for a context:
 *
 *   POST /api/v1/admin/flags/{key}/environments/{env}/explain
 *        {"context": {Unleash context}}
 *     -> {"flag", "environment", "revision", "enabled", "variant",
 *         "reason", "strategy", "explanation": "one sentence",
 *         "strategies": [{"index", "name", "result", "summary",
 *                         "constraints": [{"contextName", "operator",
 *                           "values" | "value", "inverted",
 *                           "caseInsensitive", "segment"?, "actual",
 *                           "holds"}]}],
 *         "dependencies": [{"feature", "enabled", "variants"?,
 *                           "parent_enabled", "parent_variant", "holds"}]}
 *
 * The decision (enabled, variant, reason, strategy) is made exactly as the
 * native evaluation API makes it, by vx_evaluate on the current snapshot;
 * the explanation around it re-checks each constraint of the definition
 * that snapshot compiled (and the segments it used), compiled here again
 * on the request's thread, against the same context: both come from one
 * snapshot, whatever writes land meanwhile. A strategy's "result" is "on" (it
 * decided), "off" (its constraints held but its plugin said no), "constraints"
 * (a constraint or segment did not hold; the failing ones have "holds": false),
 * or "not_reached" (an earlier strategy decided). Admin token only: it shows
 * the flag's targeting. The evaluation hot path is not touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraint.h"
#include "decision_json.h"
#include "engine.h"
#include "http_admin_internal.h"
#include "state.h"

/* An id as text: segment ids are strings ("1"), and strategies may refer
 * to them by string or by number. */
static void id_text(const json_t *id, char *buf, size_t len) {
  if (json_is_string(id))
    snprintf(buf, len, "%s", json_string_value(id));
  else if (json_is_integer(id))
    snprintf(buf, len, "%lld", (long long)json_integer_value(id));
  else
    snprintf(buf, len, "?");
}

/* The segment {"id", "name", "constraints"} with id, or NULL (borrowed). */
static const json_t *find_segment(const json_t *segments, const json_t *id) {
  char want[64], have[64];
  id_text(id, want, sizeof want);
  size_t i;
  const json_t *s;
  json_array_foreach(segments, i, s) {
    id_text(json_object_get(s, "id"), have, sizeof have);
    if (strcmp(want, have) == 0)
      return s;
  }
  return NULL;
}

/* Checks one constraint definition against ctx and appends its report.
 * Returns whether it holds. */
static bool check_constraint(const json_t *def, const vx_context *ctx,
                             const char *segment, json_t *out) {
  vx_constraint c;
  char err[256] = "";
  int rc = vx_constraint_compile(def, &c, err, sizeof err);
  bool holds = vx_constraint_eval(&c, ctx);
  json_t *r = json_is_object(def) ? json_deep_copy(def) : json_object();
  if (c.field != NULL) {
    size_t len;
    const char *v = vx_context_lookup(ctx, c.field_id, c.field, &len);
    json_object_set_new(r, "actual",
                        v != NULL ? json_stringn(v, len) : json_null());
  }
  if (segment != NULL)
    json_object_set_new(r, "segment", json_string(segment));
  if (rc != 0)
    json_object_set_new(r, "error", json_string(err));
  json_object_set_new(r, "holds", json_boolean(holds));
  json_array_append_new(out, r);
  vx_constraint_free(&c);
  return holds;
}

/* The report of strategy i of a state. */
static json_t *strategy_report(const json_t *s, size_t i, const json_t *segs,
                               const vx_context *ctx, const vx_decision *d) {
  json_t *cons = json_array();
  bool all = true;
  size_t j;
  const json_t *id;
  json_array_foreach(json_object_get(s, "segments"), j, id) {
    const json_t *seg = find_segment(segs, id);
    const char *name = json_string_value(json_object_get(seg, "name"));
    char label[80], idt[64];
    if (name == NULL) {
      id_text(id, idt, sizeof idt);
      snprintf(label, sizeof label, "segment %s", idt);
      name = label;
    }
    const json_t *c;
    size_t k;
    json_array_foreach(json_object_get(seg, "constraints"), k, c) {
      all = check_constraint(c, ctx, name, cons) && all;
    }
  }
  const json_t *c;
  json_array_foreach(json_object_get(s, "constraints"), j, c) {
    all = check_constraint(c, ctx, NULL, cons) && all;
  }
  const char *result;
  if (d->strategy == (int)i)
    result = "on";
  else if (d->strategy >= 0 && (int)i > d->strategy)
    result = "not_reached";
  else if (!all)
    result = "constraints";
  else
    result = "off";
  const char *summary =
      strcmp(result, "on") == 0
          ? "decided: its conditions hold and its plugin said yes"
      : strcmp(result, "not_reached") == 0
          ? "not asked: an earlier strategy decided"
      : strcmp(result, "constraints") == 0 ? "off: a condition does not hold"
                                           : "off: its plugin said no";
  const char *name = json_string_value(json_object_get(s, "name"));
  return json_pack("{s:I, s:s, s:s, s:s, s:o}", "index", (json_int_t)i, "name",
                   name ? name : "", "result", result, "summary", summary,
                   "constraints", cons);
}

/* The report of each dependency, with the parent decided in env: whether
 * it holds is vx_dependency_holds's answer, the one decisions use. */
static json_t *dependency_report(const json_t *deps, const vx_env *env,
                                 const vx_context *ctx) {
  json_t *out = json_array();
  size_t i;
  const json_t *dep;
  json_array_foreach(deps, i, dep) {
    const char *feature = json_string_value(json_object_get(dep, "feature"));
    if (feature == NULL)
      continue;
    const json_t *variants = json_object_get(dep, "variants");
    size_t nv = json_array_size(variants);
    char **names = calloc(nv ? nv : 1, sizeof *names);
    if (names == NULL)
      continue;
    vx_dependency d = {.feature = (char *)feature,
                       .feature_len = strlen(feature),
                       .enabled =
                           !json_is_false(json_object_get(dep, "enabled")),
                       .variants = names};
    size_t k;
    const json_t *v;
    json_array_foreach(variants, k, v) {
      if (json_is_string(v))
        names[d.n_variants++] = (char *)json_string_value(v);
    }
    vx_decision pd;
    bool holds = vx_dependency_holds(env, &d, ctx, &pd);
    free(names);
    const char *pv = pd.enabled
                         ? (pd.variant != NULL ? pd.variant->name : "disabled")
                         : "disabled";
    json_t *r = json_deep_copy(dep);
    json_object_set_new(r, "parent_enabled", json_boolean(pd.enabled));
    json_object_set_new(r, "parent_variant", json_string(pv));
    json_object_set_new(r, "holds", json_boolean(holds));
    json_array_append_new(out, r);
  }
  return out;
}

/* One sentence for a release manager. */
static json_t *sentence(const vx_decision *d, const char *env,
                        const json_t *strategies, const json_t *deps) {
  char s[512];
  size_t n = json_array_size(strategies);
  if (d->reason == VX_REASON_DISABLED) {
    snprintf(s, sizeof s, "Off: the flag is switched off in %s.", env);
  } else if (!d->enabled) {
    const json_t *dep;
    size_t i;
    const char *failed = NULL;
    json_array_foreach(deps, i, dep) {
      if (failed == NULL && json_is_false(json_object_get(dep, "holds")))
        failed = json_string_value(json_object_get(dep, "feature"));
    }
    if (failed != NULL)
      snprintf(s, sizeof s,
               "Off: it depends on %s, which does not give what it needs.",
               failed);
    else
      snprintf(s, sizeof s,
               "Off: none of its %zu strategies is on for this context.", n);
  } else if (d->strategy < 0) {
    snprintf(s, sizeof s,
             "On: it is enabled in %s and has no strategy, so it is on for "
             "everyone.",
             env);
  } else {
    const char *name = json_string_value(json_object_get(
        json_array_get(strategies, (size_t)d->strategy), "name"));
    snprintf(s, sizeof s, "On: strategy %d (%s) decided.", d->strategy + 1,
             name ? name : "?");
  }
  if (d->enabled && d->variant != NULL) {
    size_t len = strlen(s);
    snprintf(s + len, sizeof s - len, " Variant %s, %s.", d->variant->name,
             d->reason == VX_REASON_TARGETING_MATCH
                 ? "by an override or a match"
                 : "by the variant hash");
  }
  return json_string(s);
}

void vx_admin_explain(vx_req *req, char *const *arg) {
  json_t *body = vx_req_json(req, true);
  if (body == NULL)
    return;
  static const char *const allowed[] = {"context", NULL};
  const json_t *context = json_object_get(body, "context");
  if (!vx_admin_check_fields(req, body, allowed)) {
    json_decref(body);
    return;
  }
  if (context != NULL && !json_is_null(context) && !json_is_object(context)) {
    vx_admin_error(req, 400, "INVALID_CONTEXT", "context",
                   "context must be an object");
    json_decref(body);
    return;
  }
  vx_context_json cj;
  char err[512];
  int rc = vx_context_from_json(json_is_object(context) ? context : NULL, &cj,
                                err, sizeof err);
  if (rc != 0) {
    vx_admin_error(req, rc == VX_ENOMEM ? 500 : 400,
                   rc == VX_ENOMEM    ? "INTERNAL"
                   : rc == VX_ETOOBIG ? "CONTEXT_TOO_LARGE"
                                      : "INVALID_CONTEXT",
                   "context", "%s", err);
    json_decref(body);
    return;
  }
  const json_t *state;
  json_t *flag = vx_admin_read_state(req, arg, &state);
  if (flag == NULL) {
    vx_context_json_dispose(&cj);
    json_decref(body);
    return;
  }
  vx_engine *engine = vx_service_engine(req->svc);
  const vx_snapshot *snap = vx_engine_acquire(engine);
  const vx_env *env = snap != NULL ? vx_snapshot_env(snap, arg[1]) : NULL;
  vx_decision d;
  vx_evaluate(env, arg[0], strlen(arg[0]), &cj.ctx, &d);
  /* The report reads the definition the decision was compiled from (the
   * snapshot keeps it), and the segments that compile used, so that a
   * write landing meanwhile cannot make them disagree. A flag not in the
   * snapshot (archived) is reported from its stored state. */
  const vx_flag *compiled =
      env != NULL ? vx_env_find(env, arg[0], strlen(arg[0])) : NULL;
  json_t *source =
      compiled != NULL && compiled->source != NULL
          ? vx_state_feature(compiled->source, arg[1], err, sizeof err)
          : NULL;
  json_t *segs;
  if (source != NULL) {
    state = source;
    segs = json_array();
    const char *id;
    json_t *seg;
    json_object_foreach(compiled->segments, id, seg) {
      if (json_is_object(seg))
        json_array_append(segs, seg);
    }
  } else {
    segs = vx_service_list_segments(req->svc);
  }
  json_t *answer = vx_decision_json(arg[0], &d);
  json_t *strategies = json_object_get(state, "strategies");
  json_t *reports = json_array();
  size_t i;
  const json_t *s;
  json_array_foreach(strategies, i, s) {
    json_array_append_new(reports, strategy_report(s, i, segs, &cj.ctx, &d));
  }
  json_t *deps =
      dependency_report(json_object_get(state, "dependencies"), env, &cj.ctx);
  uint64_t revision = snap != NULL ? snap->revision : 0;
  json_object_set_new(answer, "explanation",
                      sentence(&d, arg[1], strategies, deps));
  vx_engine_release(engine);
  json_object_set_new(answer, "environment", json_string(arg[1]));
  json_object_set_new(answer, "revision", json_integer((json_int_t)revision));
  json_object_set_new(answer, "strategy",
                      d.strategy >= 0 ? json_integer(d.strategy) : json_null());
  json_object_set_new(answer, "strategies", reports);
  json_object_set_new(answer, "dependencies", deps);
  vx_send_json(req, 200, answer, NULL);
  json_decref(segs);
  json_decref(source);
  json_decref(flag);
  vx_context_json_dispose(&cj);
  json_decref(body);
}
