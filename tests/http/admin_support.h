/*
 * admin_support.h - helpers of the admin API tests (test_admin*.c) over
 * harness.h: one daemon per program, requests with the admin token,
 * assertions on error bodies.
 */
#ifndef VX_ADMIN_SUPPORT_H
#define VX_ADMIN_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "harness.h"

/* The daemon of the running test program (started by adm_suite_init). */
extern vxh_daemon adm_d;

/* CUnit suite init/cleanup: start and stop adm_d. */
int adm_suite_init(void);
int adm_suite_cleanup(void);

/* A request with the admin token; asserts the status; returns the JSON
 * body (a new reference) or NULL. body may be NULL. */
json_t *adm(const char *method, const char *path, const char *body,
            long status);

/* Like adm, with printf-formatted body (NULL fmt: no body). */
json_t *admf(const char *method, const char *path, long status, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));

/* A request with token (NULL: none) and extra headers; asserts status,
 * "code" and, when field is not NULL, "field". Returns the JSON body (new
 * reference) or NULL. */
json_t *adm_err(const char *method, const char *path, const char *token,
                const char *body, const char *const *headers, long status,
                const char *code, const char *field);

/* Creates flag key (201) and returns its document. */
json_t *adm_create_flag(const char *key);

/* The string or integer at a JSON path such as "environments.production.
 * enabled" (object members separated by '.', array items as [i]). NULL
 * when absent. Borrowed. */
json_t *adm_at(const json_t *j, const char *path);
const char *adm_str(const json_t *j, const char *path);
long long adm_int(const json_t *j, const char *path);

/* Counts the audit entries of flag (all pages). */
int adm_audit_count(const char *flag);

/* POST /api/v1/evaluate/{flag}?environment=env with the admin token and an
 * empty context: 1 enabled, 0 disabled, -1 on any other answer. */
int adm_evaluate(const char *flag, const char *env);

#endif
