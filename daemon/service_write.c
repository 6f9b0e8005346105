/* service_write.c - the write path for segments and environments:
 * validate, one transaction (rows + audit + revision), then update the
 * documents and publish the next snapshot (the steps are in
 * service_health.c). Memory is changed only after COMMIT succeeded.
 * Flags are in service_flags.c, tokens in service_tokens.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraint.h"
#include "log.h"
#include "service_internal.h"

/* ------------------------------------------------- transaction helpers */

bool vx_addressable_name(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || n[len - 1] == '.')
    return false;
  for (const unsigned char *p = (const unsigned char *)n; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
      return false;
  return true;
}

bool vx_valid_env_name(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len > 63 || !vx_addressable_name(n))
    return false;
  return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_.-") == len;
}

bool vx_env_exists_locked(vx_service *svc, const char *name) {
  size_t i;
  json_t *e;
  json_array_foreach(svc->environments, i, e) {
    if (strcmp(json_string_value(e), name) == 0)
      return true;
  }
  return false;
}

/* ------------------------------------------------------------- segments */

static bool strategy_uses_segment(const json_t *strategy, const char *id) {
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(strategy, "segments"), i, s) {
    char buf[64];
    if (json_is_integer(s))
      snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(s));
    else
      snprintf(buf, sizeof buf, "%s", json_string_value(s) ?: "");
    if (strcmp(buf, id) == 0)
      return true;
  }
  return false;
}

/* Whether a flag's text may have a strategy with segments: only those
 * texts are parsed (a segment write at 10,000 flags would parse them
 * all). */
static bool lists_segments(const json_t *text) {
  const char *p = json_string_value(text);
  const char *end = p + json_string_length(text);
  static const char key[] = "\"segments\":[";
  while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
    p += sizeof key - 1;
    if (p < end && *p != ']')
      return true;
  }
  return false;
}

/* The keys of flags using segment id (a new array). */
static json_t *segment_users(vx_service *svc, const char *id) {
  json_t *keys = json_array();
  const char *key;
  json_t *text;
  json_object_foreach(svc->flags, key, text) {
    if (!lists_segments(text))
      continue;
    json_t *flag = vx_flag_parse(text);
    bool uses = false;
    const char *env;
    json_t *state;
    json_object_foreach(json_object_get(flag, "environments"), env, state) {
      size_t i;
      json_t *s;
      json_array_foreach(json_object_get(state, "strategies"), i, s) {
        uses |= strategy_uses_segment(s, id);
      }
    }
    json_decref(flag);
    if (uses)
      json_array_append_new(keys, json_string(key));
  }
  return keys;
}

/* The next free numeric segment id: one more than the largest. */
static long long next_segment_id(vx_service *svc) {
  long long max = 0;
  const char *id;
  json_t *seg;
  json_object_foreach(svc->segments, id, seg) {
    char *end;
    long long v = strtoll(id, &end, 10);
    if (*id != '\0' && *end == '\0' && v > max)
      max = v;
  }
  return max + 1;
}

/* 409 CONFLICT when segment seg (may be NULL) changed after
 * if_revision (>= 0). */
static int segment_conflict(const json_t *seg, const char *id,
                            int64_t if_revision, vx_werr *err) {
  int64_t at = json_integer_value(json_object_get(seg, "revision"));
  if (seg == NULL || if_revision < 0 || at <= if_revision)
    return 0;
  return vx_werr_set(err, VX_ECONFLICT, 409, "CONFLICT", "revision",
                     "segment %s changed at revision %lld, after revision %lld",
                     id, (long long)at, (long long)if_revision);
}

