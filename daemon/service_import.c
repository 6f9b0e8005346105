/* service_import.c - export, native and Unleash imports (one transaction
 * each: everything or nothing), and the demo flags. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "json_limit.h"
#include "log.h"
#include "service_internal.h"

json_t *vx_service_export(vx_service *svc) {
  pthread_mutex_lock(&svc->lock);
  json_t *flags = vx_sorted_values(svc->flags, vx_flag_parse);
  json_t *segments = vx_sorted_values(svc->segments, json_deep_copy);
  json_t *doc =
      json_pack("{s:i, s:I, s:O, s:o, s:o}", "version", 1, "revision",
                (json_int_t)svc->st.revision, "environments", svc->environments,
                "segments", segments, "flags", flags);
  pthread_mutex_unlock(&svc->lock);
  return doc;
}

/* One import: the prepared flags, the segments, what happened, in one
 * transaction. The flags are kept as text between the steps: 10,000
 * parsed documents would take about 100 MB at once. */
typedef struct import {
  json_t *flags;    /* key -> new document, as text (vx_flag_text) */
  json_t *segments; /* id -> segment */
  int created, updated, archived;
  json_t *warnings;
} import;

static int prepare(vx_service *svc, import *im, const json_t *doc,
                   vx_werr *err) {
  json_t *flag;
  int rc = vx_service_prepare_flag_locked(svc, doc, -1, false, im->warnings,
                                          &flag, err);
  if (rc != 0)
    return rc;
  /* key lives in flag: use it before flag is released. */
  const char *key = json_string_value(json_object_get(flag, "key"));
  if (json_object_get(im->flags, key) != NULL) {
    vx_werr_set(err, VX_EEXIST, 400, "VALIDATION_FAILED", key,
                "flag %s appears twice", key);
    json_decref(flag);
    return VX_EEXIST;
  }
  json_t *text = vx_flag_text(flag);
  rc = text != NULL && json_object_set_new(im->flags, key, text) == 0
           ? 0
           : vx_werr_set(err, VX_ENOMEM, 500, "INTERNAL", "", "out of memory");
  json_decref(flag); /* after its key was copied */
  return rc;
}

static int segment_into(import *im, const json_t *seg, size_t i, vx_werr *err) {
  const json_t *id = json_object_get(seg, "id");
  char key[64];
  if (json_is_integer(id))
    snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
  else if (json_is_string(id) && json_string_length(id) < sizeof key &&
           vx_addressable_name(json_string_value(id)))
    snprintf(key, sizeof key, "%s", json_string_value(id));
  else
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "segments",
                       "segments[%zu].id must be a number or a string of "
                       "1..63 bytes that a URL can reach",
                       i);
  const json_t *cons = json_object_get(seg, "constraints");
  if (cons != NULL && !json_is_array(cons))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "segments",
                       "segments[%zu].constraints must be an array", i);
  const json_t *name = json_object_get(seg, "name");
  const json_t *desc = json_object_get(seg, "description");
  json_object_set_new(
      im->segments, key,
      json_pack("{s:s, s:s, s:s, s:O}", "id", key, "name",
                json_is_string(name) ? json_string_value(name) : key,
                "description",
                json_is_string(desc) ? json_string_value(desc) : "",
                "constraints", cons ? cons : json_array()));
  return 0;
}

/* Writes the import in one transaction, then updates memory and
 * publishes. */
