/*
 * http_admin.c - the admin API under /api/v1/admin/: a thin REST layer over
 * service.h. This file holds the routing table, the shared helpers, and
 * the flag routes (flags, toggles, strategies, variants, dependencies,
 * audit log, revert); http_admin_misc.c holds environments, segments,
 * tokens, import/export and the list of loaded strategies.
 *
 * Every route needs an admin token (401 UNAUTHORIZED without or with an
 * unknown one, 403 FORBIDDEN with a client token). An unknown path is 404
 * NOT_FOUND, a known path with another method 405 METHOD_NOT_ALLOWED (with
 * Allow), a body of the wrong shape 400 INVALID_TYPE or VALIDATION_FAILED
 * with "field" naming the place. Paths below are relative to
 * /api/v1/admin/; {key}, {env}, {id} are URL-decoded path segments.
 *
 *   GET    flags[?archived=false|true|any]   {"flags": [FLAG], "revision"}
 *   POST   flags                     FLAG (key required) -> 201 FLAG;
 *                                    409 ALREADY_EXISTS (also if archived)
 *   GET    flags/{key}               FLAG, ETag: "revision"
 *   PUT    flags/{key}               FLAG -> 200 (201 when created). Replaces:
 *                                    an omitted description/type/state
 *                                    field is reset; "archived" is kept
 *   PATCH  flags/{key}               partial FLAG -> 200 FLAG. Merges: given
 *                                    fields replace, environments.{env}
 *                                    merges field by field
 *   POST   flags/{key}/archive       -> FLAG
 *   POST   flags/{key}/restore       -> FLAG
 *   GET    flags/{key}/audit         as GET audit?flag={key}
 *   PUT    flags/{key}/dependencies  {"dependencies": [DEP]} into every
 *                                    environment at once -> FLAG
 *   GET    flags/{key}/environments/{env}                STATE
 *   PUT    flags/{key}/environments/{env}/enabled        {"enabled": b} -> FLAG
 *   POST   flags/{key}/environments/{env}/on             -> FLAG
 *   POST   flags/{key}/environments/{env}/off            -> FLAG
 *   GET    flags/{key}/environments/{env}/strategies     {"strategies": [S]}
 *   POST   flags/{key}/environments/{env}/strategies     S -> 201 FLAG
 *   POST   flags/{key}/environments/{env}/strategies/order
 *                                    {"order": [current indices in the new
 *                                    order]} (a permutation) -> FLAG
 *   GET    flags/{key}/environments/{env}/strategies/{i} S
 *   PUT    flags/{key}/environments/{env}/strategies/{i} S -> FLAG
 *   DELETE flags/{key}/environments/{env}/strategies/{i} -> FLAG
 *   GET    flags/{key}/environments/{env}/variants       {"variants": [V]}
 *   PUT    flags/{key}/environments/{env}/variants       {"variants": [V]}
 *                                    (or a bare array) -> FLAG
 *   GET    flags/{key}/environments/{env}/dependencies   {"dependencies": [D]}
 *   PUT    flags/{key}/environments/{env}/dependencies   {"dependencies": [D]}
 *                                    (or a bare array) -> FLAG
 *   POST   flags/{key}/environments/{env}/explain       {"context": {...}}
 *                                    -> the decision and why (which
 *                                    strategy, constraint or dependency
 *                                    decided): http_admin_explain.c
 *   GET    environments              {"environments": [{"name", "default"}],
 *                                     "default"}
 *   POST   environments              {"name"} -> 201 {"name", "default"}
 *   DELETE environments/{name}       -> {"name", "deleted": true}; 409 for
 *                                    the default one or one a token uses
 *   GET    segments                  {"segments": [SEGMENT]}
 *   POST   segments                  SEGMENT (no "id": the next number)
 *                                    -> 201 SEGMENT; 409 ALREADY_EXISTS
 *   GET    segments/{id}             SEGMENT
 *   PUT    segments/{id}             SEGMENT -> 200 (201 when created);
 *                                    409 CONFLICT on a stale base revision
 *                                    (If-Match, ?revision=, "revision")
 *   DELETE segments/{id}             -> {"id", "deleted": true}; 409
 *                                    SEGMENT_IN_USE while a flag uses it
 *   GET    tokens                    {"tokens": [TOKEN]} (never a secret)
 *   POST   tokens                    {"name", "role": "admin"|"client",
 *                                     "environment" (client)} -> 201 TOKEN
 *                                    with "secret" (the only time)
 *   DELETE tokens/{id}               revokes -> TOKEN with "revoked_at"
 *   GET    audit[?flag=&before=ID&limit=N]  {"entries": [ENTRY] newest
 *                                    first, "next": ID | null}; pass next
 *                                    as before= for the next page (limit
 *                                    1..1000, default 50)
 *   GET    audit/{id}                ENTRY
 *   POST   audit/{id}/revert         the flag as before that entry -> FLAG
 *   GET    export                    {"version": 1, "environments",
 *                                     "segments", "flags"}
 *   POST   import?format=native|unleash&environment=NAME&mode=merge|replace
 *                                    the document -> {"created", "updated",
 *                                    "archived"} (one transaction); format
 *                                    native (default) or Unleash state into
 *                                    environment (default: the default one)
 *   GET    strategies                {"strategies": [{"name", "version",
 *                                     "description", "kind", "params":
 *                                     [{"name", "type", "required",
 *                                     "help"}]}]}
 *   GET    strategies/{name}         one of them
 *   POST   plugins/reload            rescans the plugin folders: new and
 *                                    changed plugins are loaded -> 200
 *                                    {"loaded", "replaced", "rejected",
 *                                    "unchanged", "revision"}
 *
 * Optimistic concurrency (flag writes, revert): the revision a write was
 * based on comes from If-Match ("N" or N; the ETag of GET flags/{key}),
 * else ?revision=N, else the body's "revision" field; 409 CONFLICT when the
 * flag changed after it. Without one, a write applies to the current flag:
 * the read-modify-write of sub-resource routes is retried internally when
 * another write slipped in, so concurrent toggles and strategy edits are
 * never lost. Strategy indices are positions in the current list: clients
 * that edit by index should send the revision they saw.
 *
 * Writes to the sub-resources of an archived flag are refused with 409
 * FLAG_ARCHIVED (restore it first); PUT, PATCH and restore are allowed.
 */
