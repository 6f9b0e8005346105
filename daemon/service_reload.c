/* service_reload.c - plugins reloaded without a restart (see
 * service_reload.h). */
#include "service_reload.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flag.h"
#include "log.h"
#include "plugin_check.h"
#include "service_internal.h"

/* The pre-load check's list of uses (plugin_host.h): every strategy of
 * every flag in every environment, with its parameters, for all plugins
 * at once (each check picks its own). Under the lock, or at start. */
static int all_uses(vx_service *svc, vx_check_uses *uses) {
  const char *env, *key;
  json_t *flags, *def;
  json_object_foreach(svc->st.envs, env, flags) {
    json_object_foreach(flags, key, def) {
      char err[256];
      json_t *f = vx_state_feature(def, env, err, sizeof err);
      int rc = 0;
      size_t i;
      json_t *s;
      json_array_foreach(json_object_get(f, "strategies"), i, s) {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (rc == 0 && n != NULL)
          rc = vx_check_uses_add(uses, n, key, env, (int)i,
                                 json_object_get(s, "parameters"));
        if (rc == VX_ETYPE) /* refused before the plugin would run */
          rc = 0;
      }
      json_decref(f);
      if (rc != 0)
        return rc;
    }
  }
  return 0;
}

/* Turns the pre-load check on with the uses of the current flags; the
 * caller disposes *uses after the loads (and calls check_done). */
static void check_with_uses(vx_service *svc, vx_check_uses *uses) {
  *uses = (vx_check_uses){0};
  if (svc->cfg.plugin_check_timeout_ms > 0 && all_uses(svc, uses) != 0)
    vx_log(VX_LOG_WARN, "plugin check: out of memory listing the flags; "
                        "plugins are checked without some of them");
  vx_plugin_host_set_check(svc->plugins, svc->cfg.plugin_check_timeout_ms,
                           uses);
}

static void check_done(vx_service *svc, vx_check_uses *uses) {
  vx_plugin_host_set_check(svc->plugins, svc->cfg.plugin_check_timeout_ms,
                           NULL);
  vx_check_uses_dispose(uses);
}

void vx_service_load_plugins(vx_service *svc) {
  char dir[PATH_MAX + 32], err[512] = "";
  snprintf(dir, sizeof dir, "%s/plugin-cache", svc->cfg.data_dir);
  mkdir(svc->cfg.data_dir, 0750);
  if (vx_plugin_host_set_cache_dir(svc->plugins, dir, err, sizeof err) != 0)
    vx_log(VX_LOG_WARN,
           "plugins load from their own files, and a reload cannot replace "
           "one: %s",
           err);
  vx_check_uses uses;
  check_with_uses(svc, &uses);
  const vx_config *cfg = &svc->cfg;
  if (cfg->n_plugin_dirs == 0) {
    vx_plugin_host_load_dir(svc->plugins, vx_plugin_default_dir());
  } else {
    for (size_t i = 0; i < cfg->n_plugin_dirs; i++)
      vx_plugin_host_load_dir(svc->plugins, cfg->plugin_dirs[i]);
  }
  check_done(svc, &uses);
  size_t refused = vx_plugin_host_each_refused(svc->plugins, NULL, NULL);
  if (refused > 0)
    vx_log(VX_LOG_WARN,
           "%zu plugin file%s refused at start (see above; "
           "vexil_plugins_refused in /metrics)",
           refused, refused == 1 ? "" : "s");
}

void vx_service_with_plugins(vx_service *svc,
                             void (*fn)(vx_plugin_host *host, void *arg),
                             void *arg) {
  pthread_mutex_lock(&svc->lock);
  fn(svc->plugins, arg);
  pthread_mutex_unlock(&svc->lock);
}

/* One replacement waiting for the others to be checked. */
typedef struct pending {
  vx_plugin *next;
  json_t *flags; /* keys of flags using it */
} pending;

static void reject(vx_service *svc, json_t *rejected, const char *file,
                   const char *name, const char *reason) {
  vx_log(VX_LOG_WARN, "plugin reload: %s rejected: %s", file, reason);
  vx_plugin_host_note_refused(svc->plugins, file, name);
  json_t *e = json_pack("{s:s, s:s}", "file", file, "reason", reason);
  if (name != NULL)
    json_object_set_new(e, "name", json_string(name));
  json_array_append_new(rejected, e);
}

static bool strategy_uses(const json_t *feature, const char *name) {
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(feature, "strategies"), i, s) {
    const char *n = json_string_value(json_object_get(s, "name"));
    if (n != NULL && strcmp(n, name) == 0)
      return true;
  }
  return false;
}

/* The feature object of def in env when it may use strategy name (a new
 * reference), else NULL. Definitions are text (state.h): those that do
 * not name the strategy are not parsed. */
static json_t *feature_naming(const json_t *def, const char *env,
                              const char *name) {
  if (json_is_string(def) && !vx_flag_text_mentions(def, "name", name))
    return NULL;
  char err[256];
  json_t *f = vx_state_feature(def, env, err, sizeof err);
  if (f != NULL && !strategy_uses(f, name)) {
    json_decref(f);
    return NULL;
  }
  return f;
}

