/*
 * http_admin_internal.h - what the http_admin*.c modules share: the
 * handler signature of the admin routing table and small helpers.
 * Not for other modules (the admin API's contract is http.h + the route
 * table at the top of http_admin.c).
 */
#ifndef VX_HTTP_ADMIN_INTERNAL_H
#define VX_HTTP_ADMIN_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

#define VX_ADMIN_PREFIX "/api/v1/admin/"

/* A handler of the admin table. arg[] holds the path's variable segments
 * in order ("flags/{key}/environments/{env}" -> arg[0] key, arg[1] env),
 * URL-decoded; they live until the handler returns. Method and admin
 * authentication were checked before the call. */
typedef void (*vx_admin_fn)(vx_req *req, char *const *arg);

/* The base revision of a write, for optimistic concurrency: the If-Match
 * header ("N", "\"N\"", "W/\"N\"" or "*"), else ?revision=N, else the body's
 * "revision" field (body may be NULL). *out = -1 when none is given.
 * Returns 1, or 0 after sending 400 for a malformed value. */
int vx_admin_base_revision(vx_req *req, const json_t *body, int64_t *out);

/* Parses a decimal integer >= min (no sign, no spaces). */
bool vx_admin_parse_int(const char *s, int64_t min, int64_t *out);

/* The id in a path segment (audit/{id}, tokens/{id}): 1 with *out, or 0
 * after sending 404 NOT_FOUND ("there is no WHAT SEG") for a segment that
 * is not a positive integer, or 400 VALIDATION_FAILED (field "id") for a
 * number beyond any id (over 2^63 - 1). */
int vx_admin_path_id(vx_req *req, const char *seg, const char *what,
                     int64_t *out);

/* Requires body to be a JSON object whose fields are all in allowed
 * (NULL-terminated; "revision" is always allowed). Returns 1, or 0 after
 * sending 400 INVALID_TYPE (not an object) or VALIDATION_FAILED naming
 * the unknown field. */
int vx_admin_check_fields(vx_req *req, const json_t *body,
                          const char *const *allowed);

/* Appends the URL-encoded form of s to "prefix" into buf (for Location
 * headers). */
void vx_admin_location(char *buf, size_t len, const char *prefix,
                       const char *s);

