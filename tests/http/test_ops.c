/*
 * test_ops.c - /healthz, /readyz, /metrics, /api/v1/openapi.json
 * (daemon/http_ops.c, metrics.c) through a real vexild.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;
static int up;

static int suite_init(void) {
  up = vxh_start(&d, NULL) == 0;
  return up ? 0 : 1;
}

static int suite_cleanup(void) {
  return up && vxh_stop(&d, false) != 0;
}

static void get(const char *path, vxh_resp *r) {
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "GET", path, NULL, NULL, NULL, r), 0);
}

static void test_healthz_says_ok(void) {
  vxh_resp r;
  get("/healthz", &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "status")),
                         "ok");
  vxh_resp_free(&r);
}

static void test_readyz_is_200_once_loaded(void) {
  vxh_resp r;
  get("/readyz", &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "status")),
                         "ready");
  CU_ASSERT_TRUE(json_is_integer(json_object_get(r.json, "revision")));
  vxh_resp_free(&r);
}

static void test_ops_routes_need_no_token_and_only_get(void) {
  const char *paths[] = {"/healthz", "/readyz", "/metrics",
                         "/api/v1/openapi.json"};
  for (size_t i = 0; i < 4; i++) {
    vxh_resp r;
    CU_ASSERT_EQUAL_FATAL(
        vxh_request(&d, "POST", paths[i], NULL, "{}", NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 405);
    vxh_resp_free(&r);
  }
}

/* The value of the sample whose line starts with series, or -1. */
static double sample(const char *text, const char *series) {
  size_t n = strlen(series);
  for (const char *l = text; l != NULL && *l != '\0';) {
    if (strncmp(l, series, n) == 0 && l[n] == ' ')
      return atof(l + n + 1);
    l = strchr(l, '\n');
    if (l != NULL)
      l++;
  }
  return -1;
}

