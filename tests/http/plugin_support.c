/* plugin_support.c - see plugin_support.h. */
#include "plugin_support.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char folder[64];

const char *vxp_dir(void) {
  if (folder[0] == '\0') {
    snprintf(folder, sizeof folder, "/tmp/vx-plugins-XXXXXX");
    if (mkdtemp(folder) == NULL)
      folder[0] = '\0';
  }
  return folder;
}

void vxp_put(const char *fixture_dir, const char *name, const char *as,
             bool by_rename) {
  char src[512], dst[512];
  CU_ASSERT_NOT_EQUAL_FATAL(vxp_dir()[0], '\0');
  snprintf(src, sizeof src, "%s/%s.so", fixture_dir, name);
  snprintf(dst, sizeof dst, "%s/%s", folder, as);
  CU_ASSERT_EQUAL_FATAL(vxh_copy_file(src, dst, by_rename), 0);
}

void vxp_stop(vxh_daemon *d) {
  CU_ASSERT_EQUAL(vxh_stop(d, false), 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", folder);
  CU_ASSERT_EQUAL(system(cmd), 0);
  folder[0] = '\0';
}

void vxp_create_flag(const vxh_daemon *d, const char *key, const char *strategy,
                     const char *params) {
  char body[1024];
  snprintf(body, sizeof body,
           "{\"key\": \"%s\", \"environments\": {\"production\": "
           "{\"enabled\": true, \"strategies\": [{\"name\": \"%s\", "
           "\"parameters\": %s}]}}}",
           key, strategy, params);
  json_decref(vxh_admin(d, "POST", "/api/v1/admin/flags", body, 201));
}

int vxp_enabled(const vxh_daemon *d, const char *flag, const char *user,
                char *reason) {
  char path[256], body[256];
  snprintf(path, sizeof path, "/api/v1/evaluate/%s", flag);
  snprintf(body, sizeof body, "{\"context\": {\"userId\": \"%s\"}}", user);
  if (reason != NULL)
    reason[0] = '\0';
  vxh_resp r;
  if (vxh_request(d, "POST", path, VXH_ADMIN_TOKEN, body, NULL, &r) != 0)
    return -1;
  int v = -1;
  if (r.status == 200 && json_is_boolean(json_object_get(r.json, "enabled")))
    v = json_is_true(json_object_get(r.json, "enabled"));
  if (reason != NULL)
    snprintf(reason, 32, "%s",
             json_string_value(json_object_get(r.json, "reason")) ?: "");
  vxh_resp_free(&r);
  return v;
}

json_t *vxp_reload(const vxh_daemon *d) {
  return vxh_admin(d, "POST", "/api/v1/admin/plugins/reload", NULL, 200);
}
