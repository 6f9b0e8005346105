/*
 * test_ui.c - the web UI's assets as vexild serves them (daemon/http_ui.c,
 * daemon/ui_embed.py): / is index.html, /ui/{path} each embedded file
 * with its Content-Type and ETag, 304 on If-None-Match, the JSON 404 for
 * anything else, and every module the page loads is embedded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "http_ui.h"
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

static void get(const char *path, const char *const *headers, vxh_resp *r) {
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "GET", path, NULL, NULL, headers, r),
                        0);
}

static void test_root_serves_index_html_without_a_token(void) {
  vxh_resp r;
  get("/", NULL, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  char h[512];
  CU_ASSERT_STRING_EQUAL(vxh_header(&r, "Content-Type", h, sizeof h),
                         "text/html; charset=utf-8");
  CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "<script type=\"module\" "
                                        "src=\"/ui/js/main.js\"></script>"));
  const vx_ui_asset *a = vx_ui_find("index.html");
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_EQUAL(r.len, a->len);
  CU_ASSERT_STRING_EQUAL(vxh_header(&r, "ETag", h, sizeof h), a->etag);
  CU_ASSERT_STRING_EQUAL(vxh_header(&r, "Cache-Control", h, sizeof h),
                         "no-cache");
  /* Only the daemon's own origin: no CDN, no inline script. */
  const char *csp = vxh_header(&r, "Content-Security-Policy", h, sizeof h);
  CU_ASSERT_PTR_NOT_NULL_FATAL(csp);
  CU_ASSERT_PTR_NOT_NULL(strstr(csp, "script-src 'self';"));
  CU_ASSERT_PTR_NOT_NULL(strstr(csp, "connect-src 'self';"));
  vxh_resp_free(&r);
}

static void test_every_embedded_asset_is_served_as_is_with_its_type(void) {
  CU_ASSERT_TRUE_FATAL(vx_ui_n_assets >= 5);
  for (size_t i = 0; i < vx_ui_n_assets; i++) {
    const vx_ui_asset *a = &vx_ui_assets[i];
    char path[300], h[256];
    snprintf(path, sizeof path, "/ui/%s", a->path);
    vxh_resp r;
    get(path, NULL, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_EQUAL(r.len, a->len);
    CU_ASSERT_TRUE(r.len == a->len && memcmp(r.body, a->data, a->len) == 0);
    const char *ct = vxh_header(&r, "Content-Type", h, sizeof h);
    CU_ASSERT_TRUE(ct != NULL && strcmp(ct, a->content_type) == 0);
    CU_ASSERT_STRING_EQUAL(
        vxh_header(&r, "X-Content-Type-Options", h, sizeof h), "nosniff");
    const char *ext = strrchr(a->path, '.');
    if (ext != NULL && strcmp(ext, ".js") == 0)
      CU_ASSERT_STRING_EQUAL(a->content_type, "text/javascript; charset=utf-8");
    if (ext != NULL && strcmp(ext, ".css") == 0)
      CU_ASSERT_STRING_EQUAL(a->content_type, "text/css; charset=utf-8");
    if (ext != NULL && strcmp(ext, ".svg") == 0)
      CU_ASSERT_STRING_EQUAL(a->content_type, "image/svg+xml");
    vxh_resp_free(&r);
  }
}

static void test_a_known_etag_gives_304_without_a_body(void) {
  const vx_ui_asset *a = vx_ui_find("js/api.js");
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  char inm[128];
  snprintf(inm, sizeof inm, "If-None-Match: %s", a->etag);
  const char *headers[] = {inm, NULL};
  vxh_resp r;
  get("/ui/js/api.js", headers, &r);
  CU_ASSERT_EQUAL(r.status, 304);
  CU_ASSERT_EQUAL(r.len, 0);
  vxh_resp_free(&r);
  const char *stale[] = {"If-None-Match: \"0000000000000000\"", NULL};
  get("/ui/js/api.js", stale, &r);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_EQUAL(r.len, a->len);
  vxh_resp_free(&r);
}

static void test_etags_differ_between_assets(void) {
  for (size_t i = 1; i < vx_ui_n_assets; i++)
    CU_ASSERT_STRING_NOT_EQUAL(vx_ui_assets[i].etag, vx_ui_assets[i - 1].etag);
}

static void test_unknown_paths_get_the_json_404(void) {
  const char *paths[] = {
      "/ui/nope.js", "/ui/",        "/ui/js", "/ui/../index.html",
      "/ui/js/",     "/index.html", "/nope",  "/nope/deeper"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    vxh_resp r;
    get(paths[i], NULL, &r);
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                           "NOT_FOUND");
    vxh_resp_free(&r);
  }
}

static void test_ui_routes_answer_only_get(void) {
  const char *paths[] = {"/", "/ui/style.css"};
  for (size_t i = 0; i < 2; i++) {
    vxh_resp r;
    CU_ASSERT_EQUAL_FATAL(
        vxh_request(&d, "POST", paths[i], NULL, "{}", NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 405);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                           "METHOD_NOT_ALLOWED");
    vxh_resp_free(&r);
  }
}

/* Every "/ui/..." the page names, and every relative import of every
 * module (static, or import('./x.js') of a view loaded later), is an
 * embedded asset: a file missing from daemon/ui/meson.build
 * fails here rather than in a browser. */
static void check_refs(const char *text, const char *prefix, char end,
                       const char *dir, const char *from) {
  size_t plen = strlen(prefix);
  for (const char *p = strstr(text, prefix); p != NULL;
       p = strstr(p + 1, prefix)) {
    const char *start = p + plen;
    const char *stop = strchr(start, end);
    if (stop == NULL)
      break;
    char path[256];
    snprintf(path, sizeof path, "%s%.*s", dir, (int)(stop - start), start);
    if (vx_ui_find(path) == NULL)
      fprintf(stderr, "%s refers to %s, which is not embedded\n", from, path);
    CU_ASSERT_PTR_NOT_NULL(vx_ui_find(path));
  }
}

static void test_every_asset_the_page_loads_is_embedded(void) {
  const vx_ui_asset *index = vx_ui_find("index.html");
  CU_ASSERT_PTR_NOT_NULL_FATAL(index);
  check_refs(index->data, "\"/ui/", '"', "", "index.html");
  int modules = 0;
  for (size_t i = 0; i < vx_ui_n_assets; i++) {
    const vx_ui_asset *a = &vx_ui_assets[i];
    if (strncmp(a->path, "js/", 3) != 0)
      continue;
    modules++;
    check_refs(a->data, "from './", '\'', "js/", a->path);
    check_refs(a->data, "import('./", '\'', "js/", a->path);
  }
  CU_ASSERT_TRUE(modules >= 10); /* modules with one purpose each */
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_root_serves_index_html_without_a_token),
      VX_TEST(test_every_embedded_asset_is_served_as_is_with_its_type),
      VX_TEST(test_a_known_etag_gives_304_without_a_body),
      VX_TEST(test_etags_differ_between_assets),
      VX_TEST(test_unknown_paths_get_the_json_404),
      VX_TEST(test_ui_routes_answer_only_get),
      VX_TEST(test_every_asset_the_page_loads_is_embedded),
      {NULL, NULL}};
  return vx_test_main("http/ui", tests, suite_init, suite_cleanup);
}
