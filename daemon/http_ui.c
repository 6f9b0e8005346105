/*
 * http_ui.c - serves the embedded web UI (see http_ui.h). The assets are
 * static arrays generated at build time; serving one is a lookup and one
 * write, with no allocation and no file system access.
 */
#include "http_ui.h"

#include <stdio.h>
#include <string.h>

#include "http.h"

const vx_ui_asset *vx_ui_find(const char *path) {
  /* A binary search: ui_embed.py sorts the table by path. */
  size_t lo = 0, hi = vx_ui_n_assets;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(path, vx_ui_assets[mid].path);
    if (c == 0)
      return &vx_ui_assets[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

/* True when an If-None-Match header lists etag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag) {
  if (inm == NULL)
    return false;
  if (strstr(inm, "*") != NULL)
    return true;
  size_t n = strlen(etag);
  for (const char *p = strstr(inm, etag); p != NULL; p = strstr(p + 1, etag))
    if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
      return true;
  return false;
}

/* Only the daemon's own origin: scripts, styles, fetches, images. */
#define VX_UI_CSP                                                              \
  "Content-Security-Policy: default-src 'none'; script-src 'self'; "           \
  "style-src 'self'; img-src 'self' data:; connect-src 'self'; "               \
  "font-src 'self'; form-action 'self'; base-uri 'none'; "                     \
  "frame-ancestors 'none'\r\n"

static void serve(vx_req *req, const char *path) {
  if (!vx_req_method(req, "GET"))
    return;
  const vx_ui_asset *a = vx_ui_find(path);
  if (a == NULL) {
    vx_send_error(req, 404, "NOT_FOUND", "no such path: %.200s", req->path);
    return;
  }
  bool html = strncmp(a->content_type, "text/html", 9) == 0;
  char headers[640];
  snprintf(headers, sizeof headers,
           "ETag: %s\r\nCache-Control: no-cache\r\n"
           "X-Content-Type-Options: nosniff\r\n"
           "Referrer-Policy: no-referrer\r\n%s",
           a->etag, html ? VX_UI_CSP : "");
  if (etag_matches(vx_req_header(req, "If-None-Match"), a->etag)) {
    vx_send_raw(req, 304, NULL, NULL, 0, headers);
    return;
  }
  vx_send_raw(req, 200, a->content_type, a->data, a->len, headers);
}

static void ui_index(vx_req *req) {
  serve(req, "index.html");
}

static void ui_asset(vx_req *req) {
  serve(req, req->rest);
}

void vx_http_routes_ui(vx_http *h) {
  vx_http_route(h, "/", "/", false, ui_index);
  vx_http_route(h, "/ui/", "/ui/{asset}", false, ui_asset);
}
