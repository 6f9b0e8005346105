/* state.c - flag definitions in memory, Unleash import, snapshot builds. */
#include "state.h"

#include <stdio.h>
#include <string.h>

#include "flag.h"
#include "json_limit.h"

json_t *vx_state_native_def(const json_t *flag, const char *env) {
  const json_t *state =
      json_object_get(json_object_get(flag, "environments"), env);
  /* A shallow copy: it shares the state's members, and lives only as long
   * as the compile that reads it. */
  json_t *def =
      json_is_object(state) ? json_copy((json_t *)state) : json_object();
  if (def == NULL)
    return NULL;
  json_object_set(def, "name", json_object_get(flag, "key"));
  const json_t *type = json_object_get(flag, "type");
  if (type != NULL)
    json_object_set(def, "type", (json_t *)type);
  return def;
}

int vx_state_init(vx_state *st) {
  st->envs = json_object();
  st->segments = json_object();
  st->revision = 0;
  if (st->envs == NULL || st->segments == NULL) {
    vx_state_dispose(st);
    return VX_ENOMEM;
  }
  return 0;
}

void vx_state_dispose(vx_state *st) {
  json_decref(st->envs);
  json_decref(st->segments);
  st->envs = st->segments = NULL;
}

static int check_optional(const json_t *obj, const char *field, json_type type,
                          const char *where, size_t i, char *err,
                          size_t errlen) {
  const json_t *v = json_object_get(obj, field);
  if (v == NULL || json_is_null(v) || json_typeof(v) == type)
    return 0;
  snprintf(err, errlen, "%s[%zu].%s must be %s", where, i, field,
           type == JSON_ARRAY ? "an array" : "an object");
  return VX_ETYPE;
}

static int check_feature(const json_t *f, size_t i, char *err, size_t errlen) {
  if (!json_is_object(f)) {
    snprintf(err, errlen, "features[%zu] must be an object", i);
    return VX_ETYPE;
  }
  const json_t *name = json_object_get(f, "name");
  if (!json_is_string(name) || json_string_length(name) == 0) {
    snprintf(err, errlen, "features[%zu].name must be a non-empty string", i);
    return VX_EINVAL;
  }
  const json_t *enabled = json_object_get(f, "enabled");
  if (enabled != NULL && !json_is_boolean(enabled)) {
    snprintf(err, errlen, "features[%zu].enabled must be true or false", i);
    return VX_ETYPE;
  }
  static const char *arrays[] = {"strategies", "variants", "dependencies"};
  for (size_t k = 0; k < 3; k++) {
    int rc =
        check_optional(f, arrays[k], JSON_ARRAY, "features", i, err, errlen);
    if (rc != 0)
      return rc;
  }
  size_t j;
  json_t *s;
  json_array_foreach(json_object_get(f, "strategies"), j, s) {
    if (!json_is_object(s) || !json_is_string(json_object_get(s, "name"))) {
      snprintf(err, errlen,
               "features[%zu].strategies[%zu] must be an object with a "
               "name",
               i, j);
      return VX_EINVAL;
    }
    int rc = check_optional(s, "parameters", JSON_OBJECT, "strategies", j, err,
                            errlen);
    if (rc == 0)
      rc = check_optional(s, "constraints", JSON_ARRAY, "strategies", j, err,
                          errlen);
    if (rc == 0)
      rc = check_optional(s, "segments", JSON_ARRAY, "strategies", j, err,
                          errlen);
    if (rc != 0) {
      char inner[256];
      snprintf(inner, sizeof inner, "%s", err);
      snprintf(err, errlen, "features[%zu].%s", i, inner);
      return rc;
    }
  }
  return 0;
}

