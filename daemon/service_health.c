/*
 * service_health.c - the steps every write takes around its transaction,
 * and what the service does when the store or a publish fails.
 *
 * A store that cannot take a write (full, read-only, damaged, other I/O
 * error) makes the write answer 503 with a stable code; nothing changes
 * in memory, the last snapshot keeps serving, and the health says since
 * when and why. It takes writes again as soon as one commits: the next
 * write tries, and the housekeeping thread (service_housekeep.c:
 * vx_service_converge, every cfg.store_probe_interval_ms while something
 * is wrong) commits a
 * transaction that changes nothing, after reopening a read-only
 * connection for writing. A damaged store (quick_check at start, or
 * SQLITE_CORRUPT) stays refused until a restart: writing on would spread
 * the damage.
 *
 * A write whose snapshot cannot be built or published after COMMIT is
 * durable but not served: it answers 503 STORED_NOT_PUBLISHED, the
 * health shows the pending revision, and the daemon retries with every
 * later write and every probe until it is served; listeners are told
 * then. When memory itself could not follow the commit (out of memory),
 * the documents are reloaded from the store first, and writes wait.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "service_internal.h"

static const char *const fault_codes[] = {
    [VX_STORE_FAULT_FULL] = "STORE_FULL",
    [VX_STORE_FAULT_READ_ONLY] = "STORE_READ_ONLY",
    [VX_STORE_FAULT_CORRUPT] = "STORE_CORRUPT",
    [VX_STORE_FAULT_UNAVAILABLE] = "STORE_UNAVAILABLE",
};

/* ---- the health record (health_lock) ----------------------------------- */

/* count: a write failed (else the state was found at open). */
static void set_unwritable(vx_service *svc, vx_store_fault fault,
                           const char *message, bool count) {
  pthread_mutex_lock(&svc->health_lock);
  vx_store_health *h = &svc->health;
  /* A damaged store stays reported as damaged. */
  if (h->code != fault_codes[VX_STORE_FAULT_CORRUPT]) {
    if (h->writable)
      h->since_ms = vx_service_now_ms();
    h->writable = false;
    h->code = fault_codes[fault];
    snprintf(h->error, sizeof h->error, "%s", message);
  }
  if (count)
    h->write_failures[fault - 1]++;
  pthread_mutex_unlock(&svc->health_lock);
}

void vx_service_store_unwritable(vx_service *svc, vx_store_fault fault,
                                 const char *message) {
  set_unwritable(svc, fault, message, false);
}

/* The store took a write: it is writable again. */
static void set_writable(vx_service *svc) {
  pthread_mutex_lock(&svc->health_lock);
  vx_store_health *h = &svc->health;
  bool was = h->writable;
  h->writable = true;
  h->code = NULL;
  h->error[0] = '\0';
  h->journal_mode = vx_store_journal_mode(svc->store);
  h->synchronous = vx_store_synchronous(svc->store);
  pthread_mutex_unlock(&svc->health_lock);
  if (!was)
    vx_log(VX_LOG_INFO, "store: writes are taken again");
}

static bool corrupt(vx_service *svc) {
  pthread_mutex_lock(&svc->health_lock);
  bool c = svc->health.code == fault_codes[VX_STORE_FAULT_CORRUPT];
  pthread_mutex_unlock(&svc->health_lock);
  return c;
}

static void set_pending(vx_service *svc, uint64_t revision, const char *why) {
  pthread_mutex_lock(&svc->health_lock);
  vx_store_health *h = &svc->health;
  if (!h->pending)
    h->pending_since_ms = vx_service_now_ms();
  h->pending = true;
  h->pending_revision = revision;
  h->publish_failures++;
  snprintf(h->pending_error, sizeof h->pending_error, "%s", why);
  pthread_mutex_unlock(&svc->health_lock);
}

static bool clear_pending(vx_service *svc) {
  pthread_mutex_lock(&svc->health_lock);
  bool was = svc->health.pending;
  svc->health.pending = false;
  svc->health.pending_error[0] = '\0';
  pthread_mutex_unlock(&svc->health_lock);
  return was;
}

static bool pending(vx_service *svc) {
  pthread_mutex_lock(&svc->health_lock);
  bool p = svc->health.pending;
  pthread_mutex_unlock(&svc->health_lock);
  return p;
}