#include "http_admin_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 8
#define MAX_ARGS 4
#define PAGE_DEFAULT 50
#define PAGE_MAX 1000

/* --------------------------------------------------------------- helpers */

bool vx_admin_parse_int(const char *s, int64_t min, int64_t *out) {
  if (s == NULL || *s < '0' || *s > '9')
    return false;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min)
    return false;
  *out = v;
  return true;
}

int vx_admin_path_id(vx_req *req, const char *seg, const char *what,
                     int64_t *out) {
  if (vx_admin_parse_int(seg, 1, out))
    return 1;
  size_t n = strlen(seg);
  if (n > 0 && strspn(seg, "0123456789") == n && strspn(seg, "0") < n)
    vx_admin_error(req, 400, "VALIDATION_FAILED", "id",
                   "%s id %.40s%s is out of range (ids go up to %lld)", what,
                   seg, n > 40 ? "..." : "", (long long)INT64_MAX);
  else
    vx_admin_error(req, 404, "NOT_FOUND", "id", "there is no %s %.200s", what,
                   seg);
  return 0;
}

int vx_admin_base_revision(vx_req *req, const json_t *body, int64_t *out) {
  *out = -1;
  const char *h = vx_req_header(req, "If-Match");
  if (h != NULL) {
    char buf[64];
    while (*h == ' ')
      h++;
    if (strcmp(h, "*") == 0)
      return 1;
    if (strncmp(h, "W/", 2) == 0)
      h += 2;
    size_t n = strlen(h);
    while (n > 0 && h[n - 1] == ' ')
      n--;
    if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
      h++;
      n -= 2;
    }
    if (n >= sizeof buf)
      n = sizeof buf - 1;
    memcpy(buf, h, n);
    buf[n] = '\0';
    if (!vx_admin_parse_int(buf, 0, out)) {
      vx_admin_error(req, 400, "VALIDATION_FAILED", "If-Match",
                     "If-Match must be a revision such as \"42\"");
      return 0;
    }
    return 1;
  }
  char q[64];
  const char *rev;
  if (!vx_req_query(req, "revision", q, sizeof q, &rev))
    return 0;
  if (rev != NULL) {
    if (!vx_admin_parse_int(rev, 0, out)) {
      vx_admin_error(req, 400, "INVALID_TYPE", "revision",
                     "revision must be a non-negative integer");
      return 0;
    }
    return 1;
  }
  const json_t *r =
      json_is_object(body) ? json_object_get(body, "revision") : NULL;
  if (r != NULL && !json_is_null(r)) {
    if (!json_is_integer(r) || json_integer_value(r) < 0) {
      vx_admin_error(req, 400, "INVALID_TYPE", "revision",
                     "revision must be a non-negative integer");
      return 0;
    }
    *out = json_integer_value(r);
  }
  return 1;
}

