/*
 * service_internal.h - what service.c, service_write.c and
 * service_import.c share. Not for other modules: use service.h.
 *
 * Locking: svc->lock guards every field below except `engine` (readers go
 * through it without a lock) and `ready`. Functions named *_locked expect
 * the caller to hold it.
 */
#ifndef VX_SERVICE_INTERNAL_H
#define VX_SERVICE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "service.h"
#include "state.h"
#include "store.h"
#include "token_usage.h"

#define VX_MAX_LISTENERS 8

struct vx_service {
  vx_config cfg;
  vx_store *store;
  vx_plugin_host *plugins;
  vx_engine *engine;
  pthread_mutex_t lock;
  json_t *flags;        /* key -> flag document as JSON text (service_docs.c) */
  json_t *segments;     /* id -> segment document */
  json_t *environments; /* array of names, creation order */
  json_t *tokens;       /* array of token documents, with "hash" */
  vx_state st;          /* compile definitions: what snapshots are built of */
  atomic_bool ready;
  struct {
    vx_change_fn fn;
    void *arg;
  } listeners[VX_MAX_LISTENERS];
  int n_listeners;
  /* service_health.c. Under lock: */
  bool resync;          /* memory may be behind the store: reload it */
  json_t *pending_keys; /* flags changed by unpublished revisions */
  /* Under health_lock (never held while waiting for lock): */
  pthread_mutex_t health_lock;
  vx_store_health health;
  /* When each token was last used: cells the snapshots' auth entries
   * point at (requests write them without the lock; service_tokens.c
   * writes them to the store). */
  vx_token_usage *usage;
  /* Housekeeping (service_housekeep.c), one thread: the store's
   * data_version when last looked at, when the usage was last written
   * and the store last probed (monotonic ms). */
  int64_t data_version;
  int64_t usage_flushed_at;
  int64_t converged_at;
  pthread_t housekeeper;
  bool housekeeping;
  pthread_mutex_t hk_mu;
  pthread_cond_t hk_cv; /* CLOCK_MONOTONIC */
  bool hk_stop;
};

