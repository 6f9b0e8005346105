/* service_flags.c - the write path for flags: validate (shape, strict
 * compile of what changed, dependencies), one transaction (rows + audit +
 * revision), then update the documents and publish the next snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flag.h"
#include "json_limit.h"
#include "log.h"
#include "service_internal.h"

/* ------------------------------------------------------------ validation */

/* A flag key: 1..255 bytes of UTF-8 (jansson checked it) that a URL path
 * reaches (vx_addressable_name). */
static bool valid_key(const char *k) {
  return strlen(k) <= 255 && vx_addressable_name(k);
}

static int merge_state(vx_service *svc, json_t *states, const char *env,
                       const json_t *given, vx_werr *err) {
  char field[256];
  snprintf(field, sizeof field, "environments.%s", env);
  if (!vx_env_exists_locked(svc, env))
    return vx_werr_set(err, VX_ENOENT, 400, "UNKNOWN_ENVIRONMENT", field,
                       "there is no environment \"%s\"", env);
  if (!json_is_object(given))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", field,
                       "an environment's state must be an object");
  json_t *state = json_object_get(states, env);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)given, k, v) {
    snprintf(field, sizeof field, "environments.%s.%s", env, k);
    if (strcmp(k, "enabled") == 0) {
      if (!json_is_boolean(v))
        return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", field,
                           "enabled must be true or false");
    } else if (strcmp(k, "strategies") == 0 || strcmp(k, "variants") == 0 ||
               strcmp(k, "dependencies") == 0) {
      if (!json_is_array(v))
        return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", field,
                           "%s must be an array", k);
    } else {
      return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", field,
                         "unknown field %s", k);
    }
    json_object_set(state, k, v);
  }
  return 0;
}

/* Applies doc's fields to flag (a copy of the current one or defaults). */
static int merge_flag(vx_service *svc, json_t *flag, const json_t *doc,
                      vx_werr *err) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)doc, k, v) {
    if (strcmp(k, "key") == 0 || strcmp(k, "created_at") == 0 ||
        strcmp(k, "updated_at") == 0 || strcmp(k, "revision") == 0)
      continue; /* the key was checked; the rest is the server's */
    if (strcmp(k, "description") == 0) {
      if (!json_is_string(v) || json_string_length(v) > 4000)
        return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", k,
                           "description must be a string of at most 4000 "
                           "bytes");
      json_object_set(flag, k, v);
    } else if (strcmp(k, "type") == 0) {
      const char *t = json_string_value(v);
      if (t == NULL || (strcmp(t, "boolean") && strcmp(t, "string") &&
                        strcmp(t, "number") && strcmp(t, "object")))
        return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", k,
                           "type must be boolean, string, number or object");
      json_object_set(flag, k, v);
    } else if (strcmp(k, "archived") == 0) {
      if (!json_is_boolean(v))
        return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", k,
                           "archived must be true or false");
      json_object_set(flag, k, v);
    } else if (strcmp(k, "environments") == 0) {
      if (!json_is_object(v))
        return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", k,
                           "environments must be an object");
      const char *env;
      json_t *state;
      json_object_foreach(v, env, state) {
        int rc = merge_state(svc, json_object_get(flag, "environments"), env,
                             state, err);
        if (rc != 0)
          return rc;
      }
    } else {
      return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", k,
                         "unknown field %s", k);
    }
  }
  return 0;
}

static const json_t *dependencies_in(const json_t *flag, const char *env) {
  return json_object_get(
      json_object_get(json_object_get(flag, "environments"), env),
      "dependencies");
}

/* Whether flag, in env, depends on parent. */
static bool depends_on(const json_t *flag, const char *env,
                       const char *parent) {
  size_t i;
  json_t *d;
  json_array_foreach(dependencies_in(flag, env), i, d) {
    const char *p = json_string_value(json_object_get(d, "feature"));
    if (p != NULL && strcmp(p, parent) == 0)
      return true;
  }
  return false;
}

/* Dependencies of `flag` in env: parents exist, no cycle, one level (a
 * parent has no parents, and a flag that is a parent has none). */