int vx_admin_check_fields(vx_req *req, const json_t *body,
                          const char *const *allowed) {
  if (!json_is_object(body)) {
    vx_admin_error(req, 400, "INVALID_TYPE", "",
                   "the body must be a JSON object");
    return 0;
  }
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)body, k, v) {
    bool known = strcmp(k, "revision") == 0;
    for (const char *const *a = allowed; !known && *a != NULL; a++)
      known = strcmp(k, *a) == 0;
    if (!known) {
      vx_admin_error(req, 400, "VALIDATION_FAILED", k, "unknown field %s", k);
      return 0;
    }
  }
  return 1;
}

void vx_admin_location(char *buf, size_t len, const char *prefix,
                       const char *s) {
  size_t n = (size_t)snprintf(buf, len, "%s", prefix);
  for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < len;
       p++) {
    if (isalnum(*p) || strchr("-._~", *p) != NULL)
      buf[n++] = (char)*p;
    else
      n += (size_t)snprintf(buf + n, len - n, "%%%02X", *p);
  }
  buf[n < len ? n : len - 1] = '\0';
}

/* An error with a field (vx_send_error has none). */
void vx_admin_error(vx_req *req, int status, const char *code,
                    const char *field, const char *fmt, ...) {
  vx_werr e = {.status = status};
  snprintf(e.code, sizeof e.code, "%s", code);
  snprintf(e.field, sizeof e.field, "%s", field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e.message, sizeof e.message, fmt, ap);
  va_end(ap);
  vx_send_werr(req, &e);
}

int64_t vx_admin_revision_of(const json_t *flag) {
  return json_integer_value(json_object_get(flag, "revision"));
}

/* Sends a flag (or a part of it) with the flag's revision as ETag. */
void vx_admin_send_etag(vx_req *req, int status, json_t *body, int64_t revision,
                        const char *location) {
  char headers[1024];
  int n = snprintf(headers, sizeof headers, "ETag: \"%lld\"\r\n",
                   (long long)revision);
  if (location != NULL)
    snprintf(headers + n, sizeof headers - (size_t)n, "Location: %s\r\n",
             location);
  vx_send_json(req, status, body, headers);
}

void vx_admin_send_flag(vx_req *req, int status, json_t *flag) {
  char location[1024], *loc = NULL;
  if (status == 201) {
    vx_admin_location(location, sizeof location, VX_ADMIN_PREFIX "flags/",
                      json_string_value(json_object_get(flag, "key")));
    loc = location;
  }
  vx_admin_send_etag(req, status, flag, vx_admin_revision_of(flag), loc);
}

void vx_admin_flag_not_found(vx_req *req, const char *key) {
  vx_admin_error(req, 404, "NOT_FOUND", "key", "there is no flag \"%s\"", key);
}

/* ------------------------------------------------------ audit and revert */

