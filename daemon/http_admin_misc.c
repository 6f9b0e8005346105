/*
 * http_admin_misc.c - the admin routes that are not about one flag:
 * environments, segments, tokens, export/import and the loaded strategy
 * plugins. The route table and its documentation are in http_admin.c.
 */
#include <stdio.h>
#include <string.h>

#include "http_admin_internal.h"
#include "service_reload.h"

static void send_field_error(vx_req *req, int status, const char *code,
                             const char *field, const char *message) {
  vx_werr e = {.status = status};
  snprintf(e.code, sizeof e.code, "%s", code);
  snprintf(e.field, sizeof e.field, "%s", field);
  snprintf(e.message, sizeof e.message, "%s", message);
  vx_send_werr(req, &e);
}

static bool is_get(const vx_req *req) {
  return strcmp(req->info->request_method, "GET") == 0;
}

/* --------------------------------------------------------- environments */

static json_t *environment_doc(vx_req *req, const char *name) {
  const char *def = vx_service_config(req->svc)->default_environment;
  return json_pack("{s:s, s:b}", "name", name, "default",
                   strcmp(name, def) == 0);
}

void vx_admin_environments(vx_req *req, char *const *arg) {
  (void)arg;
  if (is_get(req)) {
    json_t *names = vx_service_list_environments(req->svc);
    json_t *list = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n) {
      json_array_append_new(list, environment_doc(req, json_string_value(n)));
    }
    json_decref(names);
    vx_send_json(req, 200,
                 json_pack("{s:o, s:s}", "environments", list, "default",
                           vx_service_config(req->svc)->default_environment),
                 NULL);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  static const char *const allowed[] = {"name", NULL};
  if (vx_admin_check_fields(req, body, allowed)) {
    const char *name = json_string_value(json_object_get(body, "name"));
    vx_werr err = {0};
    if (name == NULL) {
      send_field_error(req, 400, "INVALID_TYPE", "name",
                       "name must be a string");
    } else if (vx_service_put_environment(req->svc, &req->who, name, &err) ==
               0) {
      char loc[512];
      vx_admin_location(loc, sizeof loc, VX_ADMIN_PREFIX "environments/", name);
      char headers[600];
      snprintf(headers, sizeof headers, "Location: %s\r\n", loc);
      vx_send_json(req, 201, environment_doc(req, name), headers);
    } else {
      vx_send_werr(req, &err);
    }
  }
  json_decref(body);
}

void vx_admin_environment(vx_req *req, char *const *arg) {
  vx_werr err = {0};
  if (vx_service_delete_environment(req->svc, &req->who, arg[0], &err) == 0)
    vx_send_json(req, 200,
                 json_pack("{s:s, s:b}", "name", arg[0], "deleted", 1), NULL);
  else
    vx_send_werr(req, &err);
}

/* ------------------------------------------------------------- segments */

/* The segment with id in list (borrowed), or NULL. */
static json_t *find_segment(const json_t *list, const char *id) {
  size_t i;
  json_t *s;
  json_array_foreach(list, i, s) {
    const char *sid = json_string_value(json_object_get(s, "id"));
    if (sid != NULL && strcmp(sid, id) == 0)
      return s;
  }
  return NULL;
}

/* An id as the service stores it: a string, numbers in decimal. */
static bool segment_id(const json_t *v, char *buf, size_t len) {
  if (json_is_integer(v))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_string(v))
    snprintf(buf, len, "%s", json_string_value(v));
  else
    return false;
  return true;
}

static void send_segment(vx_req *req, int status, json_t *seg) {
  char loc[512], headers[600];
  vx_admin_location(loc, sizeof loc, VX_ADMIN_PREFIX "segments/",
                    json_string_value(json_object_get(seg, "id")));
  snprintf(headers, sizeof headers, "Location: %s\r\n", loc);
  vx_send_json(req, status, seg, status == 201 ? headers : NULL);
}

static const char *const segment_fields[] = {
    "id", "name", "description", "constraints", "revision", NULL};

