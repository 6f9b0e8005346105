/*
 * store_write.c - the store's writes (store.h): flags with their states,
 * segments, environments, tokens, audit entries. Each runs inside the
 * caller's transaction and refuses to run outside one.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* JSON is stored compact, object keys in document order. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

/* doc as compact JSON (free it); NULL for NULL or JSON null. */
static int dump(vx_store *st, const json_t *doc, char **out) {
  *out = NULL;
  if (doc == NULL || json_is_null(doc))
    return 0;
  *out = json_dumps(doc, DUMP_FLAGS);
  return *out != NULL
             ? 0
             : vx_store_refuse(st, VX_ENOMEM, "cannot serialize a document");
}

/* ---- document fields --------------------------------------------------- */

/* A string field; absent or null gives dflt, or VX_EINVAL when dflt is
 * NULL (required). Empty and embedded NUL refused for required ones. */
static int str_field(vx_store *st, const json_t *doc, const char *kind,
                     const char *field, const char *dflt, const char **out) {
  const json_t *v = json_object_get(doc, field);
  if (v == NULL || json_is_null(v)) {
    *out = dflt;
    return dflt != NULL ? 0
                        : vx_store_refuse(st, VX_EINVAL,
                                          "%s: \"%s\" is missing", kind, field);
  }
  if (!json_is_string(v))
    return vx_store_refuse(st, VX_ETYPE, "%s: \"%s\" must be a string", kind,
                           field);
  *out = json_string_value(v);
  if (strlen(*out) != json_string_length(v))
    return vx_store_refuse(st, VX_EINVAL, "%s: \"%s\" contains a NUL character",
                           kind, field);
  if (dflt == NULL && **out == '\0')
    return vx_store_refuse(st, VX_EINVAL, "%s: \"%s\" is empty", kind, field);
  return 0;
}

/* An integer field; absent or null gives 0. */
static int int_field(vx_store *st, const json_t *doc, const char *kind,
                     const char *field, int64_t *out) {
  const json_t *v = json_object_get(doc, field);
  *out = 0;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_integer(v))
    return vx_store_refuse(st, VX_ETYPE, "%s: \"%s\" must be an integer", kind,
                           field);
  *out = json_integer_value(v);
  return 0;
}

static int check_states(vx_store *st, const char *key, const json_t *envs) {
  if (envs != NULL && !json_is_null(envs) && !json_is_object(envs))
    return vx_store_refuse(st, VX_ETYPE,
                           "flag \"%s\": \"environments\" must be an "
                           "object",
                           key);
  const char *env;
  const json_t *state;
  json_object_foreach((json_t *)envs, env, state) {
    if (!json_is_object(state))
      return vx_store_refuse(
          st, VX_ETYPE, "flag \"%s\": the state in \"%s\" must be an object",
          key, env);
  }
  return 0;
}

static int put_state(vx_store *st, const char *key, const char *env,
                     const json_t *state) {
  char *text;
  sqlite3_stmt *s;
  int rc = dump(st, state, &text);
  if (rc == 0)
    rc = vx_store_prep(st, Q_STATE_PUT, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s,
                        vx_store_bind_str(s, 1, key) |
                            vx_store_bind_str(s, 2, env) |
                            vx_store_bind_str(s, 3, text),
                        "put flag state");
  if (rc == 0)
    rc = vx_store_run(st, s, "put flag state");
  free(text);
  if (rc == VX_ENOENT)
    vx_store_refuse(st, rc, "flag \"%s\": no environment \"%s\"", key, env);
  return rc;
}