/* Appends (once) to keys every flag whose definition in some environment
 * uses strategy name. */
static void flags_using(const vx_state *st, const char *name, json_t *keys) {
  const char *env, *key;
  json_t *flags, *def;
  json_object_foreach(st->envs, env, flags) {
    json_object_foreach(flags, key, def) {
      json_t *f = feature_naming(def, env, name);
      if (f == NULL)
        continue;
      json_decref(f);
      bool seen = false;
      size_t i;
      json_t *k;
      json_array_foreach(keys, i, k) {
        seen = seen || strcmp(json_string_value(k), key) == 0;
      }
      if (!seen)
        json_array_append_new(keys, json_string(key));
    }
  }
}

/* Every strategy using old's name must compile with next wherever it
 * compiles with old (lenient, as snapshots compile). Returns 0, or -1
 * with why naming the flag, environment, strategy and the new message. */
static int check_flags(const vx_state *st, vx_plugin *old, vx_plugin *next,
                       char *why, size_t len) {
  const char *env, *key;
  json_t *flags, *def;
  json_object_foreach(st->envs, env, flags) {
    json_object_foreach(flags, key, def) {
      json_t *f = feature_naming(def, env, old->name);
      if (f == NULL)
        continue;
      int rc = 0;
      size_t i;
      json_t *s;
      json_array_foreach(json_object_get(f, "strategies"), i, s) {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n == NULL || strcmp(n, old->name) != 0)
          continue;
        const json_t *params = json_object_get(s, "parameters");
        char err[768] = "";
        void *inst = NULL;
        if (vx_plugin_compile(old, key, params, 0, &inst, err, sizeof err) != 0)
          continue; /* already refused by the version serving it */
        vx_plugin_free_instance(old, inst);
        inst = NULL;
        if (vx_plugin_compile(next, key, params, 0, &inst, err, sizeof err) ==
            0) {
          vx_plugin_free_instance(next, inst);
          continue;
        }
        snprintf(why, len,
                 "version %s refuses the parameters flag %s uses in %s "
                 "(strategies[%zu]): %s",
                 next->desc->version ? next->desc->version : "?", key, env, i,
                 err);
        rc = -1;
        break;
      }
      json_decref(f);
      if (rc != 0)
        return rc;
    }
  }
  return 0;
}