static int apply(vx_service *svc, const vx_principal *actor, const char *action,
                 import *im, json_t **summary, vx_werr *err) {
  uint64_t revision;
  int rc = vx_begin_locked(svc, &revision, err);
  if (rc != 0)
    return rc;
  /* Segments first: flags may use them. */
  const char *k;
  json_t *v;
  json_object_foreach(im->segments, k, v) {
    int64_t id;
    const json_t *before = json_object_get(svc->segments, k);
    /* Unchanged but for its revision: kept as it is, revision included. */
    json_object_set(v, "revision", json_object_get(before, "revision"));
    if (before != NULL && json_equal(before, v))
      continue;
    json_object_set_new(v, "revision", json_integer((json_int_t)revision));
    rc = vx_store_put_segment(svc->store, v);
    if (rc == 0)
      rc = vx_store_add_audit(svc->store, revision, vx_service_now_ms(),
                              vx_actor_name(actor), action, NULL, before, v,
                              &id);
    if (rc != 0) {
      vx_service_store_error_locked(svc, err, rc,
                                    "the database refused the import");
      break;
    }
  }
  json_t *keys = json_array();
  /* Where flags changed; a change of segments may change any: NULL. */
  json_t *envs = json_object_size(im->segments) == 0 ? json_object() : NULL;
  json_object_foreach(im->flags, k, v) {
    if (rc != 0)
      break;
    json_t *before = vx_service_flag_locked(svc, k);
    json_t *after = vx_flag_parse(v);
    json_array_append_new(keys, json_string(k));
    if (envs != NULL && after != NULL &&
        vx_change_note_flag(envs, before, after) != 0) {
      json_decref(envs);
      envs = NULL;
    }
    rc = after == NULL ? VX_ENOMEM
                       : vx_service_store_flag_locked(
                             svc, revision, actor, action, before, after, err);
    /* As stored, with its revision and time: what memory keeps. */
    if (rc == 0 && json_object_set_new(im->flags, k, vx_flag_text(after)) != 0)
      rc = VX_ENOMEM;
    if (rc == VX_ENOMEM)
      vx_werr_set(err, rc, 500, "INTERNAL", "", "out of memory");
    json_decref(after);
    json_decref(before);
  }
  rc = vx_commit_locked(svc, rc, err);
  if (rc != 0) {
    json_decref(keys);
    json_decref(envs);
    return rc;
  }
  int staged = 0;
  json_object_foreach(im->segments, k, v) {
    if (json_object_set(svc->segments, k, v) != 0 ||
        json_object_set(svc->st.segments, k, v) != 0)
      staged = VX_ENOMEM;
  }
  void *tmp;
  json_object_foreach_safe(im->flags, tmp, k, v) {
    json_t *flag = vx_flag_parse(v);
    if (flag == NULL || vx_service_keep_flag_locked(svc, flag) != 0)
      staged = VX_ENOMEM;
    json_decref(flag);
    json_object_del(im->flags, k);
  }
  rc = vx_service_published_locked(svc, revision, staged, keys, envs,
                                   json_object_size(im->segments) > 0, err);
  json_decref(keys);
  json_decref(envs);
  malloc_trim(0); /* an import frees a lot: give it back to the system */
  if (rc == 0 && summary != NULL)
    *summary =
        json_pack("{s:I, s:i, s:i, s:i, s:O}", "revision", (json_int_t)revision,
                  "created", im->created, "updated", im->updated, "archived",
                  im->archived, "warnings", im->warnings);
  return rc;
}

static void import_dispose(import *im) {
  json_decref(im->flags);
  json_decref(im->segments);
  json_decref(im->warnings);
}

static void count(vx_service *svc, import *im, const char *key) {
  if (json_object_get(svc->flags, key) == NULL)
    im->created++;
  else
    im->updated++;
}

int vx_service_import_native(vx_service *svc, const vx_principal *actor,
                             const json_t *doc, vx_import_how how,
                             json_t **summary, vx_werr *err) {
  if (summary != NULL)
    *summary = NULL;
  const json_t *flags = json_object_get(doc, "flags");
  const json_t *segments = json_object_get(doc, "segments");
  if (!json_is_object(doc) || !json_is_array(flags) ||
      (segments != NULL && !json_is_array(segments)))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "",
                       "a native import is {\"flags\": [...], \"segments\": "
                       "[...]} as GET /api/v1/admin/export gives");