static int segment_id_key(const json_t *seg, size_t i, char *key, size_t len,
                          char *err, size_t errlen) {
  const json_t *id = json_object_get(seg, "id");
  if (json_is_integer(id))
    snprintf(key, len, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
  else if (json_is_string(id) && json_string_length(id) > 0)
    snprintf(key, len, "%s", json_string_value(id));
  else {
    snprintf(err, errlen, "segments[%zu].id must be a number or a string", i);
    return VX_EINVAL;
  }
  const json_t *cons = json_object_get(seg, "constraints");
  if (cons != NULL && !json_is_array(cons)) {
    snprintf(err, errlen, "segments[%zu].constraints must be an array", i);
    return VX_ETYPE;
  }
  return 0;
}

int vx_state_import_unleash(vx_state *st, const json_t *doc, const char *env,
                            vx_import_mode mode, char *err, size_t errlen) {
  if (!json_is_object(doc)) {
    snprintf(err, errlen, "an Unleash state must be a JSON object");
    return VX_ETYPE;
  }
  const json_t *features = json_object_get(doc, "features");
  const json_t *segments = json_object_get(doc, "segments");
  if (!json_is_array(features)) {
    snprintf(err, errlen, "\"features\" must be an array");
    return VX_ETYPE;
  }
  if (segments != NULL && !json_is_null(segments) && !json_is_array(segments)) {
    snprintf(err, errlen, "\"segments\" must be an array");
    return VX_ETYPE;
  }
  /* Validate everything before changing anything. */
  json_t *flags = json_object();
  json_t *segs = json_object();
  int rc = (flags && segs) ? 0 : VX_ENOMEM;
  size_t i;
  json_t *f;
  json_array_foreach(features, i, f) {
    if (rc != 0)
      break;
    rc = check_feature(f, i, err, errlen);
    if (rc != 0)
      break;
    const char *name = json_string_value(json_object_get(f, "name"));
    if (json_object_get(flags, name) != NULL) {
      snprintf(err, errlen, "duplicate feature \"%s\" at features[%zu]", name,
               i);
      rc = VX_EEXIST;
      break;
    }
    json_t *copy = json_deep_copy(f);
    if (copy == NULL || json_object_set_new(flags, name, copy) != 0)
      rc = VX_ENOMEM;
  }
  json_array_foreach(segments, i, f) {
    if (rc != 0)
      break;
    char key[128];
    if (!json_is_object(f)) {
      snprintf(err, errlen, "segments[%zu] must be an object", i);
      rc = VX_ETYPE;
      break;
    }
    rc = segment_id_key(f, i, key, sizeof key, err, errlen);
    if (rc == 0 && json_object_set_new(segs, key, json_deep_copy(f)) != 0)
      rc = VX_ENOMEM;
  }
  if (rc == 0) {
    json_t *target = json_object_get(st->envs, env);
    if (target == NULL || mode == VX_IMPORT_REPLACE) {
      rc = json_object_set(st->envs, env, flags) == 0 ? 0 : VX_ENOMEM;
    } else {
      rc = json_object_update(target, flags) == 0 ? 0 : VX_ENOMEM;
    }
    if (rc == 0 && json_object_update(st->segments, segs) != 0)
      rc = VX_ENOMEM;
    if (rc == 0)
      st->revision++;
  }
  json_decref(flags);
  json_decref(segs);
  return rc;
}

int vx_state_import_unleash_file(vx_state *st, const char *path,
                                 const char *env, vx_import_mode mode,
                                 char *err, size_t errlen) {
  json_error_t jerr;
  json_t *doc = vx_json_parse_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL) {
    if (json_error_code(&jerr) == json_error_cannot_open_file) {
      snprintf(err, errlen, "%s: %s", path, jerr.text);
      return VX_EIO;
    }
    snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
             jerr.text);
    return VX_EPARSE;
  }
  char why[768];
  int rc = vx_state_import_unleash(st, doc, env, mode, why, sizeof why);
  if (rc != 0)
    snprintf(err, errlen, "%s: %s", path, why);
  json_decref(doc);
  return rc;
}

/* True when prev can serve for def unchanged: same definition object or
 * an equal one, every segment it used is still the same (a missing one is
 * still missing), and every strategy still finds the same plugin. */
static bool reusable(const vx_flag *prev, const json_t *def,
                     const json_t *segments, const vx_plugin_host *plugins) {
  if (prev == NULL || prev->source == NULL ||
      (prev->source != def && !json_equal(prev->source, def)))
    return false;
  const char *id;
  json_t *seg;
  json_object_foreach(prev->segments, id, seg) {
    const json_t *now = json_object_get(segments, id);
    if (json_is_null(seg) ? now != NULL : !json_equal(seg, now))
      return false;
  }
  for (size_t i = 0; i < prev->n_strategies; i++) {
    const vx_cstrategy *s = &prev->strategies[i];
    if (vx_plugin_host_find(plugins, s->name) != s->plugin)
      return false;
  }
  return true;
}

json_t *vx_state_feature(const json_t *def, const char *env, char *err,
                         size_t errlen) {
  json_t *obj = json_incref((json_t *)def);
  if (json_is_string(def)) {
    json_error_t jerr;
    json_decref(obj);
    obj = vx_json_parse_stored(json_string_value(def), json_string_length(def),
                               0, &jerr);
    if (obj == NULL) {
      snprintf(err, errlen, "the stored definition is not JSON: %s", jerr.text);
      return NULL;
    }
  }
  /* A native document has "key" and an "environments" object; a feature
   * object has "name" (Unleash's admin exports carry an "environments"
   * array too). */
  if (json_object_get(obj, "name") == NULL &&
      json_is_object(json_object_get(obj, "environments"))) {
    json_t *native = vx_state_native_def(obj, env);
    json_decref(obj);
    if ((obj = native) == NULL)
      snprintf(err, errlen, "out of memory");
  }
  return obj;
}

/* Compiles def in environment env, and remembers def as the flag's
 * source. */