static int so_filter(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

typedef struct scan {
  json_t *loaded, *rejected;
  pending *checked; /* replacements that passed their checks */
  size_t n_checked;
  int unchanged;
} scan;

/* Looks at one file of a plugin folder. */
static void scan_file(vx_service *svc, scan *sc, const char *path) {
  char err[1024] = "";
  vx_plugin *old = vx_plugin_host_find_origin(svc->plugins, path);
  vx_plugin *next = NULL;
  if (old != NULL) {
    /* Is the content still the same? Hash it without loading it. */
    char hex[65];
    if (vx_plugin_file_sha256(path, hex, err, sizeof err) != 0) {
      reject(svc, sc->rejected, path, old->name, err);
      return;
    }
    if (strcmp(hex, old->sha256) == 0) {
      sc->unchanged++;
      return;
    }
    if (vx_plugin_host_cache_dir(svc->plugins) == NULL) {
      reject(svc, sc->rejected, path, old->name,
             "no plugin cache folder: a changed plugin cannot be loaded "
             "beside the old one (see the log at start-up)");
      return;
    }
  }
  char name[128];
  if (vx_plugin_open_named(svc->plugins, path, &next, name, sizeof name, err,
                           sizeof err) != 0) {
    reject(svc, sc->rejected, path,
           old ? old->name : (name[0] != '\0' ? name : NULL), err);
    return;
  }
  if (old == NULL) {
    if (vx_plugin_host_add(svc->plugins, next, err, sizeof err) != 0) {
      reject(svc, sc->rejected, path, next->name, err);
      vx_plugin_unref(next);
      return;
    }
    vx_log(VX_LOG_INFO, "plugin reload: loaded strategy %s %s from %s",
           next->name, next->desc->version ? next->desc->version : "?", path);
    json_array_append_new(
        sc->loaded, json_pack("{s:s, s:s, s:s}", "name", next->name, "version",
                              next->desc->version ? next->desc->version : "",
                              "file", path));
    return;
  }
  char why[1536] = "";
  if (strcmp(next->name, old->name) != 0) {
    snprintf(why, sizeof why,
             "it now declares strategy \"%s\", it declared \"%s\": a file "
             "keeps its strategy's name (add a new file for a new strategy)",
             next->name, old->name);
  } else {
    check_flags(&svc->st, old, next, why, sizeof why);
  }
  if (why[0] != '\0') {
    reject(svc, sc->rejected, path, old->name, why);
    vx_plugin_unref(next);
    return;
  }
  pending *t = realloc(sc->checked, (sc->n_checked + 1) * sizeof *t);
  if (t == NULL) {
    reject(svc, sc->rejected, path, old->name, "out of memory");
    vx_plugin_unref(next);
    return;
  }
  sc->checked = t;
  sc->checked[sc->n_checked].next = next;
  sc->checked[sc->n_checked].flags = json_array();
  sc->n_checked++;
}

static int scan_dir(vx_service *svc, scan *sc, const char *dir, vx_werr *err) {
  struct dirent **list = NULL;
  int n = scandir(dir, &list, so_filter, alphasort);
  if (n < 0)
    return vx_werr_set(err, VX_EIO, 500, "PLUGIN_FOLDER", "",
                       "cannot read the plugin folder %s", dir);
  for (int i = 0; i < n; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
    free(list[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
      scan_file(svc, sc, path);
  }
  free(list);
  return 0;
}

int vx_service_reload_plugins(vx_service *svc, const vx_principal *actor,
                              json_t **report, vx_werr *err) {
  *report = NULL;
  scan sc = {.loaded = json_array(), .rejected = json_array()};
  pthread_mutex_lock(&svc->lock);
  vx_plugin_host_forget_refused(svc->plugins); /* this scan says anew */
  vx_check_uses uses;
  check_with_uses(svc, &uses);
  const vx_config *cfg = &svc->cfg;
  int rc = 0;
  if (cfg->n_plugin_dirs == 0) {
    rc = scan_dir(svc, &sc, vx_plugin_default_dir(), err);
  } else {
    for (size_t i = 0; rc == 0 && i < cfg->n_plugin_dirs; i++)
      rc = scan_dir(svc, &sc, cfg->plugin_dirs[i], err);
  }
  check_done(svc, &uses);
  /* Swap the checked replacements in; the flags that use them, or a
   * strategy just loaded, are recompiled by the publish below. */
  json_t *keys = json_array();
  json_t *replaced = json_array();
  vx_plugin **olds = calloc(sc.n_checked ? sc.n_checked : 1, sizeof *olds);
  size_t n_old = 0;
  for (size_t i = 0; rc == 0 && olds != NULL && i < sc.n_checked; i++) {
    vx_plugin *next = sc.checked[i].next;
    vx_plugin *old = vx_plugin_host_replace(svc->plugins, next);
    sc.checked[i].next = NULL;
    olds[n_old++] = old;
    flags_using(&svc->st, next->name, sc.checked[i].flags);
    flags_using(&svc->st, next->name, keys);
    vx_log(VX_LOG_INFO,
           "plugin reload: strategy %s %s replaced by %s from %s "
           "(%zu flags recompiled)",
           next->name, old->desc->version ? old->desc->version : "?",
           next->desc->version ? next->desc->version : "?", next->origin,
           json_array_size(sc.checked[i].flags));
    json_array_append_new(
        replaced,
        json_pack("{s:s, s:s, s:s, s:s, s:O}", "name", next->name, "version",
                  next->desc->version ? next->desc->version : "",
                  "previous_version",
                  old->desc->version ? old->desc->version : "", "file",
                  next->origin, "flags", sc.checked[i].flags));
  }
  size_t i;
  json_t *l;
  json_array_foreach(sc.loaded, i, l) {
    flags_using(&svc->st, json_string_value(json_object_get(l, "name")), keys);
  }
  bool changed = n_old > 0 || json_array_size(sc.loaded) > 0;
  uint64_t revision = svc->st.revision;
  json_t *summary =
      json_pack("{s:O, s:O, s:O, s:i}", "loaded", sc.loaded, "replaced",
                replaced, "rejected", sc.rejected, "unchanged", sc.unchanged);
  if (rc == 0 && changed) {
    bool committed = false;
    rc = vx_begin_locked(svc, &revision, err);
    if (rc == 0) {
      rc = vx_service_audit_commit_locked(svc, 0, revision, vx_service_now_ms(),
                                          actor, "plugins.reload", NULL,
                                          summary, err);
      committed = rc == 0;
    }
    /* Committed, the new versions stay even when the publish fails (503
     * STORED_NOT_PUBLISHED: it is retried with them). */
    if (committed)
      rc =
          vx_service_published_locked(svc, revision, 0, keys, NULL, false, err);
    else /* not committed: put the previous versions back */
      for (size_t k = 0; k < n_old; k++) {
        vx_plugin *next = vx_plugin_host_replace(svc->plugins, olds[k]);
        olds[k] = next;
      }
  }
  /* The registry's references to the replaced versions: their code stays
   * mapped while the old snapshots' flags hold instances of them. Dropped
   * under the lock, so that a last fini never runs beside a compile. */
  for (size_t k = 0; k < n_old; k++)
    vx_plugin_unref(olds[k]);
  for (size_t k = 0; k < sc.n_checked; k++) {
    if (sc.checked[k].next != NULL)
      vx_plugin_unref(sc.checked[k].next);
    json_decref(sc.checked[k].flags);
  }
  pthread_mutex_unlock(&svc->lock);
  free(sc.checked);
  free(olds);
  json_decref(keys);
  json_decref(replaced);
  json_decref(sc.loaded);
  json_decref(sc.rejected);
  if (rc != 0) {
    json_decref(summary);
    return rc;
  }
  json_object_set_new(summary, "revision", json_integer((json_int_t)revision));
  *report = summary;
  return 0;
}