int vx_service_put_segment(vx_service *svc, const vx_principal *actor,
                           const json_t *doc, bool create_only,
                           int64_t if_revision, json_t **saved, bool *created,
                           vx_werr *err) {
  if (saved != NULL)
    *saved = NULL;
  if (created != NULL)
    *created = false;
  if (!json_is_object(doc))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "",
                       "a segment must be a JSON object");
  const json_t *idj = json_object_get(doc, "id");
  char id[64] = "";
  if (idj == NULL)
    ; /* chosen under the lock below */
  else if (json_is_integer(idj))
    snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(idj));
  else if (json_is_string(idj) && json_string_length(idj) > 0 &&
           json_string_length(idj) < sizeof id &&
           vx_addressable_name(json_string_value(idj)))
    snprintf(id, sizeof id, "%s", json_string_value(idj));
  else
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "id",
                       "id must be a number or a string of 1..63 bytes "
                       "without '/', '\\' or control characters, not ending "
                       "in '.' (a URL could not reach it)");
  const json_t *name = json_object_get(doc, "name");
  const json_t *desc = json_object_get(doc, "description");
  const json_t *cons = json_object_get(doc, "constraints");
  if (!json_is_string(name) || json_string_length(name) == 0)
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "name",
                       "name must be a non-empty string");
  if (desc != NULL && !json_is_string(desc))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "description",
                       "description must be a string");
  if (!json_is_array(cons))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "constraints",
                       "constraints must be an array");
  size_t i;
  json_t *c;
  json_array_foreach(cons, i, c) {
    vx_constraint compiled;
    char why[512] = "";
    int rc = vx_constraint_compile(c, &compiled, why, sizeof why);
    vx_constraint_free(&compiled);
    if (rc != 0) {
      char field[64];
      snprintf(field, sizeof field, "constraints[%zu]", i);
      return vx_werr_set(err, rc, 400, "VALIDATION_FAILED", field,
                         "constraints[%zu]: %s", i, why);
    }
  }
  pthread_mutex_lock(&svc->lock);
  /* Choosing an id and writing it are one step under the write lock. */
  if (id[0] == '\0')
    snprintf(id, sizeof id, "%lld", next_segment_id(svc));
  json_t *seg =
      json_pack("{s:s, s:O, s:s, s:O}", "id", id, "name", name, "description",
                desc ? json_string_value(desc) : "", "constraints", cons);
  const json_t *before = json_object_get(svc->segments, id);
  uint64_t revision;
  int rc = 0;
  if (before != NULL && create_only)
    rc = vx_werr_set(err, VX_EEXIST, 409, "ALREADY_EXISTS", "id",
                     "segment %s already exists: PUT segments/%s", id, id);
  else if ((rc = segment_conflict(before, id, if_revision, err)) == 0)
    rc = vx_begin_locked(svc, &revision, err);
  if (rc == 0) {
    json_object_set_new(seg, "revision", json_integer((json_int_t)revision));
    rc = vx_store_put_segment(svc->store, seg);
    rc = vx_service_audit_commit_locked(
        svc, rc, revision, vx_service_now_ms(), actor,
        before ? "segment.update" : "segment.create", before, seg, err);
  }
  if (rc == 0) {
    if (created != NULL)
      *created = before == NULL;
    json_t *users = segment_users(svc, id);
    int staged = json_object_set(svc->segments, id, seg) != 0 ||
                         json_object_set(svc->st.segments, id, seg) != 0
                     ? VX_ENOMEM
                     : 0;
    rc = vx_service_published_locked(svc, revision, staged, users, NULL, false,
                                     err);
    json_decref(users);
    if (rc == 0 && saved != NULL)
      *saved = json_deep_copy(seg);
  }
  pthread_mutex_unlock(&svc->lock);
  json_decref(seg);
  return rc;
}

