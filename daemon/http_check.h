/*
 * http_check.h - what http.c's dispatch does to a request before a route
 * sees it: finds the headers it reads in one pass, decodes the path, and
 * refuses a request whose framing, headers or path are ambiguous (the
 * errors are listed in http.h).
 *
 * Why here and not in civetweb: Debian's civetweb 1.15 takes the first of
 * repeated Content-Length or Transfer-Encoding headers, prefers
 * Transfer-Encoding over Content-Length, treats "Transfer-Encoding:
 * identity" as absent, reads "Content-Length: 12abc" as 12, and stops
 * reading headers at an obsolete folded line or after 64 of them, without
 * a word. A proxy in front may read such a request differently (request
 * smuggling), so vexild refuses them. Its URL decoding turns %00 into the
 * end of the path, so vexild decodes the path itself (decode_url is off).
 */
#ifndef VX_HTTP_CHECK_H
#define VX_HTTP_CHECK_H

#include "http.h"

/* Fills req's h_* fields and framing_repeated from req->info, in one pass
 * over the headers; the first of a name wins, names compare without
 * case. */
void vx_http_index_headers(vx_req *req);

/* Decodes path's %-escapes in place (path is the request's own copy,
 * civetweb's local_uri) and checks the framing. Returns 1 when the request
 * may go to its route, or 0 after sending the error (the connection then
 * closes). */
int vx_http_check_request(vx_req *req, char *path);

#endif
