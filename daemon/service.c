/* service.c - opening the service, publishing snapshots, authentication,
 * reads. Writes are in service_write.c and service_import.c. */
#include "service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <vexil/sdk.h>

#include "json_limit.h"
#include "log.h"
#include "secret_hash.h"
#include "service_internal.h"
#include "service_reload.h"
#include "sha256.h"

int64_t vx_service_now_ms(void) {
  return vx_time_now_ms();
}

int vx_werr_set(vx_werr *err, int rc, int status, const char *code,
                const char *field, const char *fmt, ...) {
  if (err != NULL) {
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code);
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return rc;
}

const char *vx_actor_name(const vx_principal *actor) {
  return actor != NULL && actor->name[0] ? actor->name : "system";
}

static int cmp_auth(const void *a, const void *b) {
  return memcmp(((const vx_auth_entry *)a)->hash,
                ((const vx_auth_entry *)b)->hash, 32);
}

static int hex_to_bytes(const char *hex, unsigned char out[32]) {
  if (hex == NULL || strlen(hex) != 64)
    return -1;
  for (int i = 0; i < 32; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1)
      return -1;
    out[i] = (unsigned char)v;
  }
  return 0;
}

/* The live tokens as a sorted table for the snapshot. */
static int attach_auth(vx_service *svc, vx_snapshot *snap) {
  size_t n = json_array_size(svc->tokens);
  snap->auth = calloc(n ? n : 1, sizeof *snap->auth);
  if (snap->auth == NULL)
    return VX_ENOMEM;
  size_t i;
  json_t *t;
  json_array_foreach(svc->tokens, i, t) {
    if (!json_is_null(json_object_get(t, "revoked_at")) &&
        json_object_get(t, "revoked_at") != NULL)
      continue;
    vx_auth_entry *e = &snap->auth[snap->n_auth];
    if (hex_to_bytes(json_string_value(json_object_get(t, "hash")), e->hash))
      continue;
    const char *role = json_string_value(json_object_get(t, "role"));
    e->role =
        role && strcmp(role, "admin") == 0 ? VX_ROLE_ADMIN : VX_ROLE_CLIENT;
    e->id = json_integer_value(json_object_get(t, "id"));
    e->use = vx_token_usage_cell(
        svc->usage, e->id, json_integer_value(json_object_get(t, "last_used")));
    snprintf(e->name, sizeof e->name, "%s",
             json_string_value(json_object_get(t, "name")) ?: "");
    const char *env = json_string_value(json_object_get(t, "environment"));
    snprintf(e->environment, sizeof e->environment, "%s", env ? env : "");
    snap->n_auth++;
  }
  qsort(snap->auth, snap->n_auth, sizeof *snap->auth, cmp_auth);
  return 0;
}

int vx_service_publish_locked(vx_service *svc, const json_t *keys,
                              const json_t *envs, bool full, char *err,
                              size_t errlen) {
  vx_snapshot *snap;
  /* Known changed keys: copy the tables, look only at those flags. */
  int rc =
      vx_snapshot_update(&svc->st, vx_engine_current(svc->engine), svc->plugins,
                         0, full ? NULL : keys, &snap, err, errlen);
  if (rc != 0)
    return rc;
  rc = attach_auth(svc, snap);
  if (rc != 0) {
    vx_snapshot_free(snap);
    return rc;
  }
  vx_engine_publish(svc->engine, snap);
  json_t *none = keys ? NULL : json_array();
  vx_change change = {svc->st.revision, keys ? keys : none, envs};
  for (int i = 0; i < svc->n_listeners; i++)
    svc->listeners[i].fn(&change, svc->listeners[i].arg);
  json_decref(none);
  return 0;
}

/* ------------------------------------------------------------- opening */

/* A new secret: "vx_" and 64 hex digits of the kernel's randomness. */
char *vx_service_new_secret(void) {
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n <= 0)
      return NULL;
    got += (size_t)n;
  }
  char *s = malloc(3 + 64 + 1);
  if (s == NULL)
    return NULL;
  memcpy(s, "vx_", 3);
  for (size_t i = 0; i < 32; i++)
    snprintf(s + 3 + 2 * i, 3, "%02x", raw[i]);
  return s;
}