void vx_service_health(vx_service *svc, vx_store_health *out) {
  pthread_mutex_lock(&svc->health_lock);
  *out = svc->health;
  pthread_mutex_unlock(&svc->health_lock);
}

/* ---- the write path's steps -------------------------------------------- */

static int not_published(vx_service *svc, vx_werr *err, const char *why) {
  pthread_mutex_lock(&svc->health_lock);
  uint64_t at = svc->health.pending_revision;
  pthread_mutex_unlock(&svc->health_lock);
  return vx_werr_set(err, VX_EIO, 503, "STORED_NOT_PUBLISHED", "",
                     "revision %llu is stored but not served yet: %s; vexild "
                     "keeps trying to publish it",
                     (unsigned long long)at, why);
}

int vx_service_store_error_locked(vx_service *svc, vx_werr *err, int rc,
                                  const char *what) {
  vx_store_fault fault = vx_store_last_fault(svc->store);
  const char *msg = vx_store_errmsg(svc->store);
  if (fault == VX_STORE_FAULT_NONE)
    return vx_werr_set(err, rc, 500, "STORE_ERROR", "", "%s: %s", what,
                       msg[0] ? msg : vx_strerror(rc));
  set_unwritable(svc, fault, msg, true);
  vx_log(VX_LOG_ERROR, "store: a write failed (%s): %s", fault_codes[fault],
         msg);
  return vx_werr_set(err, rc, 503, fault_codes[fault], "", "%s: %s", what, msg);
}

int vx_begin_locked(vx_service *svc, uint64_t *revision, vx_werr *err) {
  if (corrupt(svc)) {
    pthread_mutex_lock(&svc->health_lock);
    int rc = vx_werr_set(err, VX_EIO, 503, "STORE_CORRUPT", "",
                         "the database is damaged, writes are refused until "
                         "it is repaired and vexild restarted: %s",
                         svc->health.error);
    pthread_mutex_unlock(&svc->health_lock);
    return rc;
  }
  if (svc->resync)
    return not_published(svc, err, "the documents are being reloaded");
  int rc = vx_store_begin(svc->store);
  if (rc == 0)
    rc = vx_store_bump_revision(svc->store, revision);
  if (rc != 0) {
    vx_service_store_error_locked(svc, err, rc,
                                  "the database refused the transaction");
    vx_store_rollback(svc->store);
  }
  return rc;
}

int vx_commit_locked(vx_service *svc, int rc, vx_werr *err) {
  if (rc == 0 && (rc = vx_store_commit(svc->store, NULL, 0)) != 0)
    vx_service_store_error_locked(svc, err, rc,
                                  "the database refused the commit");
  if (rc != 0) {
    vx_store_rollback(svc->store);
    return rc;
  }
  set_writable(svc);
  return 0;
}

int vx_service_audit_commit_locked(vx_service *svc, int rc, uint64_t revision,
                                   int64_t time_ms, const vx_principal *actor,
                                   const char *action, const json_t *before,
                                   const json_t *after, vx_werr *err) {
  int64_t id;
  if (rc == 0)
    rc = vx_store_add_audit(svc->store, revision, time_ms, vx_actor_name(actor),
                            action, NULL, before, after, &id);
  if (rc != 0)
    vx_service_store_error_locked(svc, err, rc,
                                  "the database refused the write");
  return vx_commit_locked(svc, rc, err);
}

/* Adds keys (may be NULL) to the unpublished flags (a failed allocation
 * only leaves listeners told fewer keys). */
static void remember_keys(vx_service *svc, const json_t *keys) {
  if (svc->pending_keys == NULL)
    svc->pending_keys = json_array();
  if (keys != NULL && svc->pending_keys != NULL)
    json_array_extend(svc->pending_keys, (json_t *)keys);
}

/* Publishes what is committed, with the unpublished flags; 0 or the
 * error, why filled. */
static int publish_all(vx_service *svc, const json_t *keys, const json_t *envs,
                       bool full, char *why, size_t len) {
  bool was = pending(svc);
  /* Catching up: where the earlier revisions changed is not kept, so
   * listeners hear of every environment (envs NULL). */
  int rc = vx_service_publish_locked(svc, was ? svc->pending_keys : keys,
                                     was ? NULL : envs, full || was, why, len);
  if (rc == 0 && clear_pending(svc)) {
    vx_log(VX_LOG_INFO,
           "revision %llu is published: every committed "
           "revision is served again",
           (unsigned long long)svc->st.revision);
    json_decref(svc->pending_keys);
    svc->pending_keys = NULL;
  }
  return rc;
}

