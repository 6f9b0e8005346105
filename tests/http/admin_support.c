/* admin_support.c - see admin_support.h. */
#include "admin_support.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vxh_daemon adm_d;

int adm_suite_init(void) {
  return vxh_start(&adm_d, NULL) == 0 ? 0 : -1;
}

int adm_suite_cleanup(void) {
  return vxh_stop(&adm_d, false) == 0 ? 0 : -1;
}

json_t *adm(const char *method, const char *path, const char *body,
            long status) {
  return vxh_admin(&adm_d, method, path, body, status);
}

json_t *admf(const char *method, const char *path, long status, const char *fmt,
             ...) {
  if (fmt == NULL)
    return adm(method, path, NULL, status);
  va_list ap;
  va_start(ap, fmt);
  char *body = NULL;
  if (vasprintf(&body, fmt, ap) < 0)
    body = NULL;
  va_end(ap);
  json_t *j = adm(method, path, body, status);
  free(body);
  return j;
}

json_t *adm_err(const char *method, const char *path, const char *token,
                const char *body, const char *const *headers, long status,
                const char *code, const char *field) {
  vxh_resp r;
  if (vxh_request(&adm_d, method, path, token, body, headers, &r) != 0) {
    CU_FAIL("no answer from vexild");
    return NULL;
  }
  const char *got_code = adm_str(r.json, "code");
  const char *got_field = adm_str(r.json, "field");
  bool ok =
      r.status == status && got_code != NULL && strcmp(got_code, code) == 0 &&
      (field == NULL || (got_field != NULL && strcmp(got_field, field) == 0));
  if (!ok)
    fprintf(stderr, "%s %s: expected %ld %s%s%s, got %ld: %s\n", method, path,
            status, code, field ? " field " : "", field ? field : "", r.status,
            r.body);
  CU_ASSERT_EQUAL(r.status, status);
  CU_ASSERT_PTR_NOT_NULL(got_code);
  if (got_code != NULL)
    CU_ASSERT_STRING_EQUAL(got_code, code);
  CU_ASSERT_PTR_NOT_NULL(adm_str(r.json, "message"));
  if (field != NULL) {
    CU_ASSERT_PTR_NOT_NULL(got_field);
    if (got_field != NULL)
      CU_ASSERT_STRING_EQUAL(got_field, field);
  }
  json_t *j = r.json;
  r.json = NULL;
  vxh_resp_free(&r);
  return j;
}

json_t *adm_create_flag(const char *key) {
  return admf("POST", "/api/v1/admin/flags", 201, "{\"key\": \"%s\"}", key);
}

json_t *adm_at(const json_t *j, const char *path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *cur = j;
  char *save = NULL;
  for (char *p = strtok_r(buf, ".", &save); p != NULL && cur != NULL;
       p = strtok_r(NULL, ".", &save)) {
    char *br = strchr(p, '[');
    if (br != NULL)
      *br = '\0';
    if (*p != '\0')
      cur = json_object_get(cur, p);
    while (br != NULL && cur != NULL) {
      size_t i = strtoul(br + 1, NULL, 10);
      cur = json_array_get(cur, i);
      br = strchr(br + 1, '[');
    }
  }
  return (json_t *)cur;
}

const char *adm_str(const json_t *j, const char *path) {
  return json_string_value(adm_at(j, path));
}

long long adm_int(const json_t *j, const char *path) {
  return json_integer_value(adm_at(j, path));
}

int adm_audit_count(const char *flag) {
  char path[512];
  snprintf(path, sizeof path, "/api/v1/admin/flags/%s/audit?limit=1000", flag);
  json_t *page = adm("GET", path, NULL, 200);
  int n = (int)json_array_size(json_object_get(page, "entries"));
  json_decref(page);
  return n;
}

int adm_evaluate(const char *flag, const char *env) {
  char path[512];
  snprintf(path, sizeof path, "/api/v1/evaluate/%s?environment=%s", flag, env);
  vxh_resp r;
  if (vxh_request(&adm_d, "POST", path, VXH_ADMIN_TOKEN, "{\"context\": {}}",
                  NULL, &r) != 0)
    return -1;
  int v = -1;
  if (r.status == 200 && json_is_boolean(json_object_get(r.json, "enabled")))
    v = json_is_true(json_object_get(r.json, "enabled"));
  else
    fprintf(stderr, "evaluate %s: %ld %s\n", flag, r.status, r.body);
  vxh_resp_free(&r);
  return v;
}
