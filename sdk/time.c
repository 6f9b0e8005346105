/*
 * time.c - ISO 8601 / RFC 3339 dates and date-times, and the wall clock.
 */
#include <vexil/sdk.h>

#include <time.h>

#define MS_PER_DAY 86400000LL

/* Exactly `count` decimal digits at s[*i]. */
static bool digits(const char *s, size_t n, size_t *i, int count, int *out) {
  int v = 0;
  if (n - *i < (size_t)count)
    return false;
  for (int k = 0; k < count; k++) {
    char c = s[*i + (size_t)k];
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  *i += (size_t)count;
  *out = v;
  return true;
}

/* s[*i] == c, then steps over it. */
static bool accept(const char *s, size_t n, size_t *i, char c) {
  if (*i < n && s[*i] == c) {
    (*i)++;
    return true;
  }
  return false;
}

static bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* H. Hinnant's days_from_civil. */
int64_t vx_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Z, +HH:mm, -HH:mm, +HHmm or -HHmm at s[*i]: the offset east of UTC in
 * minutes. Nothing there means UTC. */
static bool parse_offset(const char *s, size_t n, size_t *i, int *minutes) {
  int hh, mm, sign;
  *minutes = 0;
  if (*i == n || accept(s, n, i, 'Z') || accept(s, n, i, 'z'))
    return true;
  if (s[*i] != '+' && s[*i] != '-')
    return false;
  sign = s[(*i)++] == '-' ? -1 : 1;
  if (!digits(s, n, i, 2, &hh))
    return false;
  accept(s, n, i, ':');
  if (!digits(s, n, i, 2, &mm) || hh > 23 || mm > 59)
    return false;
  *minutes = sign * (hh * 60 + mm);
  return true;
}

int vx_time_parse(const char *s, size_t len, int64_t *ms_out) {
  int year, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  int offset = 0;
  size_t i = 0;
  if (ms_out == NULL || (s == NULL && len > 0))
    return VX_EINVAL;
  if (!digits(s, len, &i, 4, &year))
    return VX_EPARSE;
  if (accept(s, len, &i, '-')) {
    if (!digits(s, len, &i, 2, &month) || month < 1 || month > 12)
      return VX_EPARSE;
    if (accept(s, len, &i, '-') && (!digits(s, len, &i, 2, &day) || day < 1 ||
                                    day > days_in_month(year, month)))
      return VX_EPARSE;
  }
  /* As in ECMAScript, a time may follow any of the date-only forms. */
  if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    i++;
    if (!digits(s, len, &i, 2, &hour) || !accept(s, len, &i, ':') ||
        !digits(s, len, &i, 2, &minute))
      return VX_EPARSE;
    if (accept(s, len, &i, ':')) {
      if (!digits(s, len, &i, 2, &second))
        return VX_EPARSE;
      if (accept(s, len, &i, '.')) {
        size_t start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
          if (i - start < 3) /* milliseconds; the rest is truncated */
            ms = ms * 10 + (s[i] - '0');
        }
        if (i == start)
          return VX_EPARSE;
        for (size_t k = i - start; k < 3; k++)
          ms *= 10;
      }
    }
    /* 24:00 is the end of the day, as JavaScript allows. */
    if (minute > 59 || second > 59 ||
        (hour > 23 && (hour != 24 || minute || second || ms)))
      return VX_EPARSE;
    if (!parse_offset(s, len, &i, &offset))
      return VX_EPARSE;
  }
  if (i != len)
    return VX_EPARSE;
  *ms_out = vx_days_from_civil(year, month, day) * MS_PER_DAY +
            ((int64_t)hour * 3600 + (int64_t)minute * 60 + second) * 1000 + ms -
            (int64_t)offset * 60000;
  return 0;
}

int64_t vx_time_now_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* H. Hinnant's civil_from_days. */
void vx_civil_from_ms(int64_t ms, int32_t offset_s, vx_civil *out) {
  if (out == NULL)
    return;
  int64_t local = ms + (int64_t)offset_s * 1000;
  int64_t days = local >= 0 ? local / MS_PER_DAY
                            : -((MS_PER_DAY - 1 - local) / MS_PER_DAY);
  int64_t rem = local - days * MS_PER_DAY;        /* 0..MS_PER_DAY-1 */
  out->weekday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  out->year = (int)(yoe + era * 400 + (m <= 2));
  out->month = m;
  out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
  out->hour = (int)(rem / 3600000);
  out->minute = (int)(rem / 60000 % 60);
  out->second = (int)(rem / 1000 % 60);
  out->millisecond = (int)(rem % 1000);
}
