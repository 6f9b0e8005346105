/* service_tokens.c - tokens: created (the secret shown once), revoked
 * (never the last active admin token), listed with their last use; the
 * time of each token's last use written to the store; tokens that another
 * process added (`vexild token create`) taken in; VEXIL_ADMIN_TOKEN
 * checked against a database that has tokens already. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service_internal.h"
#include "sha256.h"

static bool is_active(const json_t *t) {
  const json_t *r = json_object_get(t, "revoked_at");
  return r == NULL || json_is_null(r);
}

static bool is_admin(const json_t *t) {
  const char *role = json_string_value(json_object_get(t, "role"));
  return role != NULL && strcmp(role, "admin") == 0;
}

static int64_t token_id(const json_t *t) {
  return json_integer_value(json_object_get(t, "id"));
}

/* The number of active admin tokens besides token id. */
static size_t other_admins_locked(vx_service *svc, int64_t id) {
  size_t i, n = 0;
  json_t *t;
  json_array_foreach(svc->tokens, i, t) {
    n += is_active(t) && is_admin(t) && token_id(t) != id;
  }
  return n;
}

int vx_token_add(struct vx_store *st, uint64_t revision, const char *actor,
                 const char *name, vx_role role, const char *environment,
                 const char *secret, int64_t now_ms, json_t **doc) {
  unsigned char digest[32];
  char hex[65];
  vx_sha256(secret, strlen(secret), digest);
  vx_sha256_hex(digest, hex);
  const char *role_name = role == VX_ROLE_ADMIN ? "admin" : "client";
  int64_t id = 0, audit_id;
  *doc = NULL;
  int rc =
      vx_store_add_token(st, name, role_name, environment, hex, now_ms, &id);
  json_t *d = rc == 0
                  ? json_pack("{s:I, s:s, s:s, s:s?, s:I, s:n, s:n}", "id",
                              (json_int_t)id, "name", name, "role", role_name,
                              "environment", environment, "created_at",
                              (json_int_t)now_ms, "revoked_at", "last_used")
                  : NULL;
  if (rc == 0 && d == NULL)
    rc = VX_ENOMEM;
  if (rc == 0)
    rc = vx_store_add_audit(st, revision, now_ms, actor, "token.create", NULL,
                            NULL, d, &audit_id);
  if (rc == 0) {
    *doc = d;
    json_object_set_new(d, "hash", json_string(hex));
  } else {
    json_decref(d);
  }
  return rc;
}

int vx_service_create_token(vx_service *svc, const vx_principal *actor,
                            const char *name, vx_role role,
                            const char *environment, json_t **created,
                            vx_werr *err) {
  *created = NULL;
  if (name == NULL || *name == '\0' || strlen(name) > 100)
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "name",
                       "a token needs a name of 1..100 bytes");
  if (role != VX_ROLE_ADMIN && role != VX_ROLE_CLIENT)
    return vx_werr_set(err, VX_EINVAL, 400, "VALIDATION_FAILED", "role",
                       "role must be admin or client");
  pthread_mutex_lock(&svc->lock);
  int rc = 0;
  if (role == VX_ROLE_CLIENT &&
      (environment == NULL || !vx_env_exists_locked(svc, environment))) {
    rc = vx_werr_set(err, VX_EINVAL, 400, "UNKNOWN_ENVIRONMENT", "environment",
                     "a client token needs an existing environment");
  }
  if (role == VX_ROLE_ADMIN)
    environment = NULL;
  char *secret = rc == 0 ? vx_service_new_secret() : NULL;
  if (rc == 0 && secret == NULL)
    rc = vx_werr_set(err, VX_EIO, 500, "INTERNAL", "",
                     "no randomness for a secret");
  uint64_t revision;
  if (rc == 0 && (rc = vx_begin_locked(svc, &revision, err)) == 0) {
    json_t *stored = NULL;
    rc = vx_token_add(svc->store, revision, vx_actor_name(actor), name, role,
                      environment, secret, vx_service_now_ms(), &stored);
    if (rc != 0)
      vx_service_store_error_locked(svc, err, rc,
                                    "the database refused the write");
    rc = vx_commit_locked(svc, rc, err);
    if (rc == 0) {
      int staged = json_array_append(svc->tokens, stored) != 0 ? VX_ENOMEM : 0;
      /* A token changes no flag: the next snapshot copies the tables. */
      json_t *no_flags = json_array();
      rc = vx_service_published_locked(svc, revision, staged, no_flags, NULL,
                                       false, err);
      json_decref(no_flags);
    }
    if (rc == 0) {
      *created = json_deep_copy(stored);
      json_object_del(*created, "hash");
      json_object_set_new(*created, "secret", json_string(secret));
    }
    json_decref(stored);
  }
  if (secret != NULL) {
    explicit_bzero(secret, strlen(secret));
    free(secret);
  }
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