void vx_admin_segments(vx_req *req, char *const *arg) {
  (void)arg;
  if (is_get(req)) {
    vx_send_json(
        req, 200,
        json_pack("{s:o}", "segments", vx_service_list_segments(req->svc)),
        NULL);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  if (!vx_admin_check_fields(req, body, segment_fields)) {
    json_decref(body);
    return;
  }
  json_t *saved = NULL;
  vx_werr err = {0};
  if (vx_service_put_segment(req->svc, &req->who, body, true, -1, &saved, NULL,
                             &err) == 0)
    send_segment(req, 201, saved);
  else
    vx_send_werr(req, &err);
  json_decref(body);
}

void vx_admin_segment(vx_req *req, char *const *arg) {
  const char *id = arg[0];
  const char *method = req->info->request_method;
  if (is_get(req)) {
    json_t *list = vx_service_list_segments(req->svc);
    json_t *s = find_segment(list, id);
    if (s != NULL)
      vx_send_json(req, 200, json_incref(s), NULL);
    else
      send_field_error(req, 404, "NOT_FOUND", "id", "there is no such segment");
    json_decref(list);
    return;
  }
  vx_werr err = {0};
  int64_t base;
  if (strcmp(method, "DELETE") == 0) {
    if (!vx_admin_base_revision(req, NULL, &base))
      return;
    if (vx_service_delete_segment(req->svc, &req->who, id, base, &err) == 0)
      vx_send_json(req, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1),
                   NULL);
    else
      vx_send_werr(req, &err);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  char given[64];
  const json_t *idv = json_object_get(body, "id");
  if (!vx_admin_check_fields(req, body, segment_fields) ||
      !vx_admin_base_revision(req, body, &base)) {
    /* sent */
  } else if (idv != NULL && (!segment_id(idv, given, sizeof given) ||
                             strcmp(given, id) != 0)) {
    send_field_error(req, 400, "VALIDATION_FAILED", "id",
                     "the body's id must be the path's");
  } else {
    json_object_set_new(body, "id", json_string(id));
    json_t *saved = NULL;
    bool created = false;
    if (vx_service_put_segment(req->svc, &req->who, body, false, base, &saved,
                               &created, &err) == 0)
      send_segment(req, created ? 201 : 200, saved);
    else
      vx_send_werr(req, &err);
  }
  json_decref(body);
}

/* --------------------------------------------------------------- tokens */

/* Sends the created token, the only answer with a secret, and scrubs the
 * copies this process made of it (the document's string and the text),
 * so that no secret lingers in freed memory after the request. */
static void send_secret(vx_req *req, json_t *created, const char *headers) {
  char text[2048];
  size_t n = json_dumpb(created, text, sizeof text, JSON_COMPACT);
  if (n == 0 || n > sizeof text)
    vx_send_error(req, 500, "INTERNAL", "cannot write the token");
  else
    vx_send_raw(req, 201, "application/json", text, n, headers);
  explicit_bzero(text, sizeof text);
  /* jansson's own heap copy of the string: writable, freed just below. */
  char *secret = (char *)json_string_value(json_object_get(created, "secret"));
  if (secret != NULL)
    explicit_bzero(secret, strlen(secret));
  json_decref(created);
}

void vx_admin_tokens(vx_req *req, char *const *arg) {
  (void)arg;
  if (is_get(req)) {
    vx_send_json(req, 200,
                 json_pack("{s:o}", "tokens", vx_service_list_tokens(req->svc)),
                 NULL);
    return;
  }
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  static const char *const allowed[] = {"name", "role", "environment", NULL};
  if (vx_admin_check_fields(req, body, allowed)) {
    const json_t *name = json_object_get(body, "name");
    const json_t *role = json_object_get(body, "role");
    const json_t *env = json_object_get(body, "environment");
    const char *r = json_string_value(role);
    if (!json_is_string(name)) {
      send_field_error(req, 400, "INVALID_TYPE", "name",
                       "name must be a string");
    } else if (role != NULL && !json_is_string(role)) {
      send_field_error(req, 400, "INVALID_TYPE", "role",
                       "role must be \"admin\" or \"client\"");
    } else if (r == NULL || (strcmp(r, "admin") && strcmp(r, "client"))) {
      send_field_error(req, 400, "VALIDATION_FAILED", "role",
                       "role must be \"admin\" or \"client\"");
    } else if (env != NULL && !json_is_null(env) && !json_is_string(env)) {
      send_field_error(req, 400, "INVALID_TYPE", "environment",
                       "environment must be a string");
    } else {
      json_t *created = NULL;
      vx_werr err = {0};
      vx_role want = strcmp(r, "admin") == 0 ? VX_ROLE_ADMIN : VX_ROLE_CLIENT;
      if (vx_service_create_token(req->svc, &req->who, json_string_value(name),
                                  want, json_string_value(env), &created,
                                  &err) == 0) {
        char headers[128];
        snprintf(headers, sizeof headers,
                 "Location: " VX_ADMIN_PREFIX "tokens/%" JSON_INTEGER_FORMAT
                 "\r\n",
                 json_integer_value(json_object_get(created, "id")));
        send_secret(req, created, headers);
      } else {
        vx_send_werr(req, &err);
      }
    }
  }
  json_decref(body);
}

void vx_admin_token(vx_req *req, char *const *arg) {
  int64_t id;
  vx_werr err = {0};
  if (!vx_admin_path_id(req, arg[0], "token", &id))
    return;
  if (vx_service_revoke_token(req->svc, &req->who, id, &err) != 0) {
    vx_send_werr(req, &err);
  } else {
    json_t *list = vx_service_list_tokens(req->svc);
    json_t *found = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
      if (json_integer_value(json_object_get(t, "id")) == id)
        found = json_incref(t);
    }
    json_decref(list);
    if (found == NULL) /* revoked and gone: still a success */
      found = json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1);
    vx_send_json(req, 200, found, NULL);
  }
}

/* ------------------------------------------------------- export, import */