int vx_store_put_flag(vx_store *st, const json_t *flag) {
  const char *key = NULL, *description, *type;
  int64_t created, updated, revision;
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0 && !json_is_object(flag))
    rc = vx_store_refuse(st, VX_ETYPE, "a flag must be an object");
  if (rc == 0)
    rc = str_field(st, flag, "flag", "key", NULL, &key);
  char what[128];
  snprintf(what, sizeof what, "flag \"%.100s\"", key != NULL ? key : "");
  if (rc == 0)
    rc = str_field(st, flag, what, "description", "", &description);
  if (rc == 0)
    rc = str_field(st, flag, what, "type", NULL, &type);
  if (rc == 0)
    rc = int_field(st, flag, what, "created_at", &created);
  if (rc == 0)
    rc = int_field(st, flag, what, "updated_at", &updated);
  if (rc == 0)
    rc = int_field(st, flag, what, "revision", &revision);
  const json_t *archived = json_object_get(flag, "archived");
  if (rc == 0 && archived != NULL && !json_is_boolean(archived) &&
      !json_is_null(archived))
    rc = vx_store_refuse(st, VX_ETYPE, "%s: \"archived\" must be true or false",
                         what);
  const json_t *envs = json_object_get(flag, "environments");
  if (rc == 0)
    rc = check_states(st, key, envs);
  if (rc == 0)
    rc = vx_store_prep(st, Q_FLAG_PUT, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s,
                        vx_store_bind_str(s, 1, key) |
                            vx_store_bind_str(s, 2, description) |
                            vx_store_bind_str(s, 3, type) |
                            sqlite3_bind_int(s, 4, json_is_true(archived)) |
                            sqlite3_bind_int64(s, 5, created) |
                            sqlite3_bind_int64(s, 6, updated) |
                            sqlite3_bind_int64(s, 7, revision),
                        "put flag");
  if (rc == 0)
    rc = vx_store_run(st, s, "put flag");
  if (rc == 0)
    rc = vx_store_prep(st, Q_STATES_CLEAR, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s, vx_store_bind_str(s, 1, key), "put flag");
  if (rc == 0)
    rc = vx_store_run(st, s, "put flag: clear states");
  const char *env;
  const json_t *state;
  json_object_foreach((json_t *)envs, env, state) {
    if (rc == 0)
      rc = put_state(st, key, env, state);
  }
  return rc;
}

/* Runs the one-key DELETE q; VX_ENOENT when no row had that key. */
static int delete_one(vx_store *st, int q, const char *kind, const char *key) {
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0 && key == NULL)
    rc = vx_store_refuse(st, VX_EINVAL, "delete %s: no key", kind);
  if (rc == 0)
    rc = vx_store_prep(st, q, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s, vx_store_bind_str(s, 1, key), kind);
  if (rc == 0)
    rc = vx_store_run(st, s, kind);
  if (rc == 0 && sqlite3_changes(st->db) == 0)
    rc = vx_store_refuse(st, VX_ENOENT, "no %s \"%s\"", kind, key);
  return rc;
}

int vx_store_delete_flag(vx_store *st, const char *key) {
  return delete_one(st, Q_FLAG_DELETE, "flag", key);
}

int vx_store_put_segment(vx_store *st, const json_t *segment) {
  const char *id = NULL, *name, *description;
  char *constraints = NULL;
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0 && !json_is_object(segment))
    rc = vx_store_refuse(st, VX_ETYPE, "a segment must be an object");
  if (rc == 0)
    rc = str_field(st, segment, "segment", "id", NULL, &id);
  char what[128];
  snprintf(what, sizeof what, "segment \"%.100s\"", id != NULL ? id : "");
  if (rc == 0)
    rc = str_field(st, segment, what, "name", "", &name);
  if (rc == 0)
    rc = str_field(st, segment, what, "description", "", &description);
  const json_t *cs = json_object_get(segment, "constraints");
  if (rc == 0 && cs != NULL && !json_is_array(cs) && !json_is_null(cs))
    rc = vx_store_refuse(st, VX_ETYPE,
                         "segment \"%s\": \"constraints\" must be an "
                         "array",
                         id);
  if (rc == 0 && json_is_array(cs))
    rc = dump(st, cs, &constraints);
  if (rc == 0)
    rc = vx_store_prep(st, Q_SEGMENT_PUT, &s);
  if (rc == 0)
    rc = vx_store_bound(
        st, s,
        vx_store_bind_str(s, 1, id) | vx_store_bind_str(s, 2, name) |
            vx_store_bind_str(s, 3, description) |
            vx_store_bind_str(s, 4, constraints != NULL ? constraints : "[]") |
            sqlite3_bind_int64(
                s, 5, json_integer_value(json_object_get(segment, "revision"))),
        "put segment");
  if (rc == 0)
    rc = vx_store_run(st, s, "put segment");
  free(constraints);
  return rc;
}

int vx_store_delete_segment(vx_store *st, const char *id) {
  return delete_one(st, Q_SEGMENT_DELETE, "segment", id);
}

int vx_store_put_environment(vx_store *st, const char *name) {
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0 && (name == NULL || *name == '\0'))
    rc = vx_store_refuse(st, VX_EINVAL, "an environment needs a name");
  if (rc == 0)
    rc = vx_store_prep(st, Q_ENV_PUT, &s);
  if (rc == 0)
    rc =
        vx_store_bound(st, s, vx_store_bind_str(s, 1, name), "put environment");
  return rc != 0 ? rc : vx_store_run(st, s, "put environment");
}

