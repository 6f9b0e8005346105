/*
 * http_admin_strategies.c - the strategies of a flag in an environment:
 * list, add, read, replace, delete, reorder. Each write goes through the
 * service, which compiles the strategy with its plugin (strictly): a
 * refusal is a 400 carrying the plugin's message, and nothing is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_admin_internal.h"

/* A copy of the current strategies of env (a new array). */
static json_t *strategies_copy(const json_t *cur, const char *env) {
  const json_t *s = json_object_get(vx_admin_state_of(cur, env), "strategies");
  return json_is_array(s) ? json_deep_copy(s) : json_array();
}

/* A strategy object as the admin API accepts it: Unleash's fields. */
static bool check_strategy(vx_req *req, const json_t *s) {
  static const struct {
    const char *name;
    int type;
  } fields[] = {{"name", JSON_STRING},
                {"parameters", JSON_OBJECT},
                {"constraints", JSON_ARRAY},
                {"segments", JSON_ARRAY},
                {"variants", JSON_ARRAY},
                {"title", JSON_STRING},
                {"id", -1},
                {"sortOrder", JSON_INTEGER},
                {"disabled", JSON_FALSE},
                {"revision", -1}};
  if (!json_is_object(s)) {
    vx_admin_error(req, 400, "INVALID_TYPE", "",
                   "a strategy must be a JSON object");
    return false;
  }
  if (!json_is_string(json_object_get(s, "name"))) {
    vx_admin_error(req, 400, "VALIDATION_FAILED", "name",
                   "a strategy needs a \"name\" (string): see GET "
                   "/api/v1/admin/strategies");
    return false;
  }
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)s, k, v) {
    size_t i, n = sizeof fields / sizeof fields[0];
    for (i = 0; i < n && strcmp(fields[i].name, k) != 0; i++)
      ;
    if (i == n) {
      vx_admin_error(req, 400, "VALIDATION_FAILED", k, "unknown field %s", k);
      return false;
    }
    if (fields[i].type == JSON_FALSE && !json_is_false(v)) {
      vx_admin_error(req, 400, "VALIDATION_FAILED", k,
                     "disabled strategies are not supported: delete it, or "
                     "send \"disabled\": false");
      return false;
    }
    if (fields[i].type >= 0 && fields[i].type != JSON_FALSE &&
        (int)json_typeof(v) != fields[i].type && !json_is_null(v)) {
      static const char *const names[] = {"an object", "an array", "a string",
                                          "an integer"};
      int t = fields[i].type;
      vx_admin_error(req, 400, "INVALID_TYPE", k, "%s must be %s", k,
                     names[t == JSON_OBJECT   ? 0
                           : t == JSON_ARRAY  ? 1
                           : t == JSON_STRING ? 2
                                              : 3]);
      return false;
    }
  }
  return true;
}

/* The strategy without the request's "revision" (a new reference). */
static json_t *clean_strategy(const json_t *s) {
  json_t *c = json_deep_copy(s);
  json_object_del(c, "revision");
  return c;
}

static int change_add_strategy(const json_t *cur, const void *ctx, json_t **doc,
                               vx_werr *err) {
  (void)err;
  const vx_admin_env_change *c = ctx;
  json_t *list = strategies_copy(cur, c->env);
  json_array_append_new(list, clean_strategy(c->value));
  *doc = vx_admin_env_patch(c->env, "strategies", list);
  return 0;
}

static int index_missing(const vx_admin_env_change *c, size_t n, vx_werr *err) {
  err->status = 404;
  snprintf(err->code, sizeof err->code, "NOT_FOUND");
  snprintf(err->field, sizeof err->field, "index");
  snprintf(err->message, sizeof err->message,
           "there is no strategy %lld in %s (it has %zu)", (long long)c->index,
           c->env, n);
  return VX_ENOENT;
}

static int change_put_strategy(const json_t *cur, const void *ctx, json_t **doc,
                               vx_werr *err) {
  const vx_admin_env_change *c = ctx;
  json_t *list = strategies_copy(cur, c->env);
  if ((size_t)c->index >= json_array_size(list)) {
    int rc = index_missing(c, json_array_size(list), err);
    json_decref(list);
    return rc;
  }
  json_array_set_new(list, (size_t)c->index, clean_strategy(c->value));
  *doc = vx_admin_env_patch(c->env, "strategies", list);
  return 0;
}

static int change_delete_strategy(const json_t *cur, const void *ctx,
                                  json_t **doc, vx_werr *err) {
  const vx_admin_env_change *c = ctx;
  json_t *list = strategies_copy(cur, c->env);
  if ((size_t)c->index >= json_array_size(list)) {
    int rc = index_missing(c, json_array_size(list), err);
    json_decref(list);
    return rc;
  }
  json_array_remove(list, (size_t)c->index);
  *doc = vx_admin_env_patch(c->env, "strategies", list);
  return 0;
}

