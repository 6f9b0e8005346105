/*
 * service.h - the daemon's state and its one write path.
 *
 * The service owns the store (SQLite), the in-memory documents loaded from
 * it, the plugin host and the engine. Readers (evaluation, auth) only read
 * the current snapshot through the engine: no lock, no SQLite. Every write
 * goes through one mutex and does, in order:
 *   1. validate the new document (strict compile of every flag state that
 *      changed, environments exist, dependency cycles, optimistic revision);
 *   2. one SQLite transaction: rows, audit entries, revision + 1; COMMIT;
 *   3. update the documents, build the next snapshot (only changed flags
 *      recompiled) and publish it;
 *   4. tell the listeners (event stream, metrics) the revision and the
 *      changed flag keys.
 * The function returns 0 only after 4, so an HTTP answer sent after it
 * describes committed, visible state. When 3 fails after COMMIT (out of
 * memory, a plugin that refuses to compile again), the write is durable
 * but not served: it answers 503 STORED_NOT_PUBLISHED, memory keeps
 * following the store, and the daemon converges on it (the next write,
 * and vx_service_converge, publish it; see service_health.c). A store
 * that cannot be written answers 503 with the fault's code and changes
 * nothing in memory; evaluation keeps serving the last snapshot.
 *
 * Native documents (JSON), as the admin API reads and writes them:
 *   flag   {"key": "checkout", "description": "", "type": "boolean",
 *           "archived": false, "created_at": ms, "updated_at": ms,
 *           "revision": N (of its last change),
 *           "environments": {"production": STATE, ...}}
 *   STATE  {"enabled": bool, "strategies": [Unleash strategy objects],
 *           "variants": [...], "dependencies": [...]}
 *   "type" is boolean | string | number | object: what OFREP's value is
 *   when a variant is served (a flag without variants answers a boolean).
 *   segment {"id": "1", "name": "beta", "description": "",
 *            "constraints": [...]}
 * Every environment of the service appears in every flag (a missing state
 * is {"enabled": false, "strategies": []}).
 */
#ifndef VX_SERVICE_H
#define VX_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "engine.h"
#include "plugin_host.h"

typedef enum vx_role {
  VX_ROLE_NONE = 0,
  VX_ROLE_CLIENT = 1, /* evaluation in one environment */
  VX_ROLE_ADMIN = 2   /* everything */
} vx_role;

typedef struct vx_principal {
  vx_role role;
  int64_t token_id;     /* 0 for no token */
  char name[128];       /* the token's name: the audit log's actor */
  char environment[64]; /* a client token's environment */
} vx_principal;

/* Why a write was refused: an HTTP status, a stable code and a message. */
typedef struct vx_werr {
  int status;    /* 400, 403, 404, 409, 500, 503 */
  char code[48]; /* VALIDATION_FAILED, NOT_FOUND, CONFLICT, STORE_FULL, ... */
  char message[1024];
  char field[256]; /* where, when known: "environments.production.
                      strategies[0].parameters.rollout" */
} vx_werr;

/* What a published revision changed, as listeners are told. */
typedef struct vx_change {
  uint64_t revision;
  /* The changed flag keys: an array, maybe empty (a change of tokens or
   * environments). */
  const json_t *keys;
  /* Environment name -> array of those keys whose evaluation there may
   * have changed (an environment where none did is absent); NULL when
   * that is not known: then every key may have changed everywhere. */
  const json_t *envs;
} vx_change;

/* Listeners are told of each published snapshot. Called on the writer's
 * thread after publish (also again with a revision already told, when
 * tokens were reloaded: listeners re-check what depends on tokens); must
 * not call back into the service. */
typedef void (*vx_change_fn)(const vx_change *change, void *arg);

typedef struct vx_service vx_service;

/* Opens the store, loads plugins, creates the default environment and the
 * first admin token in an empty database (secret from VEXIL_ADMIN_TOKEN,
 * else generated and returned in *new_admin_secret, to be printed once;
 * free it), seeds demo flags when cfg->demo and the database is empty,
 * builds and publishes the first snapshot. Sets the process-wide parser
 * limits (cfg->max_json_depth, cfg->max_context_properties,
 * cfg->max_context_value_bytes) first. */
int vx_service_open(const vx_config *cfg, vx_service **out,
                    char **new_admin_secret, char *err, size_t errlen);
void vx_service_close(vx_service *svc);

