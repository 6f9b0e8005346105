/*
 * http_admin_flags.c - the admin routes of one flag: the flag document
 * (create, read, replace, patch, archive, restore), its per-environment
 * switch, variants and dependencies, and the read-modify-write loop that
 * every flag write goes through (optimistic concurrency, retries). The
 * route table is documented in http_admin.c; strategies are in
 * http_admin_strategies.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_admin_internal.h"

#define WRITE_ATTEMPTS 8

/* ------------------------------------------------------ the flag writes */

/* Read, change, write with if_revision = the revision read; retried when
 * another write came between (VX_ECONFLICT), so nothing is lost. */
void vx_admin_run_flag_write(vx_req *req, const vx_admin_flag_write *w) {
  for (int attempt = 1;; attempt++) {
    json_t *cur = vx_service_get_flag(req->svc, w->key);
    if (cur == NULL && !w->create) {
      vx_admin_flag_not_found(req, w->key);
      return;
    }
    int64_t rev = cur ? vx_admin_revision_of(cur) : 0;
    vx_werr err = {0};
    if (cur != NULL && w->base >= 0 && rev > w->base) {
      vx_admin_error(req, 409, "CONFLICT", "revision",
                     "flag %s changed at revision %lld, after revision %lld",
                     w->key, (long long)rev, (long long)w->base);
      json_decref(cur);
      return;
    }
    if (cur != NULL && w->env != NULL &&
        json_object_get(json_object_get(cur, "environments"), w->env) == NULL) {
      vx_admin_error(req, 404, "NOT_FOUND", "environment",
                     "there is no environment \"%s\"", w->env);
      json_decref(cur);
      return;
    }
    if (cur != NULL && !w->archived_ok &&
        json_is_true(json_object_get(cur, "archived"))) {
      vx_admin_error(req, 409, "FLAG_ARCHIVED", "key",
                     "flag %s is archived: restore it first", w->key);
      json_decref(cur);
      return;
    }
    json_t *doc = NULL;
    if (w->fn(cur, w->ctx, &doc, &err) != 0) {
      json_decref(cur);
      vx_send_werr(req, &err);
      return;
    }
    json_object_set_new(doc, "key", json_string(w->key));
    json_t *saved = NULL;
    /* A missing flag is created with if_revision 0: if another request
     * created it meanwhile, that is a conflict and the loop re-reads. */
    int rc = vx_service_put_flag(req->svc, &req->who, w->action, doc, rev,
                                 &saved, &err);
    if (rc == 0) {
      vx_admin_send_flag(req, cur == NULL ? 201 : w->ok_status, saved);
    } else if (rc == VX_ECONFLICT && err.status == 409 &&
               attempt < WRITE_ATTEMPTS) {
      json_decref(doc);
      json_decref(cur);
      continue;
    } else {
      vx_admin_refine_field(&err, doc);
      vx_send_werr(req, &err);
    }
    json_decref(doc);
    json_decref(cur);
    return;
  }
}

/* The state of env in the current flag (borrowed). */
const json_t *vx_admin_state_of(const json_t *flag, const char *env) {
  return json_object_get(json_object_get(flag, "environments"), env);
}

/* {"environments": {env: {field: value}}} (steals value). */
json_t *vx_admin_env_patch(const char *env, const char *field, json_t *value) {
  json_t *state = json_object();
  json_object_set_new(state, field, value);
  json_t *envs = json_object();
  json_object_set_new(envs, env, state);
  json_t *doc = json_object();
  json_object_set_new(doc, "environments", envs);
  return doc;
}

/* ------------------------------------------------------------ the flags */