static int change_order(const json_t *cur, const void *ctx, json_t **doc,
                        vx_werr *err) {
  const vx_admin_env_change *c = ctx;
  json_t *list = strategies_copy(cur, c->env);
  size_t n = json_array_size(list);
  bool ok = json_array_size(c->value) == n;
  char *seen = calloc(n + 1, 1);
  json_t *out = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(c->value, i, v) {
    if (!ok)
      break;
    json_int_t x = json_integer_value(v);
    ok = json_is_integer(v) && x >= 0 && (size_t)x < n && !seen[x];
    if (ok) {
      seen[x] = 1;
      json_array_append(out, json_array_get(list, (size_t)x));
    }
  }
  free(seen);
  json_decref(list);
  if (!ok) {
    json_decref(out);
    err->status = 400;
    snprintf(err->code, sizeof err->code, "VALIDATION_FAILED");
    snprintf(err->field, sizeof err->field, "order");
    snprintf(err->message, sizeof err->message,
             "order must list each index 0..%zu of the %zu strategies in %s "
             "exactly once",
             n ? n - 1 : 0, n, c->env);
    return VX_EINVAL;
  }
  *doc = vx_admin_env_patch(c->env, "strategies", out);
  return 0;
}

void vx_admin_flag_strategies(vx_req *req, char *const *arg) {
  if (strcmp(req->info->request_method, "GET") == 0) {
    const json_t *state;
    json_t *flag = vx_admin_read_state(req, arg, &state);
    if (flag == NULL)
      return;
    json_t *list = json_object_get(state, "strategies");
    vx_admin_send_etag(req, 200,
                       json_pack("{s:o}", "strategies",
                                 list ? json_incref(list) : json_array()),
                       vx_admin_revision_of(flag), NULL);
    json_decref(flag);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  int64_t base;
  if (check_strategy(req, body) && vx_admin_base_revision(req, body, &base)) {
    vx_admin_env_change c = {.env = arg[1], .index = -1, .value = body};
    vx_admin_env_write(req, arg[0], arg[1], "strategy.add", base,
                       change_add_strategy, &c, 201);
  }
  json_decref(body);
}

void vx_admin_flag_strategy(vx_req *req, char *const *arg) {
  int64_t index;
  if (!vx_admin_parse_int(arg[2], 0, &index)) {
    vx_admin_error(req, 404, "NOT_FOUND", "index",
                   "a strategy is named by its index (0, 1, ...), not \"%s\"",
                   arg[2]);
    return;
  }
  const char *method = req->info->request_method;
  if (strcmp(method, "GET") == 0) {
    const json_t *state;
    json_t *flag = vx_admin_read_state(req, arg, &state);
    if (flag == NULL)
      return;
    const json_t *s =
        json_array_get(json_object_get(state, "strategies"), (size_t)index);
    if (s == NULL)
      vx_admin_error(req, 404, "NOT_FOUND", "index",
                     "there is no strategy %lld", (long long)index);
    else
      vx_admin_send_etag(req, 200, json_deep_copy(s),
                         vx_admin_revision_of(flag), NULL);
    json_decref(flag);
    return;
  }
  bool del = strcmp(method, "DELETE") == 0;
  json_t *body = vx_req_json(req, del);
  if (body == NULL)
    return;
  static const char *const none[] = {NULL};
  int64_t base;
  if ((del ? vx_admin_check_fields(req, body, none)
           : check_strategy(req, body)) &&
      vx_admin_base_revision(req, body, &base)) {
    vx_admin_env_change c = {.env = arg[1], .index = index, .value = body};
    vx_admin_env_write(
        req, arg[0], arg[1], del ? "strategy.delete" : "strategy.update", base,
        del ? change_delete_strategy : change_put_strategy, &c, 200);
  }
  json_decref(body);
}

void vx_admin_strategy_order(vx_req *req, char *const *arg) {
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  static const char *const allowed[] = {"order", NULL};
  int64_t base;
  if (vx_admin_check_fields(req, body, allowed) &&
      vx_admin_base_revision(req, body, &base)) {
    const json_t *order = json_object_get(body, "order");
    if (!json_is_array(order)) {
      vx_admin_error(req, 400, "INVALID_TYPE", "order",
                     "order must be an array of strategy indices");
    } else {
      vx_admin_env_change c = {.env = arg[1], .index = -1, .value = order};
      vx_admin_env_write(req, arg[0], arg[1], "strategy.order", base,
                         change_order, &c, 200);
    }
  }
  json_decref(body);
}
