/*
 * bad_input.h - the bad-input matrix (test_bad_input.c): one table of
 * hostile or malformed requests (bad_input_cases.c), each sent on its own
 * connection to a real vexild, with the exact status and error code it
 * must get.
 *
 * Placeholders, expanded in path, headers, body and raw requests:
 *   @C@        the client token (production)
 *   @A@        the admin token
 *   @P@        the daemon's port
 *   @R<n>:<c>@ the character c repeated n times (@R300:e@)
 */
#ifndef VX_BAD_INPUT_H
#define VX_BAD_INPUT_H

#include <stddef.h>

/* A growing string (bodies can be megabytes). */
typedef struct bi_buf {
  char *s;
  size_t len, cap;
} bi_buf;

void bi_put(bi_buf *b, const void *data, size_t len);
void bi_puts(bi_buf *b, const char *s);
void bi_repeat(bi_buf *b, char c, size_t n);

typedef enum bi_token {
  BI_NONE = 0, /* no token */
  BI_CLIENT,   /* X-API-Key: the production client token */
  BI_ADMIN,    /* X-API-Key: the admin token */
  BI_WRONG     /* X-API-Key: a token that does not exist */
} bi_token;

typedef enum bi_framing {
  BI_LENGTH = 0, /* Content-Length (none without a body) */
  BI_CHUNKED,    /* Transfer-Encoding: chunked, 4 KiB chunks */
  BI_UNFRAMED,   /* the body follows the headers with no length at all */
  BI_RAW         /* body is the whole request, sent as it is */
} bi_framing;

/* What the answers must be. */
typedef enum bi_expect {
  BI_ONE = 0,   /* exactly one answer (after any 1xx): status and code */
  BI_PIPELINED, /* two answers on one connection, both `status` */
  BI_TRUNCATED, /* the client half-closes after part of the body */
  BI_CLOSED     /* the connection is closed without an answer */
} bi_expect;

typedef struct bi_case {
  const char *name;
  const char *method;
  const char *path;
  bi_token token;
  const char *headers; /* extra "Name: value\r\n" lines, or NULL */
  const char *body;    /* NULL: none, unless gen */
  /* Writes the body (or the raw request) instead of `body`. */
  void (*gen)(bi_buf *b, long arg);
  long arg;
  bi_framing framing;
  bi_expect expect;
  int status;       /* the exact status */
  const char *code; /* the exact "code" (native) or "errorCode" (OFREP);
                       NULL for a success, which has none */
} bi_case;

extern const bi_case bi_cases[];
extern const size_t bi_n_cases;

#endif