void vx_admin_flags(vx_req *req, char *const *arg) {
  (void)arg;
  if (strcmp(req->info->request_method, "GET") == 0) {
    char q[16];
    const char *archived;
    if (!vx_req_query(req, "archived", q, sizeof q, &archived))
      return;
    vx_archived_filter want;
    if (archived == NULL || strcmp(archived, "false") == 0)
      want = VX_LIST_LIVE;
    else if (strcmp(archived, "true") == 0)
      want = VX_LIST_ARCHIVED;
    else if (strcmp(archived, "any") == 0)
      want = VX_LIST_ANY;
    else {
      vx_admin_error(req, 400, "VALIDATION_FAILED", "archived",
                     "archived must be false, true or any");
      return;
    }
    char *text;
    size_t len;
    if (vx_service_list_flags_json(req->svc, want, &text, &len) != 0) {
      vx_admin_error(req, 500, "INTERNAL", "", "out of memory");
      return;
    }
    vx_send_raw(req, 200, "application/json", text, len, NULL);
    free(text);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  if (!json_is_object(body)) {
    vx_admin_error(req, 400, "INVALID_TYPE", "",
                   "a flag must be a JSON object");
  } else if (!json_is_string(json_object_get(body, "key"))) {
    vx_admin_error(req, 400, "VALIDATION_FAILED", "key",
                   "a new flag needs a \"key\" (string)");
  } else {
    /* if_revision 0: refused as a conflict when the key exists. */
    json_t *saved = NULL;
    vx_werr err = {0};
    int rc = vx_service_put_flag(req->svc, &req->who, "create", body, 0, &saved,
                                 &err);
    if (rc == 0)
      vx_admin_send_flag(req, 201, saved);
    else if (rc == VX_ECONFLICT)
      vx_admin_error(req, 409, "ALREADY_EXISTS", "key",
                     "flag %s already exists (archived flags too: restore it)",
                     json_string_value(json_object_get(body, "key")));
    else {
      vx_admin_refine_field(&err, body);
      vx_send_werr(req, &err);
    }
  }
  json_decref(body);
}

/* PUT: the body replaces the flag. What it omits is reset (description
 * "", type boolean, an environment's fields off/empty); "archived" is
 * kept; environments it does not name are reset too. */
static int change_replace(const json_t *cur, const void *ctx, json_t **doc,
                          vx_werr *err) {
  (void)err;
  const json_t *body = ctx;
  *doc = json_deep_copy(body);
  if (cur == NULL)
    return 0;
  if (json_object_get(*doc, "description") == NULL)
    json_object_set_new(*doc, "description", json_string(""));
  if (json_object_get(*doc, "type") == NULL)
    json_object_set_new(*doc, "type", json_string("boolean"));
  json_t *states = json_object_get(*doc, "environments");
  if (states == NULL) {
    states = json_object();
    json_object_set_new(*doc, "environments", states);
  }
  if (!json_is_object(states))
    return 0; /* the service names the type error */
  const char *env;
  json_t *old;
  json_object_foreach(json_object_get(cur, "environments"), env, old) {
    json_t *given = json_object_get(states, env);
    if (given == NULL) {
      given = json_object();
      json_object_set_new(states, env, given);
    }
    if (!json_is_object(given))
      continue;
    const char *field;
    json_t *v;
    json_object_foreach(old, field, v) {
      if (json_object_get(given, field) == NULL)
        json_object_set_new(given, field,
                            strcmp(field, "enabled") == 0 ? json_false()
                                                          : json_array());
    }
  }
  return 0;
}

static int change_patch(const json_t *cur, const void *ctx, json_t **doc,
                        vx_werr *err) {
  (void)cur;
  (void)err;
  *doc = json_deep_copy((const json_t *)ctx);
  return 0;
}

void vx_admin_flag(vx_req *req, char *const *arg) {
  const char *key = arg[0];
  const char *method = req->info->request_method;
  if (strcmp(method, "GET") == 0) {
    json_t *flag = vx_service_get_flag(req->svc, key);
    if (flag == NULL)
      vx_admin_flag_not_found(req, key);
    else
      vx_admin_send_flag(req, 200, flag);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  int64_t base;
  const json_t *bkey = json_object_get(body, "key");
  if (!json_is_object(body)) {
    vx_admin_error(req, 400, "INVALID_TYPE", "",
                   "a flag must be a JSON object");
  } else if (bkey != NULL && (!json_is_string(bkey) ||
                              strcmp(json_string_value(bkey), key) != 0)) {
    vx_admin_error(req, 400, "VALIDATION_FAILED", "key",
                   "the body's key must be the path's (\"%s\")", key);
  } else if (vx_admin_base_revision(req, body, &base)) {
    bool put = strcmp(method, "PUT") == 0;
    vx_admin_flag_write w = {.key = key,
                             .action = "update",
                             .base = base,
                             .create = put,
                             .archived_ok = true,
                             .ok_status = 200,
                             .fn = put ? change_replace : change_patch,
                             .ctx = body};
    vx_admin_run_flag_write(req, &w);
  }
  json_decref(body);
}

static int change_archived(const json_t *cur, const void *ctx, json_t **doc,
                           vx_werr *err) {
  (void)cur;
  (void)err;
  *doc = json_pack("{s:b}", "archived", *(const bool *)ctx);
  return 0;
}

static void archive_or_restore(vx_req *req, const char *key, bool archive) {
  json_t *body = vx_req_json(req, true);
  if (body == NULL)
    return;
  static const char *const none[] = {NULL};
  int64_t base;
  if (vx_admin_check_fields(req, body, none) &&
      vx_admin_base_revision(req, body, &base)) {
    vx_admin_flag_write w = {.key = key,
                             .action = archive ? "archive" : "restore",
                             .base = base,
                             .archived_ok = true,
                             .ok_status = 200,
                             .fn = change_archived,
                             .ctx = &archive};
    vx_admin_run_flag_write(req, &w);
  }
  json_decref(body);
}

void vx_admin_archive(vx_req *req, char *const *arg) {
  archive_or_restore(req, arg[0], true);
}

void vx_admin_restore(vx_req *req, char *const *arg) {
  archive_or_restore(req, arg[0], false);
}

/* ---------------------------------------------- environment state writes */

static int change_enabled(const json_t *cur, const void *ctx, json_t **doc,
                          vx_werr *err) {
  (void)cur;
  (void)err;
  const vx_admin_env_change *c = ctx;
  *doc = vx_admin_env_patch(c->env, "enabled", json_boolean(c->enabled));
  return 0;
}

/* Runs a write on flag key in env. */
void vx_admin_env_write(vx_req *req, const char *key, const char *env,
                        const char *action, int64_t base, vx_admin_change_fn fn,
                        const vx_admin_env_change *c, int ok_status) {
  vx_admin_flag_write w = {.key = key,
                           .env = env,
                           .action = action,
                           .base = base,
                           .ok_status = ok_status,
                           .fn = fn,
                           .ctx = c};
  vx_admin_run_flag_write(req, &w);
}

static void toggle(vx_req *req, char *const *arg, int forced) {
  json_t *body = vx_req_json(req, forced >= 0);
  if (body == NULL)
    return;
  static const char *const allowed[] = {"enabled", NULL};
  static const char *const none[] = {NULL};
  vx_admin_env_change c = {.env = arg[1], .index = -1};
  int64_t base;
  if (!vx_admin_check_fields(req, body, forced >= 0 ? none : allowed) ||
      !vx_admin_base_revision(req, body, &base)) {
    json_decref(body);
    return;
  }
  if (forced >= 0) {
    c.enabled = forced == 1;
  } else if (!json_is_boolean(json_object_get(body, "enabled"))) {
    vx_admin_error(req, 400, "INVALID_TYPE", "enabled",
                   "enabled must be true or false");
    json_decref(body);
    return;
  } else {
    c.enabled = json_is_true(json_object_get(body, "enabled"));
  }
  vx_admin_env_write(req, arg[0], arg[1], c.enabled ? "enable" : "disable",
                     base, change_enabled, &c, 200);
  json_decref(body);
}

void vx_admin_enabled(vx_req *req, char *const *arg) {
  toggle(req, arg, -1);
}

void vx_admin_on(vx_req *req, char *const *arg) {
  toggle(req, arg, 1);
}

void vx_admin_off(vx_req *req, char *const *arg) {
  toggle(req, arg, 0);
}

/* Reads for the environment routes: the flag and its state, or 404. */
json_t *vx_admin_read_state(vx_req *req, char *const *arg,
                            const json_t **state) {
  json_t *flag = vx_service_get_flag(req->svc, arg[0]);
  if (flag == NULL) {
    vx_admin_flag_not_found(req, arg[0]);
    return NULL;
  }
  *state = vx_admin_state_of(flag, arg[1]);
  if (*state == NULL) {
    vx_admin_error(req, 404, "NOT_FOUND", "environment",
                   "there is no environment \"%s\"", arg[1]);
    json_decref(flag);
    return NULL;
  }
  return flag;
}

void vx_admin_state(vx_req *req, char *const *arg) {
  const json_t *state;
  json_t *flag = vx_admin_read_state(req, arg, &state);
  if (flag == NULL)
    return;
  vx_admin_send_etag(req, 200, json_deep_copy(state),
                     vx_admin_revision_of(flag), NULL);
  json_decref(flag);
}

/* --------------------------------------------- variants and dependencies */

static int change_list(const json_t *cur, const void *ctx, json_t **doc,
                       vx_werr *err) {
  (void)err;
  const vx_admin_env_change *c = ctx;
  if (c->env != NULL) {
    *doc = vx_admin_env_patch(c->env, c->field, json_deep_copy(c->value));
    return 0;
  }
  /* Every environment of the flag at once. */
  json_t *states = json_object();
  const char *env;
  json_t *st;
  json_object_foreach(json_object_get(cur, "environments"), env, st) {
    json_object_set_new(states, env,
                        json_pack("{s:o}", c->field, json_deep_copy(c->value)));
  }
  *doc = json_pack("{s:o}", "environments", states);
  return 0;
}

/* GET or PUT of an environment's list field ("variants", "dependencies");
 * env NULL (PUT only): the same list in every environment. */
static void list_route(vx_req *req, const char *key, const char *env,
                       const char *field) {
  if (strcmp(req->info->request_method, "GET") == 0) {
    char *const arg[] = {(char *)key, (char *)env};
    const json_t *state;
    json_t *flag = vx_admin_read_state(req, arg, &state);
    if (flag == NULL)
      return;
    json_t *list = json_object_get(state, field);
    vx_admin_send_etag(
        req, 200,
        json_pack("{s:o}", field, list ? json_incref(list) : json_array()),
        vx_admin_revision_of(flag), NULL);
    json_decref(flag);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  const json_t *list = body;
  int64_t base = -1;
  const char *const allowed[] = {field, NULL};
  bool ok = true;
  if (!json_is_array(body)) {
    ok = vx_admin_check_fields(req, body, allowed) &&
         vx_admin_base_revision(req, body, &base);
    list = json_object_get(body, field);
    if (ok && !json_is_array(list)) {
      vx_admin_error(req, 400, "INVALID_TYPE", field, "%s must be an array",
                     field);
      ok = false;
    }
  } else {
    ok = vx_admin_base_revision(req, NULL, &base);
  }
  if (ok) {
    char action[64];
    snprintf(action, sizeof action, "%s.update", field);
    vx_admin_env_change c = {
        .env = env, .index = -1, .value = list, .field = field};
    vx_admin_env_write(req, key, env, action, base, change_list, &c, 200);
  }
  json_decref(body);
}

void vx_admin_variants(vx_req *req, char *const *arg) {
  list_route(req, arg[0], arg[1], "variants");
}

void vx_admin_env_dependencies(vx_req *req, char *const *arg) {
  list_route(req, arg[0], arg[1], "dependencies");
}

void vx_admin_flag_dependencies(vx_req *req, char *const *arg) {
  list_route(req, arg[0], NULL, "dependencies");
}