int vx_service_delete_segment(vx_service *svc, const vx_principal *actor,
                              const char *id, int64_t if_revision,
                              vx_werr *err) {
  pthread_mutex_lock(&svc->lock);
  int rc = 0;
  json_t *before = json_object_get(svc->segments, id);
  json_t *users = segment_users(svc, id);
  if (before == NULL) {
    rc = vx_werr_set(err, VX_ENOENT, 404, "NOT_FOUND", "id",
                     "there is no segment \"%s\"", id);
  } else if (json_array_size(users) > 0) {
    rc = vx_werr_set(err, VX_ECONFLICT, 409, "SEGMENT_IN_USE", "id",
                     "segment %s is used by %zu flag(s), e.g. %s", id,
                     json_array_size(users),
                     json_string_value(json_array_get(users, 0)));
  } else if ((rc = segment_conflict(before, id, if_revision, err)) == 0) {
    uint64_t revision;
    rc = vx_begin_locked(svc, &revision, err);
    if (rc == 0) {
      rc = vx_store_delete_segment(svc->store, id);
      rc = vx_service_audit_commit_locked(svc, rc, revision,
                                          vx_service_now_ms(), actor,
                                          "segment.delete", before, NULL, err);
    }
    if (rc == 0) {
      json_object_del(svc->segments, id);
      json_object_del(svc->st.segments, id);
      rc = vx_service_published_locked(svc, revision, 0, NULL, NULL, true, err);
    }
  }
  json_decref(users);
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

/* --------------------------------------------------------- environments */

/* Memory after environment name was created: listed, an empty table of
 * definitions, and every flag with a switched-off state in it. */
static int stage_new_environment(vx_service *svc, const char *name) {
  if (json_array_append_new(svc->environments, json_string(name)) != 0 ||
      json_object_set_new(svc->st.envs, name, json_object()) != 0)
    return VX_ENOMEM;
  int rc = 0;
  const char *key;
  json_t *text;
  json_object_foreach(svc->flags, key, text) {
    json_t *flag = vx_flag_parse(text);
    vx_service_fill_envs_locked(svc, flag); /* the new one is listed */
    if (rc == 0 && (flag == NULL || vx_service_keep_flag_locked(svc, flag)))
      rc = VX_ENOMEM;
    json_decref(flag);
  }
  return rc;
}

int vx_service_put_environment(vx_service *svc, const vx_principal *actor,
                               const char *name, vx_werr *err) {
  if (name == NULL || !vx_valid_env_name(name))
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "name",
                       "an environment name is 1..63 of A-Z a-z 0-9 _ . -, "
                       "not ending in '.' (a URL could not reach it)");
  pthread_mutex_lock(&svc->lock);
  int rc;
  uint64_t revision;
  if (vx_env_exists_locked(svc, name)) {
    rc = vx_werr_set(err, VX_EEXIST, 409, "ALREADY_EXISTS", "name",
                     "environment %s already exists", name);
  } else if ((rc = vx_begin_locked(svc, &revision, err)) == 0) {
    json_t *after = json_pack("{s:s}", "environment", name);
    rc = vx_store_put_environment(svc->store, name);
    rc = vx_service_audit_commit_locked(svc, rc, revision, vx_service_now_ms(),
                                        actor, "environment.create", NULL,
                                        after, err);
    json_decref(after);
    if (rc == 0)
      rc = vx_service_published_locked(svc, revision,
                                       stage_new_environment(svc, name), NULL,
                                       NULL, true, err);
  }
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

/* Memory after the environment at index was deleted. */
static int stage_deleted_environment(vx_service *svc, const char *name,
                                     size_t index) {
  json_object_del(svc->st.envs, name);
  json_array_remove(svc->environments, index);
  int rc = 0;
  const char *key;
  json_t *text;
  json_object_foreach(svc->flags, key, text) {
    json_t *flag = vx_flag_parse(text);
    json_object_del(json_object_get(flag, "environments"), name);
    if (rc == 0 && (flag == NULL || vx_service_keep_flag_locked(svc, flag)))
      rc = VX_ENOMEM;
    json_decref(flag);
  }
  return rc;
}

int vx_service_delete_environment(vx_service *svc, const vx_principal *actor,
                                  const char *name, vx_werr *err) {
  pthread_mutex_lock(&svc->lock);
  int rc = 0;
  size_t i, index = (size_t)-1;
  json_t *e;
  json_array_foreach(svc->environments, i, e) {
    if (strcmp(json_string_value(e), name) == 0)
      index = i;
  }
  json_t *t;
  const char *user = NULL;
  json_array_foreach(svc->tokens, i, t) {
    const char *env = json_string_value(json_object_get(t, "environment"));
    if (env && strcmp(env, name) == 0 &&
        json_is_null(json_object_get(t, "revoked_at")))
      user = json_string_value(json_object_get(t, "name"));
  }
  uint64_t revision;
  if (index == (size_t)-1) {
    rc = vx_werr_set(err, VX_ENOENT, 404, "NOT_FOUND", "name",
                     "there is no environment \"%s\"", name);
  } else if (strcmp(name, svc->cfg.default_environment) == 0) {
    rc = vx_werr_set(err, VX_ECONFLICT, 409, "DEFAULT_ENVIRONMENT", "name",
                     "%s is the default environment", name);
  } else if (user != NULL) {
    rc = vx_werr_set(err, VX_ECONFLICT, 409, "ENVIRONMENT_IN_USE", "name",
                     "token %s is bound to %s: revoke it first", user, name);
  } else if ((rc = vx_begin_locked(svc, &revision, err)) == 0) {
    json_t *before = json_pack("{s:s}", "environment", name);
    rc = vx_store_delete_environment(svc->store, name);
    rc = vx_service_audit_commit_locked(svc, rc, revision, vx_service_now_ms(),
                                        actor, "environment.delete", before,
                                        NULL, err);
    json_decref(before);
    if (rc == 0)
      rc = vx_service_published_locked(
          svc, revision, stage_deleted_environment(svc, name, index), NULL,
          NULL, true, err);
  }
  pthread_mutex_unlock(&svc->lock);
  return rc;
}
