/*
 * time_window.c - the "timeWindow" strategy: on between two times of day,
 * optionally on given weekdays only, in a named time zone.
 *
 *   start     "HH:MM" (or "HH:MM:SS"), 24-hour, local time in timeZone:
 *             the window opens (inclusive).
 *   end       "HH:MM" (or "HH:MM:SS"): the window closes (exclusive). An
 *             end before the start crosses midnight: 22:00-02:00 is on
 *             from 22:00 until 02:00 the next morning.
 *   weekdays  optional list of mon, tue, wed, thu, fri, sat, sun (or the
 *             full English names, any case): the days a window may open
 *             on. A window that crosses midnight belongs to the day it
 *             opened: "fri" with 22:00-02:00 is on Friday 23:00 and
 *             Saturday 01:00, not Saturday 23:00. Missing or empty: every
 *             day.
 *   timeZone  optional IANA zone name (Europe/Paris); default UTC. Read
 *             from the system's tz database at compile time (vx_tz_load),
 *             so evaluate finds the offset with a binary search: no
 *             setenv, no tzset, no lock, no allocation.
 *
 * The time is the context's currentTime when given (as Unleash's
 * currentTime overrides now; a currentTime that is not a date is off),
 * else the host's clock.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "timeWindow"

typedef struct instance {
  const vx_host_api *host;
  int32_t start, end; /* seconds after local midnight, start != end */
  unsigned days;      /* bit d (0 Sunday .. 6 Saturday): may open that day */
  vx_tz *tz;
} instance;

static const vx_param_def params_table[] = {
    {"start", VX_PARAM_STRING, 1,
     "Time of day the window opens, HH:MM in 24-hour local time, e.g. "
     "09:00."},
    {"end", VX_PARAM_STRING, 1,
     "Time of day the window closes (not included), HH:MM; an end before "
     "the start crosses midnight, e.g. 22:00 to 02:00."},
    {"weekdays", VX_PARAM_LIST, 0,
     "Days the window opens on, e.g. \"mon, tue, wed, thu, fri\"; empty "
     "means every day. A window crossing midnight belongs to the day it "
     "opened."},
    {"timeZone", VX_PARAM_STRING, 0,
     "IANA time zone the times are in, e.g. Europe/Paris or "
     "America/New_York; default UTC."},
};

static int tw_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state,
                      BUILTIN_NEEDS_CONTEXT | BUILTIN_NEEDS_TIME);
}

/* "HH:MM" or "HH:MM:SS" -> seconds after midnight. */
static int parse_time_of_day(const char *s, int32_t *out) {
  size_t n;
  const char *t = vx_trim_space(s, strlen(s), &n);
  int h, m, sec = 0;
  if ((n != 5 && n != 8) || t[2] != ':' || (n == 8 && t[5] != ':'))
    return -1;
  for (size_t i = 0; i < n; i++)
    if (i % 3 != 2 && (t[i] < '0' || t[i] > '9'))
      return -1;
  h = (t[0] - '0') * 10 + (t[1] - '0');
  m = (t[3] - '0') * 10 + (t[4] - '0');
  if (n == 8)
    sec = (t[6] - '0') * 10 + (t[7] - '0');
  if (h > 23 || m > 59 || sec > 59)
    return -1;
  *out = h * 3600 + m * 60 + sec;
  return 0;
}

/* A weekday name -> 0 (Sunday) .. 6, or -1. */
static int weekday_of(const char *s, size_t len) {
  static const char *const names[7] = {"sunday",    "monday",   "tuesday",
                                       "wednesday", "thursday", "friday",
                                       "saturday"};
  char low[16];
  if (len < 3 || len >= sizeof low)
    return -1;
  for (size_t i = 0; i < len; i++)
    low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
  low[len] = '\0';
  for (int d = 0; d < 7; d++)
    if ((len == 3 && strncmp(low, names[d], 3) == 0) ||
        strcmp(low, names[d]) == 0)
      return d;
  return -1;
}

static int tw_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  (void)flag;
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");
  const char *start = vx_param_find(params, n_params, "start");
  const char *end = vx_param_find(params, n_params, "end");
  const char *weekdays = vx_param_find(params, n_params, "weekdays");
  const char *zone = vx_param_find(params, n_params, "timeZone");
  int32_t s, e;
  if (start == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter start");
  if (end == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter end");
  if (parse_time_of_day(start, &s) != 0)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "start must be HH:MM (00:00 to 23:59), got \"%.32s\"",
                        start);
  if (parse_time_of_day(end, &e) != 0)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "end must be HH:MM (00:00 to 23:59), got \"%.32s\"",
                        end);
  if (s == e)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "start and end are both %.8s: the window would be "
                        "empty",
                        start);
  unsigned days = 0x7f;
  if (weekdays != NULL) {
    vx_strset *set;
    int rc = vx_strset_from_csv(weekdays, &set);
    if (rc != 0)
      return builtin_fail(errbuf, errlen, rc, "weekdays: %s", vx_strerror(rc));
    if (vx_strset_count(set) > 0)
      days = 0;
    for (size_t i = 0; i < vx_strset_count(set); i++) {
      size_t len;
      const char *item = vx_strset_item(set, i, &len);
      int d = weekday_of(item, len);
      if (d < 0) {
        builtin_fail(errbuf, errlen, VX_EINVAL,
                     "weekdays: \"%.*s\" is not a day (mon, tue, wed, thu, "
                     "fri, sat, sun)",
                     (int)(len > 32 ? 32 : len), item);
        vx_strset_free(set);
        return VX_EINVAL;
      }
      days |= 1u << d;
    }
    vx_strset_free(set);
  }
  instance *in = m->host->alloc(sizeof *in);
  if (in == NULL)
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  in->host = m->host;
  in->start = s;
  in->end = e;
  in->days = days;
  in->tz = NULL;
  if (zone != NULL && zone[0] != '\0') {
    char why[256] = "";
    int rc = vx_tz_load(zone, &in->tz, why, sizeof why);
    if (rc != 0) {
      m->host->free(in);
      return builtin_fail(errbuf, errlen, rc == VX_ENOMEM ? rc : VX_EINVAL,
                          "timeZone: %s", why);
    }
  }
  *out = in;
  return VX_OK;
}

static int tw_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  int64_t now;
  if (!builtin_eval_time(in->host, ctx, &now))
    return 0;
  vx_civil c;
  vx_civil_from_ms(now, vx_tz_offset(in->tz, now), &c);
  int32_t t = c.hour * 3600 + c.minute * 60 + c.second;
  if (in->start < in->end)
    return t >= in->start && t < in->end && (in->days >> c.weekday & 1u);
  if (t >= in->start) /* the evening part: opened today */
    return (in->days >> c.weekday & 1u) != 0;
  if (t < in->end) /* the morning part: opened yesterday */
    return (in->days >> ((c.weekday + 6) % 7) & 1u) != 0;
  return 0;
}

static void tw_free_instance(void *module_state, void *inst) {
  (void)module_state;
  instance *in = inst;
  if (in == NULL)
    return;
  vx_tz_free(in->tz);
  in->host->free(in);
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On between two times of day, on chosen weekdays, in a "
                   "named time zone.",
    .kind = VX_KIND_TARGETING,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = tw_init,
    .fini = builtin_fini,
    .compile = tw_compile,
    .evaluate = tw_evaluate,
    .free_instance = tw_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