static int check_dependencies(vx_service *svc, const json_t *flag,
                              const char *env, vx_werr *err) {
  const char *key = json_string_value(json_object_get(flag, "key"));
  const json_t *deps = dependencies_in(flag, env);
  char field[256];
  snprintf(field, sizeof field, "environments.%s.dependencies", env);
  size_t i;
  json_t *d;
  json_array_foreach(deps, i, d) {
    const char *parent = json_string_value(json_object_get(d, "feature"));
    if (parent == NULL)
      return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", field,
                         "dependencies[%zu].feature must be a flag key", i);
    if (strcmp(parent, key) == 0)
      return vx_werr_set(err, VX_ECYCLE, 400, "DEPENDENCY_CYCLE", field,
                         "%s cannot depend on itself", key);
    json_t *p = vx_service_flag_locked(svc, parent);
    if (p == NULL)
      return vx_werr_set(err, VX_ENOENT, 400, "UNKNOWN_FLAG", field,
                         "dependencies[%zu]: there is no flag \"%s\"", i,
                         parent);
    bool deep = json_array_size(dependencies_in(p, env)) > 0;
    bool cycle = depends_on(p, env, key); /* its chain leads back here */
    json_decref(p);
    if (cycle)
      return vx_werr_set(err, VX_ECYCLE, 400, "DEPENDENCY_CYCLE", field,
                         "%s depends on %s, which depends on %s", key, parent,
                         key);
    if (deep)
      return vx_werr_set(err, VX_EINVAL, 400, "DEPENDENCY_DEPTH", field,
                         "%s depends on other flags; dependencies are one "
                         "level deep",
                         parent);
  }
  if (json_array_size(deps) == 0)
    return 0;
  /* A flag others depend on cannot get dependencies itself. Only texts
   * that name key as a "feature" are parsed. */
  const char *other;
  json_t *text;
  json_object_foreach(svc->flags, other, text) {
    if (strcmp(other, key) == 0 || !vx_flag_text_mentions(text, "feature", key))
      continue;
    json_t *o = vx_flag_parse(text);
    bool parent_of = depends_on(o, env, key);
    json_decref(o);
    if (parent_of)
      return vx_werr_set(err, VX_EINVAL, 400, "DEPENDENCY_DEPTH", field,
                         "%s is a parent of %s; dependencies are one level "
                         "deep",
                         key, other);
  }
  return 0;
}

/* The json payloads of one list of variants: nested at most max_json_depth
 * (a deeper one would be parsed at every compile). */
static int check_payload_list(const json_t *variants, const char *where,
                              vx_werr *err) {
  size_t i;
  json_t *v;
  json_array_foreach(variants, i, v) {
    const json_t *payload = json_object_get(v, "payload");
    const char *type = json_string_value(json_object_get(payload, "type"));
    const json_t *value = json_object_get(payload, "value");
    if (type == NULL || strcmp(type, "json") != 0 || !json_is_string(value))
      continue; /* a JSON value given as it is came in a bounded body */
    int limit = vx_json_max_depth();
    size_t at;
    if (vx_json_depth_ok(json_string_value(value), json_string_length(value),
                         limit, &at))
      continue;
    char field[256];
    snprintf(field, sizeof field, "%s[%zu].payload.value", where, i);
    return vx_werr_set(err, VX_ETOOBIG, 400, "VALIDATION_FAILED", field,
                       "%s nests deeper than %d levels (at byte %zu), the "
                       "limit (setting max_json_depth)",
                       field, limit, at + 1);
  }
  return 0;
}

/* Every json payload of env's state, flag and strategy variants: on
 * strict writes and lenient imports alike. */
static int check_payloads(const json_t *flag, const char *env, vx_werr *err) {
  const json_t *state =
      json_object_get(json_object_get(flag, "environments"), env);
  char where[256];
  snprintf(where, sizeof where, "environments.%s.variants", env);
  int rc = check_payload_list(json_object_get(state, "variants"), where, err);
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(state, "strategies"), i, s) {
    if (rc != 0)
      break;
    snprintf(where, sizeof where, "environments.%s.strategies[%zu].variants",
             env, i);
    rc = check_payload_list(json_object_get(s, "variants"), where, err);
  }
  return rc;
}

/* Compiles the state of env strictly; on failure names the place. */
static int check_compiles(vx_service *svc, const json_t *flag, const char *env,
                          vx_werr *err) {
  json_t *def = vx_state_native_def(flag, env);
  vx_flag *f = NULL;
  char why[1024] = "", where[192] = "";
  int rc =
      vx_flag_compile_at(def, svc->st.segments, svc->plugins, VX_COMPILE_STRICT,
                         &f, why, sizeof why, where, sizeof where);
  json_decref(def);
  vx_flag_unref(f);
  if (rc == 0)
    return 0;
  char field[256];
  snprintf(field, sizeof field, "environments.%s%s%.190s", env,
           where[0] ? "." : "", where);
  return vx_werr_set(err, rc, 400, "VALIDATION_FAILED", field, "%s: %s", env,
                     why);
}

