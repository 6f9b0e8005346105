/* service_load.c - the documents and definitions loaded from the store:
 * at open, and again when memory fell behind the store (service_health.c);
 * and the store's state at start. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "service_internal.h"

/* Takes the environments the store read, with an empty table each in
 * svc->st (vx_service_keep_flag_locked stages into them). */
static void adopt_environments(vx_service *svc, const vx_store_data *d) {
  if (svc->environments == d->environments)
    return;
  json_decref(svc->environments);
  svc->environments = json_incref(d->environments);
  json_object_clear(svc->st.envs);
  size_t i;
  json_t *env;
  json_array_foreach(svc->environments, i, env) {
    json_object_set_new(svc->st.envs, json_string_value(env), json_object());
  }
}

/* One flag read at start (vx_store_load's callback): every environment
 * appears in it, then it is kept as text. */
static int load_flag(void *arg, const vx_store_data *d, json_t *flag) {
  vx_service *svc = arg;
  adopt_environments(svc, d);
  vx_service_fill_envs_locked(svc, flag);
  return vx_service_keep_flag_locked(svc, flag);
}

int vx_service_load(vx_service *svc, char *err, size_t errlen) {
  json_object_clear(svc->flags);
  vx_store_data d;
  int rc = vx_store_load(svc->store, &d, load_flag, svc, err, errlen);
  if (rc != 0)
    return rc;
  adopt_environments(svc, &d); /* when there are no flags */
  json_decref(svc->segments);
  json_decref(svc->tokens);
  svc->segments = json_incref(d.segments);
  svc->tokens = json_incref(d.tokens);
  svc->st.revision = d.revision;
  json_object_clear(svc->st.segments);
  json_object_update(svc->st.segments, svc->segments);
  vx_store_data_dispose(&d);
  malloc_trim(0); /* the documents were freed: give the memory back */
  return 0;
}

void vx_service_dispose_docs(vx_service *svc) {
  vx_state_dispose(&svc->st);
  json_decref(svc->flags);
  json_decref(svc->segments);
  json_decref(svc->environments);
  json_decref(svc->tokens);
}

int vx_service_reload_locked(vx_service *svc, char *err, size_t errlen) {
  vx_service *fresh = calloc(1, sizeof *fresh); /* cfg is large */
  if (fresh == NULL)
    return VX_ENOMEM;
  fresh->cfg = svc->cfg;
  fresh->store = svc->store;
  int rc = vx_state_init(&fresh->st);
  fresh->flags = json_object();
  if (rc == 0 && fresh->flags == NULL)
    rc = VX_ENOMEM;
  if (rc == 0)
    rc = vx_service_load(fresh, err, errlen);
  if (rc == 0) { /* swap: fresh takes the old documents to dispose */
    vx_state st = svc->st;
    json_t *docs[4] = {svc->flags, svc->segments, svc->environments,
                       svc->tokens};
    svc->st = fresh->st;
    svc->flags = fresh->flags;
    svc->segments = fresh->segments;
    svc->environments = fresh->environments;
    svc->tokens = fresh->tokens;
    fresh->st = st;
    fresh->flags = docs[0];
    fresh->segments = docs[1];
    fresh->environments = docs[2];
    fresh->tokens = docs[3];
  }
  vx_service_dispose_docs(fresh);
  free(fresh);
  return rc;
}

void vx_service_check_store(vx_service *svc, char *check, size_t len) {
  check[0] = '\0';
  if (vx_store_read_only(svc->store)) {
    vx_service_store_unwritable(svc, VX_STORE_FAULT_READ_ONLY,
                                vx_store_errmsg(svc->store));
    vx_log(VX_LOG_WARN,
           "%s: evaluation is served, writes answer 503 STORE_READ_ONLY "
           "until it can be written (probed every %d ms)",
           vx_store_errmsg(svc->store), svc->cfg.store_probe_interval_ms);
  }
  int64_t t0 = vx_service_now_ms();
  if (vx_store_quick_check(svc->store, check, len) != 0) {
    vx_service_store_unwritable(svc, VX_STORE_FAULT_CORRUPT, check);
    vx_log(VX_LOG_ERROR,
           "%s is damaged (%s): evaluation is served from what loads, writes "
           "answer 503 STORE_CORRUPT; restore a backup, or recover the file "
           "(sqlite3 %s .recover), then restart vexild",
           svc->cfg.database, check, svc->cfg.database);
    return;
  }
  vx_log(VX_LOG_DEBUG, "store: quick_check ok in %lld ms",
         (long long)(vx_service_now_ms() - t0));
}