const vx_config *vx_service_config(const vx_service *svc);
vx_engine *vx_service_engine(vx_service *svc);
vx_plugin_host *vx_service_plugins(vx_service *svc);
bool vx_service_ready(const vx_service *svc);
uint64_t vx_service_revision(vx_service *svc);

/* Whether the store takes writes, and whether every committed revision
 * is served (service_health.c). */
typedef struct vx_store_health {
  bool writable;
  const char *code; /* NULL while writable, else STORE_FULL, STORE_READ_ONLY,
                       STORE_CORRUPT or STORE_UNAVAILABLE */
  char error[512];  /* the last failure, while not writable */
  int64_t since_ms; /* when it stopped being writable */
  bool pending;     /* a committed revision is not served yet */
  uint64_t pending_revision;
  char pending_error[512];
  int64_t pending_since_ms;
  const char *journal_mode, *synchronous; /* of the store's connection */
  uint64_t write_failures[4];             /* by code, in the order above */
  uint64_t publish_failures;
} vx_store_health;

/* A copy of the health, taken without waiting for a write: for /readyz
 * and /metrics. */
void vx_service_health(vx_service *svc, vx_store_health *out);

/* Retries what failed, off the request path: reloads the documents from
 * the store when a failure after COMMIT may have left memory behind it,
 * publishes a committed revision that is not served yet, and probes a
 * store that stopped taking writes (vx_store_probe; not one found
 * damaged). Takes the write lock. The housekeeping thread calls it every
 * cfg->store_probe_interval_ms while something is wrong. */
void vx_service_converge(vx_service *svc);

/* Registers a change listener (at most 8). */
int vx_service_on_change(vx_service *svc, vx_change_fn fn, void *arg);
/* Unregisters it: once this returns, fn is not running and will not be
 * called with arg again. */
void vx_service_off_change(vx_service *svc, vx_change_fn fn, void *arg);

/* The principal for a token secret, read from the current snapshot (no
 * lock, no SQLite). VX_ENOENT for an unknown or revoked token. Records
 * the token's use (token_usage.h: no lock, no allocation). */
int vx_service_authenticate(vx_service *svc, const char *secret,
                            vx_principal *out);
/* Whether token id is in the current snapshot (not revoked). No lock. */
bool vx_service_token_active(vx_service *svc, int64_t id);

/* ---- reads for the admin API (take the write lock; not for the hot
 * path). Each returns a new reference, or NULL when absent. */
/* Which flags vx_service_list_flags_json lists. */
typedef enum vx_archived_filter {
  VX_LIST_LIVE = 0,
  VX_LIST_ARCHIVED = 1,
  VX_LIST_ANY = 2
} vx_archived_filter;

/* The GET flags answer, {"flags": [FLAG, ...] in key order, "revision"},
 * as JSON text written straight from the stored documents' text: no
 * document is parsed (10,000 flags would take half a second). *out is
 * malloc'ed (the caller frees it), *len its length. Returns 0 or
 * VX_ENOMEM. */
int vx_service_list_flags_json(vx_service *svc, vx_archived_filter which,
                               char **out, size_t *len);
json_t *vx_service_get_flag(vx_service *svc, const char *key);
json_t *vx_service_list_segments(vx_service *svc);
json_t *vx_service_list_environments(vx_service *svc);
/* Without hashes; "last_used" (ms or null) is the latest use recorded,
 * also one not yet written to the store. */
json_t *vx_service_list_tokens(vx_service *svc);
/* The audit log, newest first; flag NULL for all. */
json_t *vx_service_audit(vx_service *svc, const char *flag, int64_t before_id,
                         int limit);
/* One audit entry (a new reference), or NULL when there is none. */
json_t *vx_service_audit_entry(vx_service *svc, int64_t id);

/* ---- writes. Each returns 0 and fills *saved (a new reference, may be
 * NULL when not wanted), or a negative VX_E* with *err filled. */

/* Creates or replaces a flag. doc may omit fields (description, type,
 * archived, environments or some of them): they keep their current value
 * (or the defaults for a new flag). if_revision >= 0 refuses with 409
 * CONFLICT when the flag changed after that revision. action names the
 * audit entry ("create", "update", "enable", "archive", ...). */
int vx_service_put_flag(vx_service *svc, const vx_principal *actor,
                        const char *action, const json_t *doc,
                        int64_t if_revision, json_t **saved, vx_werr *err);

/* Reverts a flag to its state before audit entry id (the entry's
 * "before"; a flag created by that entry is archived). if_revision as for
 * vx_service_put_flag, checked under the same lock as the write. */