int vx_service_prepare_flag_locked(vx_service *svc, const json_t *doc,
                                   int64_t if_revision, bool strict,
                                   json_t *warnings, json_t **out,
                                   vx_werr *err) {
  *out = NULL;
  if (!json_is_object(doc))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "",
                       "a flag must be a JSON object");
  const char *key = json_string_value(json_object_get(doc, "key"));
  if (key == NULL || !valid_key(key))
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "key",
                       "key must be 1..255 bytes without '/', '\\' or control "
                       "characters, not ending in '.' (a URL could not reach "
                       "it)");
  json_t *current = vx_service_flag_locked(svc, key);
  int64_t current_rev =
      json_integer_value(json_object_get(current, "revision"));
  if (current != NULL && if_revision >= 0 && current_rev > if_revision) {
    json_decref(current);
    return vx_werr_set(err, VX_ECONFLICT, 409, "CONFLICT", "revision",
                       "flag %s changed at revision %lld, after revision %lld",
                       key, (long long)current_rev, (long long)if_revision);
  }
  json_t *flag;
  if (current != NULL) {
    flag = json_deep_copy(current);
  } else {
    int64_t now = vx_service_now_ms();
    flag = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:i, s:{}}", "key", key,
                     "description", "", "type", "boolean", "archived", 0,
                     "created_at", (json_int_t)now, "updated_at",
                     (json_int_t)now, "revision", 0, "environments");
  }
  if (flag == NULL) {
    json_decref(current);
    return vx_werr_set(err, VX_ENOMEM, 500, "INTERNAL", "", "out of memory");
  }
  vx_service_fill_envs_locked(svc, flag);
  json_t *states = json_object_get(flag, "environments");
  size_t i;
  json_t *env;
  int rc = merge_flag(svc, flag, doc, err);
  /* Validate what changed: an untouched state imported leniently earlier
   * must not block an unrelated edit. */
  json_array_foreach(svc->environments, i, env) {
    if (rc != 0)
      break;
    const char *name = json_string_value(env);
    const json_t *before =
        current
            ? json_object_get(json_object_get(current, "environments"), name)
            : NULL;
    if (before != NULL && json_equal(before, json_object_get(states, name)))
      continue;
    if ((rc = check_payloads(flag, name, err)) != 0)
      break; /* refused on imports too: never stored */
    vx_werr problem;
    int prc = check_compiles(svc, flag, name, &problem);
    if (prc == 0)
      prc = check_dependencies(svc, flag, name, &problem);
    if (prc != 0) {
      if (strict) {
        *err = problem;
        rc = prc;
      } else if (warnings != NULL) {
        json_array_append_new(warnings,
                              json_sprintf("%s: %s", key, problem.message));
      }
    }
  }
  json_decref(current);
  if (rc != 0) {
    json_decref(flag);
    return rc;
  }
  *out = flag;
  return 0;
}

int vx_service_store_flag_locked(vx_service *svc, uint64_t revision,
                                 const vx_principal *actor, const char *action,
                                 const json_t *before, json_t *after,
                                 vx_werr *err) {
  int64_t now = vx_service_now_ms();
  json_object_set_new(after, "revision", json_integer((json_int_t)revision));
  json_object_set_new(after, "updated_at", json_integer(now));
  int64_t id;
  const char *key = json_string_value(json_object_get(after, "key"));
  int rc = vx_store_put_flag(svc->store, after);
  if (rc == 0)
    rc = vx_store_add_audit(svc->store, revision, now, vx_actor_name(actor),
                            action, key, before, after, &id);
  if (rc != 0)
    return vx_service_store_error_locked(svc, err, rc,
                                         "the database refused the write");
  return 0;
}

/* Everything but the bookkeeping fields: is the write a no-op? */
static bool same_content(const json_t *a, const json_t *b) {
  json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
  static const char *skip[] = {"updated_at", "revision", "created_at"};
  for (size_t i = 0; i < 3; i++) {
    json_object_del(x, skip[i]);
    json_object_del(y, skip[i]);
  }
  bool same = json_equal(x, y);
  json_decref(x);
  json_decref(y);
  return same;
}

/* put_flag with the lock held. */
static int put_flag_locked(vx_service *svc, const vx_principal *actor,
                           const char *action, const json_t *doc,
                           int64_t if_revision, bool strict, json_t **saved,
                           vx_werr *err) {
  json_t *flag;
  int rc = vx_service_prepare_flag_locked(svc, doc, if_revision, strict, NULL,
                                          &flag, err);
  if (rc != 0)
    return rc;
  const char *key = json_string_value(json_object_get(flag, "key"));
  json_t *current = vx_service_flag_locked(svc, key);
  if (current != NULL && same_content(current, flag)) {
    json_decref(flag); /* nothing changes: no revision, no audit entry */
    rc = vx_service_pending_locked(svc, err);
    if (saved != NULL && rc == 0)
      *saved = current;
    else
      json_decref(current);
    return rc;
  }
  uint64_t revision;
  rc = vx_begin_locked(svc, &revision, err);
  if (rc == 0)
    rc = vx_service_store_flag_locked(
        svc, revision, actor, current ? action : "create", current, flag, err);
  /* Where it changed, for the event streams of one environment. */
  json_t *envs = json_object();
  if (envs == NULL || vx_change_note_flag(envs, current, flag) != 0) {
    json_decref(envs);
    envs = NULL; /* then every environment is told */
  }
  json_decref(current);
  /* Memory follows only a committed write: staged after COMMIT. */
  rc = vx_commit_locked(svc, rc, err);
  if (rc == 0) {
    json_t *keys = json_pack("[s]", key);
    rc = vx_service_published_locked(svc, revision,
                                     vx_service_keep_flag_locked(svc, flag),
                                     keys, envs, false, err);
    json_decref(keys);
  }
  json_decref(envs);
  if (saved != NULL && rc == 0)
    *saved = flag;
  else
    json_decref(flag);
  return rc;
}