static int compile_def(const vx_state *st, const json_t *def, const char *env,
                       vx_plugin_host *plugins, unsigned mode, vx_flag **out,
                       char *err, size_t errlen) {
  json_t *obj = vx_state_feature(def, env, err, errlen);
  if (obj == NULL)
    return json_is_string(def) ? VX_EPARSE : VX_ENOMEM;
  int rc = vx_flag_compile(obj, st->segments, plugins, mode, out, err, errlen);
  json_decref(obj);
  if (rc == 0)
    (*out)->source = json_incref((json_t *)def);
  return rc;
}

int vx_snapshot_build(const vx_state *st, const vx_snapshot *prev,
                      vx_plugin_host *plugins, unsigned mode, vx_snapshot **out,
                      char *err, size_t errlen) {
  *out = NULL;
  vx_snapshot *snap = vx_snapshot_new(st->revision);
  if (snap == NULL)
    return VX_ENOMEM;
  const char *env_name;
  json_t *flags;
  json_object_foreach(st->envs, env_name, flags) {
    vx_env *env = vx_snapshot_env_add(snap, env_name);
    if (env == NULL) {
      vx_snapshot_free(snap);
      return VX_ENOMEM;
    }
    const vx_env *prev_env = prev ? vx_snapshot_env(prev, env_name) : NULL;
    const char *key;
    json_t *def;
    json_object_foreach(flags, key, def) {
      const vx_flag *old =
          prev_env ? vx_env_find(prev_env, key, strlen(key)) : NULL;
      vx_flag *flag;
      if (reusable(old, def, st->segments, plugins)) {
        flag = (vx_flag *)old;
        vx_flag_ref(flag);
      } else {
        char why[1024];
        int rc = compile_def(st, def, env_name, plugins, mode, &flag, why,
                             sizeof why);
        if (rc != 0) {
          snprintf(err, errlen, "flag %s in %s: %s", key, env_name, why);
          vx_snapshot_free(snap);
          return rc;
        }
      }
      int rc = vx_env_put(env, flag);
      vx_flag_unref(flag);
      if (rc != 0) {
        vx_snapshot_free(snap);
        return rc;
      }
    }
  }
  *out = snap;
  return 0;
}

/* The flag for def: prev's when reusable, else a new compile. */
static int flag_for(const vx_state *st, const vx_flag *old, const json_t *def,
                    vx_plugin_host *plugins, unsigned mode, vx_flag **out,
                    const char *key, const char *env_name, char *err,
                    size_t errlen) {
  if (reusable(old, def, st->segments, plugins)) {
    *out = (vx_flag *)old;
    vx_flag_ref(*out);
    return 0;
  }
  char why[1024];
  int rc = compile_def(st, def, env_name, plugins, mode, out, why, sizeof why);
  if (rc != 0)
    snprintf(err, errlen, "flag %s in %s: %s", key, env_name, why);
  return rc;
}

int vx_snapshot_update(const vx_state *st, const vx_snapshot *prev,
                       vx_plugin_host *plugins, unsigned mode,
                       const json_t *keys, vx_snapshot **out, char *err,
                       size_t errlen) {
  if (prev == NULL || keys == NULL ||
      prev->n_envs != json_object_size(st->envs))
    return vx_snapshot_build(st, prev, plugins, mode, out, err, errlen);
  const char *env_name;
  json_t *flags;
  json_object_foreach(st->envs, env_name, flags) {
    const vx_env *pe = vx_snapshot_env(prev, env_name);
    if (pe == NULL || pe->count > json_object_size(flags))
      return vx_snapshot_build(st, prev, plugins, mode, out, err, errlen);
  }
  *out = NULL;
  vx_snapshot *snap = vx_snapshot_new(st->revision);
  if (snap == NULL)
    return VX_ENOMEM;
  json_object_foreach(st->envs, env_name, flags) {
    vx_env *env = vx_snapshot_env_clone(snap, vx_snapshot_env(prev, env_name));
    if (env == NULL) {
      vx_snapshot_free(snap);
      return VX_ENOMEM;
    }
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
      const char *key = json_string_value(k);
      const json_t *def = key ? json_object_get(flags, key) : NULL;
      const vx_flag *old = key ? vx_env_find(env, key, strlen(key)) : NULL;
      if (def == NULL) {
        if (old == NULL)
          continue;
        /* Removing from an open-addressing table: rebuild instead. */
        vx_snapshot_free(snap);
        return vx_snapshot_build(st, prev, plugins, mode, out, err, errlen);
      }
      vx_flag *flag;
      int rc = flag_for(st, old, def, plugins, mode, &flag, key, env_name, err,
                        errlen);
      if (rc == 0 && flag != old)
        rc = vx_env_put(env, flag);
      if (flag != NULL)
        vx_flag_unref(flag);
      if (rc != 0) {
        vx_snapshot_free(snap);
        return rc;
      }
    }
  }
  *out = snap;
  return 0;
}