int vx_store_delete_environment(vx_store *st, const char *name) {
  return delete_one(st, Q_ENV_DELETE, "environment", name);
}

int vx_store_add_token(vx_store *st, const char *name, const char *role,
                       const char *environment, const char *hash_hex,
                       int64_t now_ms, int64_t *id) {
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0 && (name == NULL || role == NULL || hash_hex == NULL))
    rc = vx_store_refuse(st, VX_EINVAL,
                         "a token needs a name, a role and a hash");
  if (rc == 0 && strcmp(role, "admin") != 0 && strcmp(role, "client") != 0)
    rc = vx_store_refuse(st, VX_EINVAL,
                         "token role \"%s\": not admin or client", role);
  if (rc == 0 && strcmp(role, "client") == 0 && environment == NULL)
    rc = vx_store_refuse(st, VX_EINVAL, "a client token needs an environment");
  if (rc == 0 &&
      (strlen(hash_hex) != 64 || strspn(hash_hex, "0123456789abcdef") != 64))
    rc = vx_store_refuse(st, VX_EINVAL,
                         "a token hash is 64 lower-case hex digits");
  if (rc == 0)
    rc = vx_store_prep(st, Q_TOKEN_ADD, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s,
                        vx_store_bind_str(s, 1, name) |
                            vx_store_bind_str(s, 2, role) |
                            vx_store_bind_str(s, 3, environment) |
                            vx_store_bind_str(s, 4, hash_hex) |
                            sqlite3_bind_int64(s, 5, now_ms),
                        "add token");
  if (rc == 0)
    rc = vx_store_run(st, s, "add token");
  if (rc == VX_EEXIST)
    vx_store_refuse(st, rc, "a token with this hash exists already");
  if (rc == 0 && id != NULL)
    *id = sqlite3_last_insert_rowid(st->db);
  return rc;
}

int vx_store_revoke_token(vx_store *st, int64_t id, int64_t now_ms) {
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0)
    rc = vx_store_prep(st, Q_TOKEN_REVOKE, &s);
  if (rc == 0)
    rc = vx_store_bound(
        st, s, sqlite3_bind_int64(s, 1, id) | sqlite3_bind_int64(s, 2, now_ms),
        "revoke token");
  if (rc == 0)
    rc = vx_store_run(st, s, "revoke token");
  if (rc == 0 && sqlite3_changes(st->db) == 0)
    rc = vx_store_refuse(st, VX_ENOENT, "no token %lld", (long long)id);
  return rc;
}

int vx_store_token_used(vx_store *st, int64_t id, int64_t last_used_ms) {
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0)
    rc = vx_store_prep(st, Q_TOKEN_USED, &s);
  if (rc == 0)
    rc = vx_store_bound(st, s,
                        sqlite3_bind_int64(s, 1, id) |
                            sqlite3_bind_int64(s, 2, last_used_ms),
                        "record token use");
  if (rc == 0)
    rc = vx_store_run(st, s, "record token use");
  return rc;
}

int vx_store_add_audit(vx_store *st, uint64_t revision, int64_t time_ms,
                       const char *actor, const char *action, const char *flag,
                       const json_t *before, const json_t *after, int64_t *id) {
  char *b = NULL, *a = NULL;
  sqlite3_stmt *s;
  int rc = vx_store_need_tx(st);
  if (rc == 0 && (actor == NULL || action == NULL))
    rc = vx_store_refuse(st, VX_EINVAL,
                         "an audit entry needs an actor and an action");
  if (rc == 0)
    rc = dump(st, before, &b);
  if (rc == 0)
    rc = dump(st, after, &a);
  if (rc == 0)
    rc = vx_store_prep(st, Q_AUDIT_ADD, &s);
  if (rc == 0)
    rc = vx_store_bound(
        st, s,
        sqlite3_bind_int64(s, 1, (int64_t)revision) |
            sqlite3_bind_int64(s, 2, time_ms) | vx_store_bind_str(s, 3, actor) |
            vx_store_bind_str(s, 4, action) | vx_store_bind_str(s, 5, flag) |
            vx_store_bind_str(s, 6, b) | vx_store_bind_str(s, 7, a),
        "add audit entry");
  if (rc == 0)
    rc = vx_store_run(st, s, "add audit entry");
  if (rc == 0 && id != NULL)
    *id = sqlite3_last_insert_rowid(st->db);
  free(b);
  free(a);
  return rc;
}