/* First start on an empty database: the default environment, the first
 * admin token, and (with cfg->demo) the demo flags. */
static int bootstrap(vx_service *svc, char **new_secret, char *err,
                     size_t errlen) {
  const char *given = getenv("VEXIL_ADMIN_TOKEN");
  char *secret = given && *given ? strdup(given) : vx_service_new_secret();
  if (secret == NULL)
    return VX_ENOMEM;
  unsigned char digest[32];
  char hex[65];
  vx_sha256(secret, strlen(secret), digest);
  vx_sha256_hex(digest, hex);
  int64_t now = vx_service_now_ms();
  uint64_t revision;
  int64_t token_id, audit_id;
  int rc = vx_store_begin(svc->store);
  if (rc == 0)
    rc = vx_store_bump_revision(svc->store, &revision);
  if (rc == 0)
    rc = vx_store_put_environment(svc->store, svc->cfg.default_environment);
  if (rc == 0)
    rc = vx_store_add_token(svc->store, "admin", "admin", NULL, hex, now,
                            &token_id);
  json_t *after = json_pack("{s:s, s:s}", "environment",
                            svc->cfg.default_environment, "token", "admin");
  if (rc == 0)
    rc = vx_store_add_audit(svc->store, revision, now, "system", "bootstrap",
                            NULL, NULL, after, &audit_id);
  json_decref(after);
  if (rc == 0)
    rc = vx_store_commit(svc->store, err, errlen);
  else
    vx_store_rollback(svc->store);
  if (rc != 0) {
    if (err[0] == '\0')
      snprintf(err, errlen, "cannot initialise the database: %s",
               vx_strerror(rc));
    explicit_bzero(secret, strlen(secret));
    free(secret);
    return rc;
  }
  vx_log(VX_LOG_INFO,
         "initialised an empty database: environment %s, "
         "admin token %s",
         svc->cfg.default_environment,
         given && *given ? "from VEXIL_ADMIN_TOKEN" : "generated");
  if (given && *given) {
    explicit_bzero(secret, strlen(secret));
    free(secret);
  } else {
    *new_secret = secret;
  }
  return 0;
}

int vx_service_open(const vx_config *cfg, vx_service **out,
                    char **new_admin_secret, char *err, size_t errlen) {
  *out = NULL;
  *new_admin_secret = NULL;
  err[0] = '\0';
  vx_service *svc = calloc(1, sizeof *svc);
  if (svc == NULL)
    return VX_ENOMEM;
  svc->cfg = *cfg;
  /* The parser limits are process-wide: set before any request. */
  vx_json_set_max_depth(cfg->max_json_depth);
  vx_context_set_max_props(cfg->max_context_properties);
  vx_context_set_max_value(cfg->max_context_value_bytes);
  pthread_mutex_init(&svc->lock, NULL);
  vx_service_health_init(svc);
  int rc = vx_state_init(&svc->st);
  svc->flags = json_object();
  svc->plugins = vx_plugin_host_new();
  svc->engine = vx_engine_new();
  svc->usage = vx_token_usage_new();
  if (rc != 0 || svc->flags == NULL || svc->plugins == NULL ||
      svc->engine == NULL || svc->usage == NULL) {
    vx_service_close(svc);
    return VX_ENOMEM;
  }
  /* The flags first: each plugin is checked with the flags that use it
   * (service_reload.h) before it is mapped. */
  char check[512] = "";
  rc = vx_store_open(cfg->database, &svc->store, err, errlen);
  if (rc == 0)
    vx_service_check_store(svc, check, sizeof check);
  if (rc == 0)
    vx_service_health_opened(svc);
  if (rc == 0 && (rc = vx_service_load(svc, err, errlen)) != 0 &&
      check[0] != '\0') {
    size_t used = strlen(err);
    snprintf(err + used, errlen - used, " (and %s)", check);
  }
  bool fresh = rc == 0 && json_array_size(svc->environments) == 0;
  if (rc == 0 && !fresh)
    vx_service_check_admin_tokens_locked(svc);
  if (fresh) {
    rc = bootstrap(svc, new_admin_secret, err, errlen);
    if (rc == 0)
      rc = vx_service_load(svc, err, errlen);
  }
  if (rc == 0)
    vx_service_load_plugins(svc);
  if (rc == 0 && fresh && cfg->demo)
    rc = vx_service_seed_demo(svc, err, errlen);
  if (rc == 0)
    rc = vx_service_publish_locked(svc, NULL, NULL, true, err, errlen);
  if (rc == 0 && (rc = vx_service_housekeeping_start(svc)) != 0)
    snprintf(err, errlen, "cannot start the housekeeping thread");
  if (rc != 0) {
    if (err[0] == '\0')
      snprintf(err, errlen, "%s", vx_strerror(rc));
    if (*new_admin_secret != NULL)
      explicit_bzero(*new_admin_secret, strlen(*new_admin_secret));
    free(*new_admin_secret);
    *new_admin_secret = NULL;
    vx_service_close(svc);
    return rc;
  }
  atomic_store(&svc->ready, true);
  vx_log(VX_LOG_INFO,
         "ready: revision %llu, %zu flags, %zu environments, "
         "%zu strategies",
         (unsigned long long)svc->st.revision, json_object_size(svc->flags),
         json_array_size(svc->environments),
         vx_plugin_host_count(svc->plugins));
  *out = svc;
  return 0;
}