int vx_service_published_locked(vx_service *svc, uint64_t revision, int staged,
                                const json_t *keys, const json_t *envs,
                                bool full, vx_werr *err) {
  char why[512] = "";
  svc->st.revision = revision;
  if (staged != 0) {
    svc->resync = true;
    snprintf(why, sizeof why, "memory could not follow the commit (%s)",
             vx_strerror(staged));
  }
  bool remembered = staged != 0 || pending(svc);
  if (remembered)
    remember_keys(svc, keys); /* publish_all publishes them all */
  if (staged == 0 && publish_all(svc, keys, envs, full, why, sizeof why) == 0)
    return 0;
  if (!remembered)
    remember_keys(svc, keys);
  set_pending(svc, revision, why);
  vx_log(VX_LOG_ERROR,
         "revision %llu is committed but not published: %s (retried every "
         "%d ms)",
         (unsigned long long)revision, why, svc->cfg.store_probe_interval_ms);
  return not_published(svc, err, why);
}

int vx_service_pending_locked(vx_service *svc, vx_werr *err) {
  if (!pending(svc))
    return 0;
  char why[512] = "";
  if (svc->resync)
    return not_published(svc, err, "the documents are being reloaded");
  if (publish_all(svc, NULL, NULL, true, why, sizeof why) == 0)
    return 0;
  set_pending(svc, svc->st.revision, why);
  return not_published(svc, err, why);
}

/* ---- convergence ------------------------------------------------------- */

static void converge_locked(vx_service *svc) {
  char why[512] = "";
  if (svc->resync) {
    if (vx_service_reload_locked(svc, why, sizeof why) != 0) {
      vx_log(VX_LOG_ERROR, "reloading the documents from the store: %s", why);
      set_pending(svc, svc->st.revision, why);
      return;
    }
    svc->resync = false;
  }
  if (pending(svc) && publish_all(svc, NULL, NULL, true, why, sizeof why) != 0)
    set_pending(svc, svc->st.revision, why);
  pthread_mutex_lock(&svc->health_lock);
  bool probe = !svc->health.writable &&
               svc->health.code != fault_codes[VX_STORE_FAULT_CORRUPT];
  pthread_mutex_unlock(&svc->health_lock);
  if (!probe)
    return;
  int rc = vx_store_probe(svc->store, svc->st.revision, why, sizeof why);
  if (rc == 0) {
    set_writable(svc);
  } else if (rc == VX_ECONFLICT) { /* changed behind our back: reload */
    vx_log(VX_LOG_WARN, "store: %s: loading it again", why);
    svc->resync = true;
    set_pending(svc, svc->st.revision, why);
  } else if (vx_store_last_fault(svc->store) != VX_STORE_FAULT_NONE) {
    set_unwritable(svc, vx_store_last_fault(svc->store), why, false);
  }
}

void vx_service_converge(vx_service *svc) {
  pthread_mutex_lock(&svc->lock);
  converge_locked(svc);
  pthread_mutex_unlock(&svc->lock);
}

/* ---- what the housekeeping thread asks --------------------------------- */

bool vx_service_needs_converge(vx_service *svc) {
  pthread_mutex_lock(&svc->health_lock);
  const vx_store_health *h = &svc->health;
  bool w = h->pending ||
           (!h->writable && h->code != fault_codes[VX_STORE_FAULT_CORRUPT]);
  pthread_mutex_unlock(&svc->health_lock);
  return w;
}

void vx_service_health_init(vx_service *svc) {
  pthread_mutex_init(&svc->health_lock, NULL);
  svc->health.writable = true;
  svc->health.journal_mode = svc->health.synchronous = "unknown";
}

void vx_service_health_opened(vx_service *svc) {
  pthread_mutex_lock(&svc->health_lock);
  svc->health.journal_mode = vx_store_journal_mode(svc->store);
  svc->health.synchronous = vx_store_synchronous(svc->store);
  pthread_mutex_unlock(&svc->health_lock);
}

void vx_service_health_dispose(vx_service *svc) {
  json_decref(svc->pending_keys);
  svc->pending_keys = NULL;
  pthread_mutex_destroy(&svc->health_lock);
}
