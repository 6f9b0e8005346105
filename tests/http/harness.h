/*
 * harness.h - HTTP tests drive a real vexild, as a user would: a fresh
 * temporary data folder, an ephemeral loopback port, the built binary and
 * plugins, VEXIL_ADMIN_TOKEN set; requests through libcurl.
 *
 * Environment (set by tests/http/meson.build): VX_VEXILD (the binary),
 * VX_PLUGIN_DIR (the built-in plugins).
 */
#ifndef VX_HTTP_HARNESS_H
#define VX_HTTP_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VXH_ADMIN_TOKEN "test-admin-token-0123456789abcdef"

typedef struct vxh_daemon {
  pid_t pid;
  int port;
  char dir[256];      /* temporary data folder (removed by vxh_stop) */
  char base[64];      /* "http://127.0.0.1:PORT" */
  char log_path[300]; /* the daemon's stderr */
  /* VEXIL_ADMIN_TOKEN for the next (re)start; NULL: VXH_ADMIN_TOKEN. Set
   * it after vxh_start, before vxh_restart. */
  const char *admin_token;
} vxh_daemon;

/* Starts vexild with its data in a new temporary folder and extra
 * command-line arguments (NULL-terminated, may be empty), waits until
 * /readyz answers 200 (at most 10 s). Returns 0, or -1 after printing the
 * daemon's log. */
int vxh_start(vxh_daemon *d, const char *const *extra_args);
/* Starts again on the same folder (after vxh_kill), same port if free. */
int vxh_restart(vxh_daemon *d, const char *const *extra_args);
/* SIGTERM, waits; returns the exit status (0 expected). Keeps the folder
 * when keep_dir, else removes it. */
int vxh_stop(vxh_daemon *d, bool keep_dir);
/* SIGKILL, waits. Keeps the folder. */
void vxh_kill(vxh_daemon *d);

typedef struct vxh_resp {
  long status;
  char *body; /* NUL-terminated, owned */
  size_t len;
  json_t *json;  /* parsed body when it is JSON, else NULL */
  char *headers; /* raw response headers, owned */
} vxh_resp;

/* One request. token: NULL for none, else sent as X-API-Key. body: NULL
 * for none. extra_headers: NULL-terminated "Name: value" strings or NULL.
 * Returns 0 when an answer came (whatever its status), -1 otherwise. */
int vxh_request(const vxh_daemon *d, const char *method, const char *path,
                const char *token, const char *body,
                const char *const *extra_headers, vxh_resp *out);
void vxh_resp_free(vxh_resp *r);

/* The value of a response header (case-insensitive name) copied into
 * buf, or NULL. */
const char *vxh_header(const vxh_resp *r, const char *name, char *buf,
                       size_t len);

/* Shorthands with the admin token: they assert the status (CUnit) and
 * return the parsed JSON (a new reference) or NULL. */
json_t *vxh_admin(const vxh_daemon *d, const char *method, const char *path,
                  const char *body, long expect_status);

/* The number of lines of the daemon's log that contain needle. */
int vxh_log_count(const vxh_daemon *d, const char *needle);

/* Copies file src to dst: in place (same inode, as a careless `cp` does),
 * or when by_rename through dst.new renamed over dst (as install(1)
 * does). Returns 0 or -1. */
int vxh_copy_file(const char *src, const char *dst, bool by_rename);

/* An Unleash state of n flags PREFIX-0000, PREFIX-0001... (enabled, no
 * strategy) with 4,000-byte descriptions: about 4.1 kB a flag, so 400 are
 * over 1.6 MB. Returns a malloc'ed string (free it), or NULL. */
char *vxh_big_unleash_state(const char *prefix, int n);

/* A raw TCP connection to the daemon, for what libcurl cannot show:
 * event streams read as they arrive, malformed requests, keep-alive. */
typedef struct vxh_raw {
  int fd;
  char *buf; /* everything received, NUL-terminated */
  size_t len, cap;
  size_t pos; /* where the next vxh_raw_wait starts searching */
} vxh_raw;

/* Connects to the daemon's port. Returns 0 or -1. */
int vxh_raw_open(const vxh_daemon *d, vxh_raw *r);
/* Sends s (all of it). Returns 0 or -1. */
int vxh_raw_send(vxh_raw *r, const char *s, size_t len);
/* Reads until needle appears at or after r->pos (then r->pos moves past
 * it) or timeout_ms pass. Returns a pointer to the match in r->buf (valid
 * until the next read), or NULL on timeout or when the peer closed. */
const char *vxh_raw_wait(vxh_raw *r, const char *needle, int timeout_ms);
/* Reads until the peer closes or timeout_ms pass: 1 closed, 0 not. */
int vxh_raw_wait_closed(vxh_raw *r, int timeout_ms);
void vxh_raw_close(vxh_raw *r);

#endif