/* One page of the audit log: ?before=ID&limit=N, newest first. */
static void audit_page(vx_req *req, const char *flag) {
  char q[32];
  int64_t before = 0, limit = PAGE_DEFAULT;
  const char *v;
  if (!vx_req_query(req, "before", q, sizeof q, &v))
    return;
  if (v != NULL && !vx_admin_parse_int(v, 1, &before)) {
    vx_admin_error(req, 400, "VALIDATION_FAILED", "before",
                   "before must be an audit entry id (a positive integer)");
    return;
  }
  if (!vx_req_query(req, "limit", q, sizeof q, &v))
    return;
  if (v != NULL && (!vx_admin_parse_int(v, 1, &limit) || limit > PAGE_MAX)) {
    vx_admin_error(req, 400, "VALIDATION_FAILED", "limit",
                   "limit must be an integer 1..%d", PAGE_MAX);
    return;
  }
  json_t *list = vx_service_audit(req->svc, flag, before, (int)limit + 1);
  if (list == NULL) {
    vx_send_error(req, 500, "STORE_ERROR", "cannot read the audit log");
    return;
  }
  json_t *next = json_null();
  if (json_array_size(list) > (size_t)limit) {
    json_array_remove(list, (size_t)limit);
    next = json_integer(json_integer_value(
        json_object_get(json_array_get(list, (size_t)limit - 1), "id")));
  }
  vx_send_json(req, 200, json_pack("{s:o, s:o}", "entries", list, "next", next),
               NULL);
}

static void h_audit(vx_req *req, char *const *arg) {
  (void)arg;
  char q[512];
  const char *flag;
  if (!vx_req_query(req, "flag", q, sizeof q, &flag))
    return;
  audit_page(req, flag != NULL && *flag != '\0' ? flag : NULL);
}

static void h_flag_audit(vx_req *req, char *const *arg) {
  json_t *flag = vx_service_get_flag(req->svc, arg[0]);
  if (flag == NULL) {
    vx_admin_flag_not_found(req, arg[0]);
    return;
  }
  json_decref(flag);
  audit_page(req, arg[0]);
}

static void h_audit_entry(vx_req *req, char *const *arg) {
  int64_t id;
  if (!vx_admin_path_id(req, arg[0], "audit entry", &id))
    return;
  json_t *e = vx_service_audit_entry(req->svc, id);
  if (e == NULL)
    vx_admin_error(req, 404, "NOT_FOUND", "id", "there is no audit entry %s",
                   arg[0]);
  else
    vx_send_json(req, 200, e, NULL);
}

static void h_revert(vx_req *req, char *const *arg) {
  int64_t id;
  if (!vx_admin_path_id(req, arg[0], "audit entry", &id))
    return;
  json_t *body = vx_req_json(req, true);
  if (body == NULL)
    return;
  static const char *const none[] = {NULL};
  int64_t base;
  if (!vx_admin_check_fields(req, body, none) ||
      !vx_admin_base_revision(req, body, &base)) {
    json_decref(body);
    return;
  }
  json_decref(body);
  json_t *saved = NULL;
  vx_werr err = {0};
  if (vx_service_revert(req->svc, &req->who, id, base, &saved, &err) == 0)
    vx_admin_send_flag(req, 200, saved);
  else
    vx_send_werr(req, &err);
}

/* ------------------------------------------------------------ the table */

typedef struct admin_route {
  const char *pattern; /* segments; "*" captures one */
  const char *methods;
  vx_admin_fn fn;
} admin_route;

#define E "flags/*/environments/*"
static const admin_route routes[] = {
    {"flags", "GET|POST", vx_admin_flags},
    {"flags/*", "GET|PUT|PATCH", vx_admin_flag},
    {"flags/*/archive", "POST", vx_admin_archive},
    {"flags/*/restore", "POST", vx_admin_restore},
    {"flags/*/audit", "GET", h_flag_audit},
    {"flags/*/dependencies", "PUT", vx_admin_flag_dependencies},
    {E, "GET", vx_admin_state},
    {E "/enabled", "PUT", vx_admin_enabled},
    {E "/on", "POST", vx_admin_on},
    {E "/off", "POST", vx_admin_off},
    {E "/strategies", "GET|POST", vx_admin_flag_strategies},
    {E "/strategies/order", "POST", vx_admin_strategy_order},
    {E "/strategies/*", "GET|PUT|DELETE", vx_admin_flag_strategy},
    {E "/variants", "GET|PUT", vx_admin_variants},
    {E "/dependencies", "GET|PUT", vx_admin_env_dependencies},
    {E "/explain", "POST", vx_admin_explain},
    {"environments", "GET|POST", vx_admin_environments},
    {"environments/*", "DELETE", vx_admin_environment},
    {"segments", "GET|POST", vx_admin_segments},
    {"segments/*", "GET|PUT|DELETE", vx_admin_segment},
    {"tokens", "GET|POST", vx_admin_tokens},
    {"tokens/*", "DELETE", vx_admin_token},
    {"audit", "GET", h_audit},
    {"audit/*", "GET", h_audit_entry},
    {"audit/*/revert", "POST", h_revert},
    {"export", "GET", vx_admin_export},
    {"import", "POST", vx_admin_import},
    {"strategies", "GET", vx_admin_strategy_list},
    {"strategies/*", "GET", vx_admin_strategy_info},
    {"plugins/reload", "POST", vx_admin_plugins_reload},
};
#undef E