/* Fills err; returns rc (negative) for `return werr(...)`. */
int vx_werr_set(vx_werr *err, int rc, int status, const char *code,
                const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ---- flag documents, kept as text (service_docs.c) */

/* The compact JSON text of doc, as a JSON string (a new reference), or
 * NULL on out-of-memory. */
json_t *vx_flag_text(const json_t *doc);
/* The document a text holds (a new reference), or NULL. */
json_t *vx_flag_parse(const json_t *text);
/* The flag called key, parsed (a new reference: the caller decrefs), or
 * NULL when there is none. */
json_t *vx_service_flag_locked(vx_service *svc, const char *key);
/* Whether text may hold the member "member" with the string value: false
 * only when it certainly does not (a cheap filter before parsing). */
bool vx_flag_text_mentions(const json_t *text, const char *member,
                           const char *value);

/* Gives flag (a document) a switched-off state without strategies in
 * every environment of svc it lacks. */
void vx_service_fill_envs_locked(vx_service *svc, json_t *flag);

/* Memory follows a committed write: keeps flag (a complete document) as
 * svc->flags' text and stages that same text as the flag's definition in
 * every environment of svc->st (removed when archived; state.h). flag is
 * not kept: the caller still owns it. Returns 0 or VX_ENOMEM. */
int vx_service_keep_flag_locked(vx_service *svc, const json_t *flag);

/* Builds the snapshot of svc->st at its revision, attaches the live
 * tokens, publishes it, and tells the listeners. keys: the changed flag
 * keys (may be NULL). Only those flags are looked at (vx_snapshot_update)
 * unless full or keys is NULL: then every flag is (a full build that
 * still reuses unchanged ones), as after a change of segments that flags
 * outside keys may use. envs: which keys changed where (vx_change.envs;
 * NULL: everywhere), passed on to the listeners. */
int vx_service_publish_locked(vx_service *svc, const json_t *keys,
                              const json_t *envs, bool full, char *err,
                              size_t errlen);

/* Adds the flag's key to envs[E] (an object of arrays, created as needed)
 * for every environment E where its evaluation may differ between the
 * documents before (NULL: it did not exist) and after: its state there
 * changed, or the whole flag did (created, archived, restored, its type).
 * Returns 0 or VX_ENOMEM. */
int vx_change_note_flag(json_t *envs, const json_t *before,
                        const json_t *after);

/* Validates doc against the current documents and returns the complete
 * new flag document (a new reference) in *out. strict: every changed
 * state must compile strictly (admin writes); otherwise problems are only
 * collected as text into warnings (an array, may be NULL). Either way a
 * json variant payload nested deeper than max_json_depth is refused (400
 * VALIDATION_FAILED, its path in err->field). */
int vx_service_prepare_flag_locked(vx_service *svc, const json_t *doc,
                                   int64_t if_revision, bool strict,
                                   json_t *warnings, json_t **out,
                                   vx_werr *err);

/* Writes flag (already prepared) in the open transaction at revision,
 * with an audit entry from before (NULL: created) to after. */
int vx_service_store_flag_locked(vx_service *svc, uint64_t revision,
                                 const vx_principal *actor, const char *action,
                                 const json_t *before, json_t *after,
                                 vx_werr *err);

/* ---- tokens (service_tokens.c) */

/* Writes the last use of every token used since the last write, in one
 * transaction (no revision, no audit entry). 0, or the store's error
 * (logged; the times stay pending for the next try). */
int vx_service_flush_usage_locked(vx_service *svc);
/* Reads the tokens and the revision again from the store (another process
 * added a token) and publishes a snapshot with them. */
int vx_service_reload_tokens_locked(vx_service *svc);
/* At start on a database with tokens: warns when VEXIL_ADMIN_TOKEN is set
 * but is no active admin token of it (it is only read on an empty
 * database), and when no admin token is active at all; both name the
 * break-glass command. */
void vx_service_check_admin_tokens_locked(vx_service *svc);

/* Starts and stops the housekeeping thread (service_housekeep.c). */
int vx_service_housekeeping_start(vx_service *svc);
void vx_service_housekeeping_stop(vx_service *svc);

/* Imports the demo flags into the default environment (cfg->demo on an
 * empty database). Takes the lock. */
int vx_service_seed_demo(vx_service *svc, char *err, size_t errlen);

/* The values of obj in key order, each as copy(value) gives it (a new
 * array): json_deep_copy, or vx_flag_parse for svc->flags. */
json_t *vx_sorted_values(const json_t *obj, json_t *(*copy)(const json_t *));
/* The keys of obj in order (borrowed from obj; the array is malloc'ed),
 * *n of them, or NULL on out-of-memory. */
const char **vx_sorted_keys(const json_t *obj, size_t *n);

/* Whether a name (flag key, segment id, environment) reaches its resource
 * as a URL path segment, URL-encoded: civetweb decodes the path, reads
 * '\\' as '/', and drops the dots at the end of a segment (so ".", ".."
 * and "a." would name another resource). Not empty, no '/', no '\\', no
 * control character, no '.' at the end. */
bool vx_addressable_name(const char *n);
/* An environment name: [A-Za-z0-9_.-]{1,63}, addressable. */
bool vx_valid_env_name(const char *n);
bool vx_env_exists_locked(vx_service *svc, const char *name);

/* ---- the write path's steps (service_health.c). A write is:
 *   vx_begin_locked; store calls (a failure through
 *   vx_service_store_error_locked); vx_commit_locked; then memory is
 *   updated (staged) and vx_service_published_locked publishes.
 * Memory changes only after COMMIT succeeded, so a refused write leaves
 * it as the store is. */

/* BEGIN and a new revision. Refused first (503) while the store is
 * known damaged (STORE_CORRUPT) or memory waits to be reloaded
 * (STORED_NOT_PUBLISHED). On failure err says why. */
int vx_begin_locked(vx_service *svc, uint64_t *revision, vx_werr *err);

/* A store call of a write failed with rc (the transaction is still
 * open): when the storage failed, err is 503 with the fault's code
 * (STORE_FULL, STORE_READ_ONLY, STORE_CORRUPT, STORE_UNAVAILABLE) and
 * the store is reported unwritable; else 500 STORE_ERROR. what: the
 * message's start ("the database refused the write"). Returns rc. */
int vx_service_store_error_locked(vx_service *svc, vx_werr *err, int rc,
                                  const char *what);

/* Commits the transaction vx_begin_locked opened when rc is 0 (the
 * store is writable again), else rolls it back and returns rc with err
 * as the caller filled it; a failed COMMIT is rolled back and reported
 * as by vx_service_store_error_locked. Harmless after a failed
 * vx_begin_locked (nothing is open). */
int vx_commit_locked(vx_service *svc, int rc, vx_werr *err);

/* The end of a write that makes one audit entry: when its store calls
 * returned 0 (rc), appends the entry at revision and time_ms (before and
 * after may be NULL; actor NULL is "system"), then commits as
 * vx_commit_locked does; a failure of the store is reported as by
 * vx_service_store_error_locked. */
int vx_service_audit_commit_locked(vx_service *svc, int rc, uint64_t revision,
                                   int64_t time_ms, const vx_principal *actor,
                                   const char *action, const json_t *before,
                                   const json_t *after, vx_werr *err);

/* After COMMIT of revision: staged is 0 when memory was updated, or the
 * error that left it incomplete (then the documents are reloaded from
 * the store before anything is published). Publishes revision, with
 * keys (the changed flags, may be NULL), envs (where they changed, may
 * be NULL) and full as for vx_service_publish_locked, and whatever earlier
 * revision is not served yet. 0, or 503 STORED_NOT_PUBLISHED: the write is
 * durable, the daemon keeps trying (vx_service_converge) and reports it (log,
 * health). */
int vx_service_published_locked(vx_service *svc, uint64_t revision, int staged,
                                const json_t *keys, const json_t *envs,
                                bool full, vx_werr *err);

/* For a write that changes nothing: 0 when everything committed is
 * served (publishing what is pending first), else 503
 * STORED_NOT_PUBLISHED. */
int vx_service_pending_locked(vx_service *svc, vx_werr *err);

/* ---- loading (service_load.c) */

/* Loads every document and definition from the store into svc (at open,
 * before the service is shared). */
int vx_service_load(vx_service *svc, char *err, size_t errlen);
/* The same into fresh memory, which replaces svc's only when the whole
 * load succeeded. */
int vx_service_reload_locked(vx_service *svc, char *err, size_t errlen);
/* Frees what vx_service_load filled. */
void vx_service_dispose_docs(vx_service *svc);
/* The store's state at start: read-only, or damaged in pages a load may
 * not read (PRAGMA quick_check). Either leaves it reported unwritable
 * (vx_service_store_unwritable) and logged; evaluation is served from
 * what loads. check: quick_check's report, or "". */
void vx_service_check_store(vx_service *svc, char *check, size_t len);

/* The health record: initialised before the store opens (writable),
 * told the store's journal_mode and synchronous once it is open, freed
 * with the service. */
void vx_service_health_init(vx_service *svc);
void vx_service_health_opened(vx_service *svc);
void vx_service_health_dispose(vx_service *svc);
/* Whether vx_service_converge has work: a revision committed but not
 * served, or a store that stopped taking writes (not a damaged one). */
bool vx_service_needs_converge(vx_service *svc);
/* The store is found unwritable at open (or later): fault, message. */
void vx_service_store_unwritable(vx_service *svc, vx_store_fault fault,
                                 const char *message);

/* The actor name for the audit log. */
const char *vx_actor_name(const vx_principal *actor);

#endif