int vx_service_revoke_token(vx_service *svc, const vx_principal *actor,
                            int64_t id, vx_werr *err) {
  pthread_mutex_lock(&svc->lock);
  json_t *token = NULL;
  size_t i;
  json_t *t;
  json_array_foreach(svc->tokens, i, t) {
    if (token_id(t) == id)
      token = t;
  }
  int rc = 0;
  if (token == NULL) {
    rc = vx_werr_set(err, VX_ENOENT, 404, "NOT_FOUND", "id",
                     "there is no token %lld", (long long)id);
  } else if (is_active(token) && is_admin(token) &&
             other_admins_locked(svc, id) == 0) {
    /* Whoever asks, the token itself included: with no admin token left,
     * nobody could use the admin API again. */
    rc = vx_werr_set(
        err, VX_ECONFLICT, 409, "LAST_ADMIN", "id",
        "token %lld (%s) is the last active admin token: revoking it would "
        "lock every admin out. Create another admin token first (POST "
        "/api/v1/admin/tokens), then revoke this one",
        (long long)id, json_string_value(json_object_get(token, "name")));
  } else if (!is_active(token)) {
    rc = vx_service_pending_locked(svc, err); /* already revoked */
  } else {
    uint64_t revision;
    if ((rc = vx_begin_locked(svc, &revision, err)) == 0) {
      int64_t now = vx_service_now_ms();
      json_t *before = json_deep_copy(token);
      json_object_del(before, "hash");
      rc = vx_store_revoke_token(svc->store, id, now);
      rc = vx_service_audit_commit_locked(svc, rc, revision, now, actor,
                                          "token.revoke", before, NULL, err);
      json_decref(before);
      if (rc == 0) {
        int staged =
            json_object_set_new(token, "revoked_at", json_integer(now)) != 0
                ? VX_ENOMEM
                : 0;
        /* A token changes no flag: the next snapshot copies the tables. */
        json_t *no_flags = json_array();
        rc = vx_service_published_locked(svc, revision, staged, no_flags, NULL,
                                         false, err);
        json_decref(no_flags);
      }
    }
  }
  pthread_mutex_unlock(&svc->lock);
  return rc;
}

json_t *vx_service_list_tokens(vx_service *svc) {
  pthread_mutex_lock(&svc->lock);
  json_t *list = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(svc->tokens, i, t) {
    json_t *c = json_deep_copy(t);
    json_object_del(c, "hash");
    /* Memory is ahead of the store between two flushes. */
    const vx_token_use *use = vx_token_usage_find(svc->usage, token_id(t));
    int64_t seen = use != NULL ? vx_token_use_last(use) : 0;
    if (seen > json_integer_value(json_object_get(c, "last_used")))
      json_object_set_new(c, "last_used", json_integer(seen));
    else if (json_object_get(c, "last_used") == NULL)
      json_object_set_new(c, "last_used", json_null());
    json_array_append_new(list, c);
  }
  pthread_mutex_unlock(&svc->lock);
  return list;
}

/* ---------------------------------------------------- housekeeping side */