/* Splits rest into segments (in place, in buf). A trailing '/' is
 * ignored; an empty segment or too many make the path unknown. */
static int split_path(const char *rest, char *buf, size_t len, char **seg) {
  size_t n = strlen(rest);
  if (n > 0 && rest[n - 1] == '/')
    n--;
  if (n == 0 || n >= len)
    return -1;
  memcpy(buf, rest, n);
  buf[n] = '\0';
  int count = 0;
  for (char *p = buf;;) {
    char *slash = strchr(p, '/');
    if (slash != NULL)
      *slash = '\0';
    if (*p == '\0' || count == MAX_SEGS)
      return -1;
    seg[count++] = p;
    if (slash == NULL)
      return count;
    p = slash + 1;
  }
}

static bool match(const char *pattern, char **seg, int n, char **arg) {
  char pat[128];
  snprintf(pat, sizeof pat, "%s", pattern);
  int i = 0, a = 0;
  char *save = NULL;
  for (char *p = strtok_r(pat, "/", &save); p != NULL;
       p = strtok_r(NULL, "/", &save), i++) {
    if (i >= n)
      return false;
    if (strcmp(p, "*") == 0) {
      if (a == MAX_ARGS)
        return false;
      arg[a++] = seg[i];
    } else if (strcmp(p, seg[i]) != 0) {
      return false;
    }
  }
  return i == n;
}

static void admin_dispatch(vx_req *req) {
  char buf[4096];
  char *seg[MAX_SEGS];
  char *arg[MAX_ARGS] = {NULL};
  size_t plen = strlen(VX_ADMIN_PREFIX);
  const char *rest =
      strncmp(req->path, VX_ADMIN_PREFIX, plen) == 0 ? req->path + plen : "";
  int n = split_path(rest, buf, sizeof buf, seg);
  for (size_t i = 0; n > 0 && i < sizeof routes / sizeof routes[0]; i++) {
    if (!match(routes[i].pattern, seg, n, arg))
      continue;
    if (!vx_req_method(req, routes[i].methods) ||
        !vx_req_auth(req, VX_ROLE_ADMIN))
      return;
    routes[i].fn(req, arg);
    return;
  }
  vx_send_error(req, 404, "NOT_FOUND", "no admin route %s %.200s",
                req->info->request_method, req->path);
}

/* One metrics label per top-level collection; every path goes through
 * admin_dispatch, which routes on the whole path. */
void vx_http_routes_admin(vx_http *h) {
  static const char *const top[] = {"flags",  "environments", "segments",
                                    "tokens", "audit",        "export",
                                    "import", "strategies",   "plugins"};
  char exact[128], prefix[128];
  for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
    snprintf(exact, sizeof exact, VX_ADMIN_PREFIX "%s", top[i]);
    snprintf(prefix, sizeof prefix, VX_ADMIN_PREFIX "%s/", top[i]);
    vx_http_route(h, exact, exact, false, admin_dispatch);
    vx_http_route(h, prefix, exact, false, admin_dispatch);
  }
  vx_http_route(h, VX_ADMIN_PREFIX, "/api/v1/admin", false, admin_dispatch);
  vx_http_route(h, "/api/v1/admin", "/api/v1/admin", false, admin_dispatch);
}