import im = {json_object(), json_object(), 0, 0, 0, json_array() };
  pthread_mutex_lock(&svc->lock);
  int rc = 0;
  size_t i;
  json_t *s;
  json_array_foreach(segments, i, s) {
    if (rc == 0)
      rc = segment_into(&im, s, i, err);
  }
  /* Segments must be known before flags using them are checked. */
  json_t *saved_segments = json_deep_copy(svc->st.segments);
  json_object_update(svc->st.segments, im.segments);
  json_t *f;
  json_array_foreach(flags, i, f) {
    if (rc != 0)
      break;
    /* Only environments this service has are imported. */
    json_t *copy = json_deep_copy(f);
    json_t *states = json_object_get(copy, "environments");
    const char *env;
    json_t *st;
    void *tmp;
    json_object_foreach_safe(states, tmp, env, st) {
      size_t j;
      json_t *e;
      bool known = false;
      json_array_foreach(svc->environments, j, e) {
        known |= strcmp(json_string_value(e), env) == 0;
      }
      if (!known) {
        json_array_append_new(im.warnings,
                              json_sprintf("environment %s skipped", env));
        json_object_del(states, env);
      }
    }
    const char *key = json_string_value(json_object_get(copy, "key"));
    if (key != NULL)
      count(svc, &im, key);
    rc = prepare(svc, &im, copy, err);
    json_decref(copy);
  }
  if (rc == 0 && how == VX_REPLACE) {
    const char *key;
    json_t *text;
    json_object_foreach(svc->flags, key, text) {
      if (rc != 0 || json_object_get(im.flags, key) != NULL)
        continue;
      json_t *flag = vx_flag_parse(text);
      if (!json_is_true(json_object_get(flag, "archived"))) {
        json_t *arch = json_pack("{s:s, s:b}", "key", key, "archived", 1);
        rc = prepare(svc, &im, arch, err);
        json_decref(arch);
        im.archived++;
      }
      json_decref(flag);
    }
  }
  if (rc == 0)
    rc = apply(svc, actor, "import", &im, summary, err);
  if (rc != 0) { /* nothing was written: restore the segments view */
    json_object_clear(svc->st.segments);
    json_object_update(svc->st.segments, saved_segments);
  }
  json_decref(saved_segments);
  pthread_mutex_unlock(&svc->lock);
  import_dispose(&im);
  return rc;
}

/* The flag type a Unleash feature's variants suggest: the payload type of
 * its first variant, flag-level or else of the first strategy that has
 * variants. */
static const char *unleash_type(const json_t *feature) {
  const json_t *v = json_array_get(json_object_get(feature, "variants"), 0);
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(feature, "strategies"), i, s) {
    if (v == NULL)
      v = json_array_get(json_object_get(s, "variants"), 0);
  }
  const char *t =
      json_string_value(json_object_get(json_object_get(v, "payload"), "type"));
  if (t == NULL)
    return "boolean";
  if (strcmp(t, "number") == 0)
    return "number";
  if (strcmp(t, "json") == 0)
    return "object";
  return "string";
}

int vx_service_import_unleash(vx_service *svc, const vx_principal *actor,
                              const json_t *doc, const char *environment,
                              vx_import_how how, json_t **summary,
                              vx_werr *err) {
  if (summary != NULL)
    *summary = NULL;
  const json_t *features = json_object_get(doc, "features");
  const json_t *segments = json_object_get(doc, "segments");
  if (!json_is_object(doc) || !json_is_array(features) ||
      (segments != NULL && !json_is_null(segments) && !json_is_array(segments)))
    return vx_werr_set(err, VX_ETYPE, 400, "INVALID_TYPE", "",
                       "an Unleash state is {\"version\", \"features\": "
                       "[...], \"segments\": [...]}");
import im = {json_object(), json_object(), 0, 0, 0, json_array() };
  pthread_mutex_lock(&svc->lock);
  /* Checked first: an empty state must not pass for an import into an
   * environment that does not exist. */
  int rc = environment != NULL && vx_env_exists_locked(svc, environment)
               ? 0
               : vx_werr_set(err, VX_ENOENT, 400, "UNKNOWN_ENVIRONMENT",
                             "environment", "there is no environment \"%s\"",
                             environment != NULL ? environment : "");
  size_t i;
  json_t *s;
  json_array_foreach(segments, i, s) {
    if (rc == 0)
      rc = segment_into(&im, s, i, err);
  }
  json_t *saved_segments = json_deep_copy(svc->st.segments);
  json_object_update(svc->st.segments, im.segments);
  json_t *f;
  json_array_foreach(features, i, f) {
    if (rc != 0)
      break;
    const char *name = json_string_value(json_object_get(f, "name"));
    if (!json_is_object(f) || name == NULL) {
      rc = vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "features",
                       "features[%zu] needs a name", i);
      break;
    }
    json_t *state = json_object();
    json_object_set_new(
        state, "enabled",
        json_boolean(json_is_true(json_object_get(f, "enabled"))));
    static const char *lists[] = {"strategies", "variants", "dependencies"};
    for (size_t j = 0; j < 3; j++) {
      const json_t *v = json_object_get(f, lists[j]);
      json_object_set_new(state, lists[j],
                          json_is_array(v) ? json_deep_copy(v) : json_array());
    }
    json_t *flag = json_pack("{s:s, s:{s:o}}", "key", name, "environments",
                             environment, state);
    if (json_object_get(svc->flags, name) == NULL) {
      const json_t *desc = json_object_get(f, "description");
      json_object_set_new(flag, "type", json_string(unleash_type(f)));
      if (json_is_string(desc))
        json_object_set(flag, "description", (json_t *)desc);
    }
    count(svc, &im, name);
    rc = prepare(svc, &im, flag, err);
    json_decref(flag);
  }
  if (rc == 0 && how == VX_REPLACE) {
    /* Flags absent from the state are switched off in that environment. */
    const char *key;
    json_t *text;
    json_object_foreach(svc->flags, key, text) {
      if (rc != 0 || json_object_get(im.flags, key) != NULL)
        continue;
      json_t *flag = vx_flag_parse(text);
      const json_t *st =
          json_object_get(json_object_get(flag, "environments"), environment);
      if (json_is_true(json_object_get(st, "enabled"))) {
        json_t *off = json_pack("{s:s, s:{s:{s:b}}}", "key", key,
                                "environments", environment, "enabled", 0);
        rc = prepare(svc, &im, off, err);
        json_decref(off);
        im.archived++;
      }
      json_decref(flag);
    }
  }
  if (rc == 0)
    rc = apply(svc, actor, "import.unleash", &im, summary, err);
  if (rc != 0) {
    json_object_clear(svc->st.segments);
    json_object_update(svc->st.segments, saved_segments);
  }
  json_decref(saved_segments);
  pthread_mutex_unlock(&svc->lock);
  import_dispose(&im);
  return rc;
}