int vx_service_revert(vx_service *svc, const vx_principal *actor, int64_t id,
                      int64_t if_revision, json_t **saved, vx_werr *err);

/* Creates or replaces a segment. Without an "id" the segment gets the
 * next free number. create_only refuses an existing id (409
 * ALREADY_EXISTS). *created (may be NULL) says whether it is new. The
 * saved segment's "revision" is the revision of the write. if_revision
 * >= 0: the revision the write was based on; 409 CONFLICT when the
 * segment changed after it (as for flags). */
int vx_service_put_segment(vx_service *svc, const vx_principal *actor,
                           const json_t *doc, bool create_only,
                           int64_t if_revision, json_t **saved, bool *created,
                           vx_werr *err);
/* Refused (409 SEGMENT_IN_USE) while a flag uses the segment, and (409
 * CONFLICT) when if_revision >= 0 and it changed after that revision. */
int vx_service_delete_segment(vx_service *svc, const vx_principal *actor,
                              const char *id, int64_t if_revision,
                              vx_werr *err);

int vx_service_put_environment(vx_service *svc, const vx_principal *actor,
                               const char *name, vx_werr *err);
/* Refused (409) for the default environment or one a live token uses. */
int vx_service_delete_environment(vx_service *svc, const vx_principal *actor,
                                  const char *name, vx_werr *err);

/* Creates a token; *created holds {"id", "name", "role", "environment",
 * "secret"} (the only time the secret is shown). */
int vx_service_create_token(vx_service *svc, const vx_principal *actor,
                            const char *name, vx_role role,
                            const char *environment, json_t **created,
                            vx_werr *err);
/* Refused with 409 LAST_ADMIN for the last active admin token, whoever
 * asks (the token itself too): the admin API would be lost for good. */
int vx_service_revoke_token(vx_service *svc, const vx_principal *actor,
                            int64_t id, vx_werr *err);

/* A new token secret ("vx_" + 64 hex digits from getrandom), malloc'ed
 * (the caller scrubs and frees it), or NULL. */
char *vx_service_new_secret(void);

/* Inside an open store transaction at revision (the service's write path,
 * and `vexild token create`, which works on the database directly): adds
 * a token with the SHA-256 of secret, and its audit entry (token.create
 * by actor). *doc: the token's document with "hash", never the secret (a
 * new reference). 0 or the store's error. */
struct vx_store;
int vx_token_add(struct vx_store *st, uint64_t revision, const char *actor,
                 const char *name, vx_role role, const char *environment,
                 const char *secret, int64_t now_ms, json_t **doc);

/* What the housekeeping thread does every tick (a second, or
 * cfg->store_probe_interval_ms when shorter), with now_ms from a
 * monotonic clock (tests call it with their own times): when another
 * process committed to the database (PRAGMA data_version changed), it
 * reloads the tokens and publishes them; when cfg->last_used_interval
 * seconds passed since the last write, it writes the tokens' last use;
 * when cfg->store_probe_interval_ms passed since the last time and
 * something is wrong, vx_service_converge. Returns the VX_HOUSEKEEP_*
 * bits of what it did. Takes the lock. */
#define VX_HOUSEKEEP_RELOADED 1
#define VX_HOUSEKEEP_FLUSHED 2
#define VX_HOUSEKEEP_CONVERGED 4
int vx_service_housekeep(vx_service *svc, int64_t now_ms);
/* The monotonic clock vx_service_housekeep's thread uses, in ms. */
int64_t vx_service_monotonic_ms(void);

/* Everything as one native document {"version": 1, "environments",
 * "segments", "flags"} (a new reference). */
json_t *vx_service_export(vx_service *svc);

typedef enum vx_import_how { VX_MERGE = 0, VX_REPLACE = 1 } vx_import_how;

/* Imports a native export (all environments) or an Unleash state (into
 * one environment) as one transaction: everything or nothing. replace:
 * flags absent from the document are archived (native) or switched off in
 * that environment (Unleash). *summary: {"created", "updated",
 * "archived"} counts. */
int vx_service_import_native(vx_service *svc, const vx_principal *actor,
                             const json_t *doc, vx_import_how how,
                             json_t **summary, vx_werr *err);
int vx_service_import_unleash(vx_service *svc, const vx_principal *actor,
                              const json_t *doc, const char *environment,
                              vx_import_how how, json_t **summary,
                              vx_werr *err);

/* The time source for audit entries and documents; tests may replace it. */
int64_t vx_service_now_ms(void);

#endif
