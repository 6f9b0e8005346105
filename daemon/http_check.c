/*
 * http_check.c - headers, path and framing of a request, before routing
 * (see http_check.h).
 */
#include "http_check.h"

#include <string.h>
#include <strings.h>

void vx_http_index_headers(vx_req *req) {
  const struct mg_request_info *ri = req->info;
  for (int i = 0; i < ri->num_headers; i++) {
    const char *name = ri->http_headers[i].name;
    /* The names have different lengths: one comparison each. */
    const char *want;
    const char **slot;
    bool framing = false;
    switch (strlen(name)) {
    case 6:
      want = "Expect", slot = &req->h_expect;
      break;
    case 9:
      want = "X-API-Key", slot = &req->h_api_key;
      break;
    case 10:
      want = "Connection", slot = &req->h_connection;
      break;
    case 13:
      want = "Authorization", slot = &req->h_authorization;
      break;
    case 14:
      want = "Content-Length", slot = &req->h_content_length, framing = true;
      break;
    case 17:
      want = "Transfer-Encoding", slot = &req->h_transfer_encoding;
      framing = true;
      break;
    default:
      continue;
    }
    if (strcasecmp(name, want) != 0)
      continue;
    if (*slot == NULL)
      *slot = ri->http_headers[i].value;
    else if (framing)
      req->framing_repeated = true;
  }
}

static int hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes path's %-escapes in place, as civetweb's decode_url would,
 * but refuses what it would let through: a malformed escape, and one that
 * decodes to a control character (%00 ended the path). */
static int decode_path(vx_req *req, char *path) {
  char *first = strchr(path, '%');
  if (first == NULL)
    return 1;
  /* Checked first, so that a refused path is logged as it came. */
  for (const char *in = first; *in != '\0'; in++) {
    if (*in != '%')
      continue;
    int hi = hex(in[1]), lo = hi < 0 ? -1 : hex(in[2]);
    if (lo < 0) {
      vx_send_transport_error(req, 400, "INVALID_PATH",
                              "the path has a malformed %%-escape: %%%.2s",
                              in + 1);
      return 0;
    }
    unsigned char c = (unsigned char)(hi << 4 | lo);
    if (c < 0x20 || c == 0x7f) {
      vx_send_transport_error(req, 400, "INVALID_PATH",
                              "the path decodes to a control character "
                              "(%%%02X)",
                              c);
      return 0;
    }
    in += 2;
  }
  char *out = first;
  for (const char *in = first; *in != '\0';) {
    if (*in == '%') {
      *out++ = (char)(hex(in[1]) << 4 | hex(in[2]));
      in += 3;
    } else {
      *out++ = *in++;
    }
  }
  *out = '\0';
  return 1;
}

/* 1 when civetweb read every header line of the head. It parses them in
 * place, ending each value with a NUL (two for "\r\n"), and stops without
 * a word at a line it cannot read (an obsolete folded line, which begins
 * with a space) or after MG_MAX_HEADERS: then the last value it kept is
 * followed by more than the blank line that ends the head. */
static bool every_header_read(const struct mg_request_info *ri) {
  if (ri->num_headers == 0)
    return true;
  const char *v = ri->http_headers[ri->num_headers - 1].value;
  const char *p = v + strlen(v) + 1;
  if (*p == '\0')
    p++;
  return *p == '\r' || *p == '\n';
}

/* 1 when s is 1 to 18 digits, maybe followed by spaces (every request
 * with a body comes here: no strspn). */
static bool is_length(const char *s) {
  size_t n = 0;
  while (s[n] >= '0' && s[n] <= '9')
    n++;
  if (n == 0 || n > 18)
    return false;
  while (s[n] == ' ')
    n++;
  return s[n] == '\0';
}

int vx_http_check_request(vx_req *req, char *path) {
  if (!decode_path(req, path))
    return 0;
  const char *te = req->h_transfer_encoding, *cl = req->h_content_length;
  const char *why = NULL;
  if (!every_header_read(req->info)) {
    if (req->info->num_headers == MG_MAX_HEADERS) {
      vx_send_transport_error(req, 431, "HEADERS_TOO_LARGE",
                              "more than %d header lines", MG_MAX_HEADERS);
      return 0;
    }
    why = "a header line could not be read (a folded line?)";
  } else if (req->framing_repeated) {
    why = "Content-Length or Transfer-Encoding is given more than once";
  } else if (te != NULL && cl != NULL) {
    why = "both Content-Length and Transfer-Encoding are given";
  } else if (te != NULL && strcasecmp(te, "chunked") != 0) {
    why = "the only Transfer-Encoding accepted is chunked";
  } else if (cl != NULL && !is_length(cl)) {
    why = "Content-Length must be a number";
  }
  if (why == NULL) {
    /* civetweb reads a chunk-size line with strtoul: "zz" is taken as the
     * last chunk, and what follows would be read as the next request. So
     * a chunked request's connection ends with its answer: its framing
     * can never leave the connection out of step with a proxy in front. */
    if (te != NULL)
      req->close_after = true;
    return 1;
  }
  vx_send_transport_error(req, 400, "INVALID_FRAMING", "%s", why);
  return 0;
}
