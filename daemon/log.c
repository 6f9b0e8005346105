/* log.c - one line per event on stderr (or a test's sink), with a level. */
#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int log_level = VX_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static vx_log_sink log_sink;
static void *log_sink_arg;

void vx_log_set_level(vx_log_level level) {
  atomic_store(&log_level, (int)level);
}

vx_log_level vx_log_get_level(void) {
  return (vx_log_level)atomic_load(&log_level);
}

void vx_log_set_sink(vx_log_sink sink, void *arg) {
  pthread_mutex_lock(&log_lock);
  log_sink = sink;
  log_sink_arg = arg;
  pthread_mutex_unlock(&log_lock);
}

const char *vx_log_level_name(vx_log_level level) {
  switch (level) {
  case VX_LOG_DEBUG:
    return "debug";
  case VX_LOG_INFO:
    return "info";
  case VX_LOG_WARN:
    return "warn";
  case VX_LOG_ERROR:
    return "error";
  }
  return "?";
}

void vx_logv(vx_log_level level, const char *fmt, va_list ap) {
  if ((int)level < atomic_load(&log_level))
    return;
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  /* One event, one line: fold any newline a message carries. */
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  pthread_mutex_lock(&log_lock);
  if (log_sink != NULL) {
    log_sink(level, msg, log_sink_arg);
  } else {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, ts.tv_nsec / 1000000, vx_log_level_name(level), msg);
  }
  pthread_mutex_unlock(&log_lock);
}

void vx_log(vx_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vx_logv(level, fmt, ap);
  va_end(ap);
}