/* The demo flags of `vexild --demo` on an empty database: the same as
 * examples/demo-state.json. */
static const char demo_state[] =
    "{\"version\": 1, \"features\": ["
    "{\"name\": \"new-checkout\", \"description\": \"The new checkout "
    "flow, ramped to 25% of users\", \"enabled\": true, \"strategies\": "
    "[{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"25\", "
    "\"stickiness\": \"default\", \"groupId\": \"new-checkout\"}}]},"
    "{\"name\": \"beta-banner\", \"description\": \"A banner for beta "
    "testers in Scandinavia\", \"enabled\": true, \"strategies\": ["
    "{\"name\": \"default\", \"constraints\": [{\"contextName\": "
    "\"country\", \"operator\": \"IN\", \"values\": [\"NO\", \"SE\", "
    "\"DK\"]}, {\"contextName\": \"appVersion\", \"operator\": "
    "\"SEMVER_GTE\", \"value\": \"2.0.0\"}]},"
    "{\"name\": \"userWithId\", \"parameters\": {\"userIds\": "
    "\"alice,bob\"}}]},"
    "{\"name\": \"button-colour\", \"description\": \"An A/B test of the "
    "buy button\", \"enabled\": true, \"strategies\": [{\"name\": "
    "\"default\"}], \"variants\": [{\"name\": \"blue\", \"weight\": 50, "
    "\"payload\": {\"type\": \"string\", \"value\": \"#1f6feb\"}}, "
    "{\"name\": \"green\", \"weight\": 50, \"payload\": {\"type\": "
    "\"string\", \"value\": \"#2da44e\"}}]},"
    "{\"name\": \"legacy-search\", \"description\": \"Switched off "
    "everywhere\", \"enabled\": false, \"strategies\": [{\"name\": "
    "\"default\"}]}]}";

int vx_service_seed_demo(vx_service *svc, char *err, size_t errlen) {
  json_t *doc = vx_json_parse_str(demo_state, 0, NULL);
  vx_principal system = {.role = VX_ROLE_ADMIN, .name = "demo"};
  vx_werr werr = {0};
  /* vx_service_import_unleash takes the lock: the service is not shared
   * yet, so this is the only thread. */
  int rc = vx_service_import_unleash(
      svc, &system, doc, svc->cfg.default_environment, VX_MERGE, NULL, &werr);
  json_decref(doc);
  if (rc != 0)
    snprintf(err, errlen, "demo flags: %s", werr.message);
  return rc;
}
