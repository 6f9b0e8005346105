/*
 * http_admin_plugins.c - POST /api/v1/admin/plugins/reload: rescans the
 * plugin folders and loads new plugins and changed ones without a restart
 * (service_reload.h says how). The body is empty or {}. The answer is 200
 * with what was loaded, replaced and rejected (and why), even when some
 * file was rejected: the rest of the reload stands and the previous
 * versions keep serving. 500 when the reload could not be done at all.
 */
#include <jansson.h>

#include "http_admin_internal.h"
#include "service_reload.h"

void vx_admin_plugins_reload(vx_req *req, char *const *arg) {
  (void)arg;
  json_t *body = vx_req_json(req, true);
  if (body == NULL)
    return;
  static const char *const none[] = {NULL};
  bool ok = vx_admin_check_fields(req, body, none);
  json_decref(body);
  if (!ok)
    return;
  json_t *report = NULL;
  vx_werr err = {0};
  if (vx_service_reload_plugins(req->svc, &req->who, &report, &err) == 0)
    vx_send_json(req, 200, report, NULL);
  else
    vx_send_werr(req, &err);
}