static void test_metrics_has_the_expected_series(void) {
  vxh_resp r;
  for (int i = 0; i < 3; i++) {
    get("/healthz", &r);
    vxh_resp_free(&r);
  }
  get("/no-such-path", &r);
  vxh_resp_free(&r);
  json_decref(vxh_admin(&d, "POST", "/api/v1/admin/flags",
                        "{\"key\": \"metrics-flag\"}", 201));

  get("/metrics", &r);
  CU_ASSERT_EQUAL_FATAL(r.status, 200);
  char ct[128];
  CU_ASSERT_PTR_NOT_NULL(vxh_header(&r, "Content-Type", ct, sizeof ct));
  CU_ASSERT_PTR_NOT_NULL(strstr(ct, "text/plain; version=0.0.4"));
  const char *t = r.body;
  CU_ASSERT_TRUE(
      sample(t,
             "vexil_http_requests_total{route=\"/healthz\",status=\"200\"}") >=
      3);
  CU_ASSERT_TRUE(sample(t, "vexil_http_requests_total{route=\"unmatched\","
                           "status=\"404\"}") >= 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE vexil_http_request_duration_seconds "
                                   "histogram"));
  CU_ASSERT_TRUE(sample(t, "vexil_http_request_duration_seconds_bucket{route="
                           "\"/healthz\",le=\"+Inf\"}") >= 3);
  CU_ASSERT_TRUE(sample(t, "vexil_http_request_duration_seconds_count{route="
                           "\"/healthz\"}") >= 3);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(t, "vexil_http_request_duration_seconds_sum{route=\"/healthz\"}"));
  CU_ASSERT_TRUE(sample(t, "vexil_revision") >= 1);
  CU_ASSERT_TRUE(sample(t, "vexil_plugins_loaded") >= 1);
  CU_ASSERT_EQUAL(sample(t, "vexil_open_streams"), 0);
  CU_ASSERT_EQUAL(sample(t, "vexil_evaluation_flags_overflow_total"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE vexil_evaluations_total counter"));
  vxh_resp_free(&r);
}

/* Evaluations are counted by flag and result (http_eval.c reports them
 * through vx_metrics_eval). */
static void test_metrics_count_evaluations_by_flag(void) {
  json_decref(vxh_admin(&d, "POST", "/api/v1/admin/flags",
                        "{\"key\": \"counted\"}", 201));
  json_decref(vxh_admin(
      &d, "POST", "/api/v1/admin/flags/counted/environments/production/on",
      NULL, 200));
  for (int i = 0; i < 2; i++) {
    vxh_resp r;
    CU_ASSERT_EQUAL_FATAL(
        vxh_request(&d, "POST", "/ofrep/v1/evaluate/flags/counted",
                    VXH_ADMIN_TOKEN, "{\"context\":{\"targetingKey\":\"u1\"}}",
                    NULL, &r),
        0);
    CU_ASSERT_EQUAL(r.status, 200);
    vxh_resp_free(&r);
  }
  vxh_resp r;
  get("/metrics", &r);
  CU_ASSERT_TRUE(sample(r.body, "vexil_evaluations_total{flag=\"counted\","
                                "result=\"true\"}") >= 2);
  vxh_resp_free(&r);
}

/* The OpenAPI document parses and names every endpoint of the wire. */
static void test_openapi_describes_every_endpoint(void) {
  vxh_resp r;
  get("/api/v1/openapi.json", &r);
  CU_ASSERT_EQUAL_FATAL(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
  const char *v = json_string_value(json_object_get(r.json, "openapi"));
  CU_ASSERT_TRUE(v != NULL && strncmp(v, "3.", 2) == 0);
  json_t *paths = json_object_get(r.json, "paths");
  CU_ASSERT_TRUE_FATAL(json_is_object(paths));
  const char *want[] = {
      "/ofrep/v1/evaluate/flags/{key}",
      "/ofrep/v1/evaluate/flags",
      "/api/v1/evaluate/{flag}",
      "/api/v1/evaluate",
      "/api/v1/stream",
      "/healthz",
      "/readyz",
      "/metrics",
      "/api/v1/openapi.json",
      "/api/v1/admin/flags",
      "/api/v1/admin/flags/{key}",
      "/api/v1/admin/flags/{key}/environments/{env}/strategies",
      "/api/v1/admin/flags/{key}/environments/{env}/variants",
      "/api/v1/admin/flags/{key}/environments/{env}/dependencies",
      "/api/v1/admin/environments",
      "/api/v1/admin/segments",
      "/api/v1/admin/tokens",
      "/api/v1/admin/audit",
      "/api/v1/admin/audit/{id}/revert",
      "/api/v1/admin/export",
      "/api/v1/admin/import",
      "/api/v1/admin/strategies",
      "/api/v1/admin/plugins/reload",
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    if (json_object_get(paths, want[i]) == NULL)
      fprintf(stderr, "openapi.json lacks %s\n", want[i]);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(paths, want[i]));
  }
  /* Every operation has responses; every $ref points into components. */
  const char *p;
  json_t *item;
  json_object_foreach(paths, p, item) {
    const char *m;
    json_t *op;
    json_object_foreach(item, m, op) {
      if (strcmp(m, "parameters") == 0)
        continue;
      if (!json_is_object(json_object_get(op, "responses")))
        fprintf(stderr, "openapi.json: %s %s has no responses\n", m, p);
      CU_ASSERT_TRUE(json_is_object(json_object_get(op, "responses")));
    }
  }
  char *all = json_dumps(r.json, 0);
  json_t *components = json_object_get(r.json, "components");
  for (const char *s = strstr(all, "\"$ref\": \"#/components/"); s != NULL;
       s = strstr(s + 1, "\"$ref\": \"#/components/")) {
    char kind[32], name[128];
    if (sscanf(s, "\"$ref\": \"#/components/%31[^/]/%127[^\"]\"", kind, name) !=
        2) {
      CU_FAIL("a malformed $ref");
      continue;
    }
    json_t *target = json_object_get(json_object_get(components, kind), name);
    if (target == NULL)
      fprintf(stderr, "openapi.json: dangling $ref %s/%s\n", kind, name);
    CU_ASSERT_PTR_NOT_NULL(target);
  }
  free(all);
  vxh_resp_free(&r);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_healthz_says_ok),
      VX_TEST(test_readyz_is_200_once_loaded),
      VX_TEST(test_ops_routes_need_no_token_and_only_get),
      VX_TEST(test_metrics_has_the_expected_series),
      VX_TEST(test_metrics_count_evaluations_by_flag),
      VX_TEST(test_openapi_describes_every_endpoint),
      {NULL, NULL}};
  return vx_test_main("http/ops", tests, suite_init, suite_cleanup);
}
