/*
 * store_support.h - helpers of the store tests over HTTP
 * (test_store_mount.c, test_store_start.c), on admin_support.h's adm_d:
 * what /readyz and /metrics say of the store, and waiting for it.
 */
#ifndef VX_STORE_SUPPORT_H
#define VX_STORE_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>

/* GET /readyz (asserted 200): the whole body, a new reference. */
json_t *st_readyz(void);

/* /readyz's "store.writable", and "store.code" ("" while writable). */
bool st_writable(void);
const char *st_code(char *buf, size_t len);

/* Polls /readyz every 50 ms for at most ms until "store.writable" is
 * want. Returns whether it came. */
bool st_wait_writable(bool want, long ms);

/* The value of a metric line "name value" (name with its labels, as
 * written) in /metrics, or -1 when absent. */
double st_metric(const char *name);

/* The log of adm_d so far, malloc'ed (the caller frees it). */
char *st_log(void);

/* Writes text into path (replacing it). */
void st_write_file(const char *path, const char *text);

#endif
