/*
 * log.h - the daemon's log: one line per event on stderr, with a level.
 */
#ifndef VX_LOG_H
#define VX_LOG_H

#include <stdarg.h>

#include <vexil/strategy.h> /* vx_log_level */

/* Lines below this level are dropped. Default VX_LOG_INFO. */
void vx_log_set_level(vx_log_level level);
vx_log_level vx_log_get_level(void);

/* A sink receives each formatted line (without a newline) instead of
 * stderr; NULL restores stderr. Used by tests to read what was logged. */
typedef void (*vx_log_sink)(vx_log_level level, const char *line, void *arg);
void vx_log_set_sink(vx_log_sink sink, void *arg);

/* Writes "LEVEL message" as one line. Thread-safe. */
void vx_log(vx_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vx_logv(vx_log_level level, const char *fmt, va_list ap);

/* "debug", "info", "warn", "error". */
const char *vx_log_level_name(vx_log_level level);

#endif