/* Sends an error with "field" (vx_send_error has none). */
void vx_admin_error(vx_req *req, int status, const char *code,
                    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The service names an invalid environment state as "environments.ENV"
 * with the message "ENV: strategies[N] (name): ...": narrow the field to
 * the strategy, then to its constraint ("strategies[N]: constraints[M]:")
 * and the constraint's member, or, when the message starts with one of its
 * parameters (or says "missing parameter P"), to that parameter, or to its
 * variants. "ENV: variants[...]" narrows to the flag's variants. doc is
 * the document that was sent. Only VALIDATION_FAILED is touched. */
void vx_admin_refine_field(vx_werr *e, const json_t *doc);

/* The "revision" of a flag document (of its last change). */
int64_t vx_admin_revision_of(const json_t *flag);

/* Sends body (steals it) with ETag: "revision", and a Location header when
 * location is not NULL. */
void vx_admin_send_etag(vx_req *req, int status, json_t *body, int64_t revision,
                        const char *location);
/* Sends a flag document (steals it) with its ETag; 201 adds Location. */
void vx_admin_send_flag(vx_req *req, int status, json_t *flag);
/* 404 NOT_FOUND for flag key. */
void vx_admin_flag_not_found(vx_req *req, const char *key);

/* ---- the flag write loop (http_admin_flags.c) */

/* Builds the change to send (a partial flag document, without "key") for
 * the current flag cur (NULL when the flag does not exist and the route
 * creates it). Returns 0 with *doc a new reference, or fills err. */
typedef int (*vx_admin_change_fn)(const json_t *cur, const void *ctx,
                                  json_t **doc, vx_werr *err);

typedef struct vx_admin_flag_write {
  const char *key;
  const char *env;    /* must exist in the flag when set (else 404) */
  const char *action; /* the audit entry's action */
  int64_t base;       /* the client's base revision, or -1 */
  bool create;        /* a missing flag is created (201) */
  bool archived_ok;   /* allowed on an archived flag (else 409) */
  int ok_status;      /* 200 or 201 */
  vx_admin_change_fn fn;
  const void *ctx;
} vx_admin_flag_write;

/* Reads the flag, checks base, builds the change, writes it with
 * if_revision = the revision read, and answers (the saved flag, or the
 * error). Retried when another write came between, so none is lost. */
void vx_admin_run_flag_write(vx_req *req, const vx_admin_flag_write *w);

/* What a write in one environment changes. */
typedef struct vx_admin_env_change {
  const char *env;     /* NULL: every environment (lists only) */
  bool enabled;        /* toggles */
  int64_t index;       /* a strategy's index, or -1 */
  const json_t *value; /* a strategy, a list, or the order */
  const char *field;   /* "variants" or "dependencies" */
} vx_admin_env_change;

/* vx_admin_run_flag_write on flag key in env (not archived). */
void vx_admin_env_write(vx_req *req, const char *key, const char *env,
                        const char *action, int64_t base, vx_admin_change_fn fn,
                        const vx_admin_env_change *c, int ok_status);

/* The state of env in flag (borrowed), or NULL. */
const json_t *vx_admin_state_of(const json_t *flag, const char *env);
/* {"environments": {env: {field: value}}} (steals value). */
json_t *vx_admin_env_patch(const char *env, const char *field, json_t *value);
/* Reads flag arg[0] and its state in environment arg[1]: the flag (a new
 * reference) and *state (borrowed from it), or NULL after sending 404. */
json_t *vx_admin_read_state(vx_req *req, char *const *arg,
                            const json_t **state);

/* ---- handlers (arg: the path's variable segments) */

/* http_admin_flags.c */
void vx_admin_flags(vx_req *req, char *const *arg);
void vx_admin_flag(vx_req *req, char *const *arg);
void vx_admin_archive(vx_req *req, char *const *arg);
void vx_admin_restore(vx_req *req, char *const *arg);
void vx_admin_state(vx_req *req, char *const *arg);
void vx_admin_enabled(vx_req *req, char *const *arg);
void vx_admin_on(vx_req *req, char *const *arg);
void vx_admin_off(vx_req *req, char *const *arg);
void vx_admin_variants(vx_req *req, char *const *arg);
void vx_admin_env_dependencies(vx_req *req, char *const *arg);
void vx_admin_flag_dependencies(vx_req *req, char *const *arg);

/* http_admin_strategies.c */
void vx_admin_flag_strategies(vx_req *req, char *const *arg);
void vx_admin_flag_strategy(vx_req *req, char *const *arg);
void vx_admin_strategy_order(vx_req *req, char *const *arg);

/* http_admin_explain.c */
void vx_admin_explain(vx_req *req, char *const *arg);

/* http_admin_misc.c */
void vx_admin_environments(vx_req *req, char *const *arg);
void vx_admin_environment(vx_req *req, char *const *arg);
void vx_admin_segments(vx_req *req, char *const *arg);
void vx_admin_segment(vx_req *req, char *const *arg);
void vx_admin_tokens(vx_req *req, char *const *arg);
void vx_admin_token(vx_req *req, char *const *arg);
void vx_admin_export(vx_req *req, char *const *arg);
void vx_admin_import(vx_req *req, char *const *arg);
void vx_admin_strategy_list(vx_req *req, char *const *arg);
void vx_admin_strategy_info(vx_req *req, char *const *arg);

/* POST plugins/reload (http_admin_plugins.c). */
void vx_admin_plugins_reload(vx_req *req, char *const *arg);

#endif