void vx_admin_export(vx_req *req, char *const *arg) {
  (void)arg;
  json_t *doc = vx_service_export(req->svc);
  if (doc == NULL)
    vx_send_error(req, 500, "INTERNAL", "cannot export");
  else
    vx_send_json(req, 200, doc,
                 "Content-Disposition: inline; filename=\"vexil-export.json\""
                 "\r\n");
}

void vx_admin_import(vx_req *req, char *const *arg) {
  (void)arg;
  char fbuf[32], mbuf[32], ebuf[128];
  const char *format, *mode, *env;
  if (!vx_req_query(req, "format", fbuf, sizeof fbuf, &format) ||
      !vx_req_query(req, "mode", mbuf, sizeof mbuf, &mode) ||
      !vx_req_query(req, "environment", ebuf, sizeof ebuf, &env))
    return;
  bool unleash = format != NULL && strcmp(format, "unleash") == 0;
  if (format != NULL && !unleash && strcmp(format, "native") != 0) {
    send_field_error(req, 400, "VALIDATION_FAILED", "format",
                     "format must be native or unleash");
    return;
  }
  if (mode != NULL && strcmp(mode, "merge") && strcmp(mode, "replace")) {
    send_field_error(req, 400, "VALIDATION_FAILED", "mode",
                     "mode must be merge or replace");
    return;
  }
  if (env != NULL && !unleash) {
    send_field_error(req, 400, "VALIDATION_FAILED", "environment",
                     "environment applies to format=unleash only (a native "
                     "export names its environments)");
    return;
  }
  vx_import_how how =
      mode != NULL && strcmp(mode, "replace") == 0 ? VX_REPLACE : VX_MERGE;
  /* An export is one document of every flag: imports have their own,
   * larger limits (an admin token was checked before any of it is read). */
  const vx_config *cfg = vx_service_config(req->svc);
  req->body_limit = cfg->import_limit;
  req->body_timeout_ms = cfg->import_timeout_ms;
  json_t *body = vx_req_json(req, false);
  if (body == NULL)
    return;
  if (!json_is_object(body)) {
    send_field_error(req, 400, "INVALID_TYPE", "",
                     "the document must be a JSON object");
    json_decref(body);
    return;
  }
  json_t *summary = NULL;
  vx_werr err = {0};
  int rc = unleash ? vx_service_import_unleash(
                         req->svc, &req->who, body,
                         env ? env
                             : vx_service_config(req->svc)->default_environment,
                         how, &summary, &err)
                   : vx_service_import_native(req->svc, &req->who, body, how,
                                              &summary, &err);
  if (rc == 0)
    vx_send_json(req, 200, summary ? summary : json_object(), NULL);
  else
    vx_send_werr(req, &err);
  json_decref(body);
}

/* ----------------------------------------------------------- strategies */

/* The kind as evaluation reads it: an unknown one is static. */
static const char *kind_name(vx_strategy_kind k) {
  const char *name = vx_strategy_kind_name(k);
  return name != NULL ? name : "static";
}

static json_t *plugin_doc(const vx_plugin *p) {
  const vx_strategy_descriptor *d = p->desc;
  json_t *params = json_array();
  for (uint32_t i = 0; i < d->n_params; i++) {
    const vx_param_def *pd = &d->params[i];
    json_array_append_new(
        params, json_pack("{s:s, s:s, s:b, s:s}", "name", pd->name, "type",
                          vx_param_type_name(pd->type), "required",
                          pd->required != 0, "help", pd->help ? pd->help : ""));
  }
  return json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", d->name, "version",
                   d->version ? d->version : "", "description",
                   d->description ? d->description : "", "kind",
                   kind_name(d->kind), "params", params);
}

/* Reads the registry under the service's lock: a reload may change it. */
static void list_plugins(vx_plugin_host *host, void *arg) {
  json_t *list = arg;
  for (size_t i = 0; i < vx_plugin_host_count(host); i++)
    json_array_append_new(list, plugin_doc(vx_plugin_host_at(host, i)));
}

void vx_admin_strategy_list(vx_req *req, char *const *arg) {
  (void)arg;
  json_t *list = json_array();
  vx_service_with_plugins(req->svc, list_plugins, list);
  vx_send_json(req, 200, json_pack("{s:o}", "strategies", list), NULL);
}

typedef struct find_plugin {
  const char *name;
  json_t *doc;
} find_plugin;

static void describe_plugin(vx_plugin_host *host, void *arg) {
  find_plugin *f = arg;
  vx_plugin *p = vx_plugin_host_find(host, f->name);
  f->doc = p != NULL ? plugin_doc(p) : NULL;
}

void vx_admin_strategy_info(vx_req *req, char *const *arg) {
  find_plugin f = {.name = arg[0], .doc = NULL};
  vx_service_with_plugins(req->svc, describe_plugin, &f);
  if (f.doc == NULL)
    send_field_error(req, 404, "NOT_FOUND", "name",
                     "no strategy plugin of that name is loaded");
  else
    vx_send_json(req, 200, f.doc, NULL);
}