int vx_service_put_flag(vx_service *svc, const vx_principal *actor,
                        const char *action, const json_t *doc,
                        int64_t if_revision, json_t **saved, vx_werr *err) {
  if (saved != NULL)
    *saved = NULL;
  pthread_mutex_lock(&svc->lock);
  int rc = put_flag_locked(svc, actor, action ? action : "update", doc,
                           if_revision, true, saved, err);
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

int vx_service_revert(vx_service *svc, const vx_principal *actor, int64_t id,
                      int64_t if_revision, json_t **saved, vx_werr *err) {
  if (saved != NULL)
    *saved = NULL;
  pthread_mutex_lock(&svc->lock);
  json_t *entry = NULL;
  int rc = vx_store_get_audit(svc->store, id, &entry);
  const char *key = json_string_value(json_object_get(entry, "flag"));
  if (rc != 0) {
    rc = vx_werr_set(err, VX_ENOENT, 404, "NOT_FOUND", "id",
                     "there is no audit entry %lld", (long long)id);
  } else if (key == NULL) {
    rc = vx_werr_set(err, VX_EINVAL, 400, "NOT_REVERTIBLE", "id",
                     "audit entry %lld is not a change of a flag",
                     (long long)id);
  } else {
    const json_t *before = json_object_get(entry, "before");
    json_t *doc;
    if (json_is_object(before)) {
      doc = json_deep_copy(before);
      /* Environments created since keep their current state; removed ones
       * are gone. */
      json_t *states = json_object_get(doc, "environments");
      const char *env;
      json_t *st;
      void *tmp;
      json_object_foreach_safe(states, tmp, env, st) {
        if (!vx_env_exists_locked(svc, env))
          json_object_del(states, env);
      }
    } else { /* the entry created the flag: reverting archives it */
      doc = json_pack("{s:s, s:b}", "key", key, "archived", 1);
    }
    /* What was valid then is restored even if a plugin changed since. */
    rc = put_flag_locked(svc, actor, "revert", doc, if_revision, false, saved,
                         err);
    json_decref(doc);
  }
  json_decref(entry);
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

/* The fields that change a flag's evaluation in every environment. */
static bool whole_flag_changed(const json_t *before, const json_t *after) {
  static const char *const fields[] = {"archived", "type"};
  if (before == NULL || after == NULL)
    return true;
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    const json_t *a = json_object_get(before, fields[i]);
    const json_t *b = json_object_get(after, fields[i]);
    if (!(a == NULL ? b == NULL : b != NULL && json_equal(a, b)))
      return true;
  }
  return false;
}

static int note(json_t *envs, const char *env, const char *key) {
  json_t *list = json_object_get(envs, env);
  if (list == NULL) {
    list = json_array();
    if (list == NULL || json_object_set_new(envs, env, list) != 0)
      return VX_ENOMEM;
  }
  return json_array_append_new(list, json_string(key)) == 0 ? 0 : VX_ENOMEM;
}

int vx_change_note_flag(json_t *envs, const json_t *before,
                        const json_t *after) {
  const json_t *doc = after != NULL ? after : before;
  const char *key = json_string_value(json_object_get(doc, "key"));
  if (key == NULL)
    return VX_EINVAL;
  bool all = whole_flag_changed(before, after);
  const json_t *was = json_object_get(before, "environments");
  const json_t *now = json_object_get(after, "environments");
  const char *env;
  json_t *state;
  int rc = 0;
  json_object_foreach((json_t *)now, env, state) {
    const json_t *old = json_object_get(was, env);
    if (rc == 0 && (all || old == NULL || !json_equal(old, state)))
      rc = note(envs, env, key);
  }
  json_object_foreach((json_t *)was, env, state) {
    if (rc == 0 && json_object_get(now, env) == NULL)
      rc = note(envs, env, key);
  }
  return rc;
}
