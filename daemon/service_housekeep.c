/* service_housekeep.c - the service's control-side chores, on one thread
 * of their own, never on a request. Every tick (a second, or
 * cfg->store_probe_interval_ms when that is shorter): notice that another
 * process committed to the database (the break-glass `vexild token
 * create`) and take its tokens in; write the tokens' last use every
 * cfg->last_used_interval seconds; and, while the store does not take
 * writes or a committed revision is not served, converge
 * (service_health.c) every cfg->store_probe_interval_ms. */
#include <errno.h>
#include <time.h>

#include "log.h"
#include "service_internal.h"

#define TICK_MS 1000

int64_t vx_service_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vx_service_housekeep(vx_service *svc, int64_t now_ms) {
  int did = 0;
  pthread_mutex_lock(&svc->lock);
  /* data_version reads shared memory of the WAL: no disk I/O. */
  int64_t version;
  if (vx_store_data_version(svc->store, &version) == 0 &&
      version != svc->data_version) {
    svc->data_version = version;
    vx_log(VX_LOG_INFO, "another process changed the database: reloading "
                        "the tokens");
    if (vx_service_reload_tokens_locked(svc) == 0)
      did |= VX_HOUSEKEEP_RELOADED;
  }
  if (now_ms - svc->usage_flushed_at >=
      (int64_t)svc->cfg.last_used_interval * 1000) {
    svc->usage_flushed_at = now_ms;
    vx_service_flush_usage_locked(svc);
    did |= VX_HOUSEKEEP_FLUSHED;
  }
  pthread_mutex_unlock(&svc->lock);
  if (now_ms - svc->converged_at >= svc->cfg.store_probe_interval_ms &&
      vx_service_needs_converge(svc)) {
    svc->converged_at = now_ms;
    vx_service_converge(svc);
    did |= VX_HOUSEKEEP_CONVERGED;
  }
  return did;
}

/* The tick: a second, or the probe interval when it is shorter. */
static int64_t tick_ms(const vx_service *svc) {
  int64_t probe = svc->cfg.store_probe_interval_ms;
  return probe > 0 && probe < TICK_MS ? probe : TICK_MS;
}

static void *housekeeper(void *arg) {
  vx_service *svc = arg;
  pthread_mutex_lock(&svc->hk_mu);
  while (!svc->hk_stop) {
    int64_t at = vx_service_monotonic_ms() + tick_ms(svc);
    struct timespec next = {(time_t)(at / 1000), (long)(at % 1000) * 1000000L};
    while (!svc->hk_stop &&
           pthread_cond_timedwait(&svc->hk_cv, &svc->hk_mu, &next) != ETIMEDOUT)
      ;
    if (svc->hk_stop)
      break;
    pthread_mutex_unlock(&svc->hk_mu);
    vx_service_housekeep(svc, vx_service_monotonic_ms());
    pthread_mutex_lock(&svc->hk_mu);
  }
  pthread_mutex_unlock(&svc->hk_mu);
  return NULL;
}

int vx_service_housekeeping_start(vx_service *svc) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&svc->hk_cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&svc->hk_mu, NULL);
  svc->hk_stop = false;
  svc->usage_flushed_at = svc->converged_at = vx_service_monotonic_ms();
  if (vx_store_data_version(svc->store, &svc->data_version) != 0)
    vx_log(VX_LOG_WARN, "cannot read the database's data_version: %s",
           vx_store_errmsg(svc->store));
  int rc = pthread_create(&svc->housekeeper, NULL, housekeeper, svc);
  if (rc != 0) {
    pthread_cond_destroy(&svc->hk_cv);
    pthread_mutex_destroy(&svc->hk_mu);
    return VX_ENOMEM;
  }
  svc->housekeeping = true;
  return 0;
}

void vx_service_housekeeping_stop(vx_service *svc) {
  if (!svc->housekeeping)
    return;
  pthread_mutex_lock(&svc->hk_mu);
  svc->hk_stop = true;
  pthread_cond_broadcast(&svc->hk_cv);
  pthread_mutex_unlock(&svc->hk_mu);
  pthread_join(svc->housekeeper, NULL);
  pthread_cond_destroy(&svc->hk_cv);
  pthread_mutex_destroy(&svc->hk_mu);
  svc->housekeeping = false;
  /* What the last interval recorded is not lost on a clean stop. */
  pthread_mutex_lock(&svc->lock);
  vx_service_flush_usage_locked(svc);
  pthread_mutex_unlock(&svc->lock);
}