void vx_service_close(vx_service *svc) {
  if (svc == NULL)
    return;
  atomic_store(&svc->ready, false);
  vx_service_housekeeping_stop(svc); /* writes the tokens' last use */
  vx_engine_free(svc->engine);
  vx_store_close(svc->store);
  vx_service_dispose_docs(svc);
  vx_plugin_host_free(svc->plugins);
  vx_token_usage_free(svc->usage); /* after the snapshots that point in */
  pthread_mutex_destroy(&svc->lock);
  vx_service_health_dispose(svc);
  free(svc);
}

/* --------------------------------------------------------------- access */

const vx_config *vx_service_config(const vx_service *svc) {
  return &svc->cfg;
}

vx_engine *vx_service_engine(vx_service *svc) {
  return svc->engine;
}

vx_plugin_host *vx_service_plugins(vx_service *svc) {
  return svc->plugins;
}

bool vx_service_ready(const vx_service *svc) {
  return atomic_load(&((vx_service *)svc)->ready);
}

uint64_t vx_service_revision(vx_service *svc) {
  const vx_snapshot *s = vx_engine_acquire(svc->engine);
  uint64_t r = s ? s->revision : 0;
  vx_engine_release(svc->engine);
  return r;
}

int vx_service_on_change(vx_service *svc, vx_change_fn fn, void *arg) {
  pthread_mutex_lock(&svc->lock);
  int rc = VX_ERANGE;
  if (svc->n_listeners < VX_MAX_LISTENERS) {
    svc->listeners[svc->n_listeners].fn = fn;
    svc->listeners[svc->n_listeners].arg = arg;
    svc->n_listeners++;
    rc = 0;
  }
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

void vx_service_off_change(vx_service *svc, vx_change_fn fn, void *arg) {
  /* Listeners run under the lock, so holding it means none is running. */
  pthread_mutex_lock(&svc->lock);
  for (int i = 0; i < svc->n_listeners; i++) {
    if (svc->listeners[i].fn == fn && svc->listeners[i].arg == arg) {
      svc->listeners[i] = svc->listeners[--svc->n_listeners];
      break;
    }
  }
  pthread_mutex_unlock(&svc->lock);
}

int vx_service_authenticate(vx_service *svc, const char *secret,
                            vx_principal *out) {
  memset(out, 0, sizeof *out);
  if (secret == NULL || *secret == '\0')
    return VX_ENOENT;
  vx_auth_entry key;
  vx_secret_sha256(secret, strlen(secret), key.hash);
  const vx_snapshot *s = vx_engine_acquire(svc->engine);
  /* A lookup by hash (memcmp in a binary search) is no timing leak of a
   * secret: how far the comparisons get tells how many leading bytes of
   * the presented secret's SHA-256 match stored ones, and an attacker
   * controls that hash only through a secret of their own choosing.
   * Learning bytes of a stored SHA-256 brings no one closer to a secret
   * that has it (preimage resistance; the secrets are 256 random bits),
   * and a match needs all 32 bytes equal, as memcmp checks. */
  const vx_auth_entry *e =
      s ? bsearch(&key, s->auth, s->n_auth, sizeof key, cmp_auth) : NULL;
  int rc = VX_ENOENT;
  if (e != NULL) {
    if (e->use != NULL) /* no lock, no allocation: token_usage.h */
      vx_token_use_touch(e->use, vx_token_use_now_ms());
    out->role = (vx_role)e->role;
    out->token_id = e->id;
    /* Same sizes, NUL-terminated (attach_auth): plain copies. */
    _Static_assert(sizeof out->name == sizeof e->name, "name sizes");
    _Static_assert(sizeof out->environment == sizeof e->environment,
                   "environment sizes");
    memcpy(out->name, e->name, sizeof out->name);
    memcpy(out->environment, e->environment, sizeof out->environment);
    rc = 0;
  }
  vx_engine_release(svc->engine);
  return rc;
}

bool vx_service_token_active(vx_service *svc, int64_t id) {
  const vx_snapshot *s = vx_engine_acquire(svc->engine);
  bool found = false;
  for (size_t i = 0; s != NULL && i < s->n_auth && !found; i++)
    found = s->auth[i].id == id;
  vx_engine_release(svc->engine);
  return found;
}

/* ---------------------------------------------------------------- reads */

static json_t *copy_locked(vx_service *svc, const json_t *v) {
  pthread_mutex_lock(&svc->lock);
  json_t *c = v ? json_deep_copy(v) : NULL;
  pthread_mutex_unlock(&svc->lock);
  return c;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **vx_sorted_keys(const json_t *obj, size_t *n) {
  *n = json_object_size(obj);
  const char **keys = malloc((*n ? *n : 1) * sizeof *keys);
  if (keys == NULL)
    return NULL;
  size_t i = 0;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    keys[i++] = key;
  }
  qsort(keys, *n, sizeof *keys, cmp_str);
  return keys;
}

json_t *vx_sorted_values(const json_t *obj, json_t *(*copy)(const json_t *)) {
  size_t n, i;
  const char **keys = vx_sorted_keys(obj, &n);
  json_t *list = json_array();
  if (keys == NULL || list == NULL) {
    free(keys);
    json_decref(list);
    return NULL;
  }
  for (i = 0; i < n; i++)
    json_array_append_new(list, copy(json_object_get(obj, keys[i])));
  free(keys);
  return list;
}

json_t *vx_service_get_flag(vx_service *svc, const char *key) {
  pthread_mutex_lock(&svc->lock);
  json_t *c = vx_service_flag_locked(svc, key);
  pthread_mutex_unlock(&svc->lock);
  return c;
}

json_t *vx_service_list_segments(vx_service *svc) {
  pthread_mutex_lock(&svc->lock);
  json_t *list = vx_sorted_values(svc->segments, json_deep_copy);
  pthread_mutex_unlock(&svc->lock);
  return list;
}

json_t *vx_service_list_environments(vx_service *svc) {
  return copy_locked(svc, svc->environments);
}

json_t *vx_service_audit(vx_service *svc, const char *flag, int64_t before_id,
                         int limit) {
  pthread_mutex_lock(&svc->lock);
  json_t *out = NULL;
  if (vx_store_list_audit(svc->store, flag, before_id, limit, &out) != 0)
    out = NULL;
  pthread_mutex_unlock(&svc->lock);
  return out;
}

json_t *vx_service_audit_entry(vx_service *svc, int64_t id) {
  pthread_mutex_lock(&svc->lock);
  json_t *e = NULL;
  if (vx_store_get_audit(svc->store, id, &e) != 0)
    e = NULL;
  pthread_mutex_unlock(&svc->lock);
  return e;
}