int vx_service_flush_usage_locked(vx_service *svc) {
  size_t n = vx_token_usage_count(svc->usage), dirty = 0;
  for (size_t i = 0; i < n; i++) {
    const vx_token_use *c = vx_token_usage_at(svc->usage, i);
    dirty += vx_token_use_last(c) > c->flushed_ms;
  }
  if (dirty == 0)
    return 0;
  /* The times written, read once: a request may record a newer one
   * meanwhile, which the next flush writes. */
  int64_t *written = calloc(n, sizeof *written);
  int rc = written != NULL ? vx_store_begin(svc->store) : VX_ENOMEM;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const vx_token_use *c = vx_token_usage_at(svc->usage, i);
    written[i] = vx_token_use_last(c);
    if (written[i] > c->flushed_ms)
      rc = vx_store_token_used(svc->store, c->id, written[i]);
  }
  char why[512] = "";
  if (rc == 0)
    rc = vx_store_commit(svc->store, why, sizeof why);
  else if (written != NULL)
    vx_store_rollback(svc->store);
  if (rc == 0) {
    for (size_t i = 0; i < n; i++) {
      vx_token_use *c = vx_token_usage_at(svc->usage, i);
      if (written[i] > c->flushed_ms)
        c->flushed_ms = written[i];
    }
    vx_log(VX_LOG_DEBUG, "wrote the last use of %zu token(s)", dirty);
  } else {
    vx_log(VX_LOG_WARN,
           "cannot write the tokens' last use (next try later): %s",
           why[0] ? why : vx_store_errmsg(svc->store));
  }
  free(written);
  return rc;
}

int vx_service_reload_tokens_locked(vx_service *svc) {
  json_t *tokens = NULL;
  uint64_t revision = 0;
  int rc = vx_store_list_tokens(svc->store, &tokens);
  if (rc == 0)
    rc = vx_store_revision(svc->store, &revision);
  if (rc != 0) {
    vx_log(VX_LOG_ERROR, "cannot reload the tokens: %s",
           vx_store_errmsg(svc->store));
    json_decref(tokens);
    return rc;
  }
  size_t i;
  json_t *t;
  json_array_foreach(tokens, i, t) {
    bool known = false;
    size_t j;
    json_t *old;
    json_array_foreach(svc->tokens, j, old) {
      known |= token_id(old) == token_id(t);
    }
    if (!known)
      vx_log(VX_LOG_INFO, "token %lld (%s, %s) was added by another process",
             (long long)token_id(t),
             json_string_value(json_object_get(t, "name")),
             json_string_value(json_object_get(t, "role")));
  }
  json_decref(svc->tokens);
  svc->tokens = tokens;
  if (revision > svc->st.revision)
    svc->st.revision = revision;
  char why[512] = "";
  json_t *no_flags = json_array();
  rc = vx_service_publish_locked(svc, no_flags, NULL, false, why, sizeof why);
  json_decref(no_flags);
  if (rc != 0)
    vx_log(VX_LOG_ERROR, "reloaded tokens not published: %s", why);
  return rc;
}

void vx_service_check_admin_tokens_locked(vx_service *svc) {
  const char *given = getenv("VEXIL_ADMIN_TOKEN");
  bool matches = false;
  if (given != NULL && *given != '\0') {
    unsigned char digest[32];
    char hex[65];
    vx_sha256(given, strlen(given), digest);
    vx_sha256_hex(digest, hex);
    size_t i;
    json_t *t;
    json_array_foreach(svc->tokens, i, t) {
      const char *h = json_string_value(json_object_get(t, "hash"));
      /* Every hash compared in full, in constant time. */
      matches |= is_active(t) && is_admin(t) && h != NULL && strlen(h) == 64 &&
                 vx_ct_equal(h, hex, 64);
    }
    if (!matches)
      vx_log(VX_LOG_WARN,
             "VEXIL_ADMIN_TOKEN is ignored: it is read only to create the "
             "first admin token of an empty database, and it is not an active "
             "admin token of %s. To add an admin token to this database, run "
             "on this host: vexild token create --admin --name NAME (with the "
             "same --config, --database or --data-dir)",
             svc->cfg.database);
  }
  if (other_admins_locked(svc, 0) == 0)
    vx_log(VX_LOG_WARN,
           "%s has no active admin token: nobody can use the admin API. To "
           "add one, run on this host: vexild token create --admin --name NAME",
           svc->cfg.database);
}
