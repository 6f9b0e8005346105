/*
 * tz.c - named time zones from the system's tz database (TZif files, RFC
 * 8536), read once at compile time so that evaluate finds an offset with a
 * binary search: no setenv("TZ"), no tzset, no lock, no allocation.
 *
 * A zone is its transitions (64-bit times, version 2+ data) and, for times
 * after the last one, the POSIX TZ rule of the file's footer
 * ("CET-1CEST,M3.5.0,M10.5.0/3"), evaluated arithmetically per year.
 */
#include <vexil/sdk.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1 << 20) /* real TZif files are a few KiB */
#define MAX_NAME 255

/* One POSIX TZ rule date: Jn (julian, no leap day), n (zero-based day of
 * the year) or Mm.w.d, and the local time of day it switches at. */
typedef struct rule_date {
  char kind; /* 'J', 'D' or 'M' */
  int a, b, c;
  int32_t secs; /* local time of day; may be negative or past 24h (v3) */
} rule_date;

typedef struct posix_rule {
  int32_t std_off; /* seconds east of UTC */
  int32_t dst_off;
  int has_dst;
  rule_date start, end;
} posix_rule;

struct vx_tz {
  char name[MAX_NAME + 1];
  size_t n;        /* transitions */
  int64_t *times;  /* n, ascending, seconds since the epoch */
  int32_t *offs;   /* n: the offset from times[i] on */
  int32_t initial; /* before the first transition */
  int has_rule;
  posix_rule rule; /* after the last transition */
};

static int fail(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *errbuf, size_t errlen, int rc, const char *fmt, ...) {
  if (errbuf != NULL && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* ------------------------------------------------------------- names */

static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > MAX_NAME || s[0] == '/' || s[n - 1] == '/')
    return false;
  for (const char *c = s; *c; c++) {
    bool ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '+' ||
              *c == '/' || *c == '.';
    if (!ok)
      return false;
    /* No "." or ".." component: the name stays inside the database. */
    if (*c == '.' && (c == s || c[-1] == '/'))
      return false;
    if (*c == '/' && c[1] == '/')
      return false;
  }
  return true;
}

/* ------------------------------------------------------ POSIX TZ rule */

/* hh[:mm[:ss]] with an optional sign, hours 0..167 (RFC 8536 version 3). */
static bool parse_hms(const char **p, int32_t *out) {
  const char *s = *p;
  int sign = 1;
  if (*s == '+' || *s == '-')
    sign = *s++ == '-' ? -1 : 1;
  if (*s < '0' || *s > '9')
    return false;
  int32_t h = 0, m = 0, sec = 0;
  for (int k = 0; *s >= '0' && *s <= '9'; k++, s++) {
    if (k == 3)
      return false;
    h = h * 10 + (*s - '0');
  }
  if (h > 167)
    return false;
  if (*s == ':') {
    s++;
    if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
      return false;
    m = (s[0] - '0') * 10 + (s[1] - '0');
    s += 2;
    if (*s == ':') {
      s++;
      if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
        return false;
      sec = (s[0] - '0') * 10 + (s[1] - '0');
      s += 2;
    }
  }
  *out = sign * (h * 3600 + m * 60 + sec);
  *p = s;
  return true;
}

/* A zone abbreviation: 3+ letters, or <...> with letters, digits, + -. */
static bool parse_abbr(const char **p) {
  const char *s = *p;
  size_t n = 0;
  if (*s == '<') {
    for (s++; *s && *s != '>'; s++, n++)
      ;
    if (*s != '>' || n < 3)
      return false;
    s++;
  } else {
    for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'); s++, n++)
      ;
    if (n < 3)
      return false;
  }
  *p = s;
  return true;
}

static bool parse_int(const char **p, int lo, int hi, int *out) {
  const char *s = *p;
  int v = 0, k = 0;
  for (; *s >= '0' && *s <= '9'; s++, k++) {
    if (k == 3)
      return false;
    v = v * 10 + (*s - '0');
  }
  if (k == 0 || v < lo || v > hi)
    return false;
  *p = s;
  *out = v;
  return true;
}

static bool parse_date(const char **p, rule_date *d) {
  const char *s = *p;
  if (*s == 'M') {
    s++;
    d->kind = 'M';
    if (!parse_int(&s, 1, 12, &d->a) || *s++ != '.' ||
        !parse_int(&s, 1, 5, &d->b) || *s++ != '.' ||
        !parse_int(&s, 0, 6, &d->c))
      return false;
  } else if (*s == 'J') {
    s++;
    d->kind = 'J';
    if (!parse_int(&s, 1, 365, &d->a))
      return false;
  } else {
    d->kind = 'D';
    if (!parse_int(&s, 0, 365, &d->a))
      return false;
  }
  d->secs = 7200; /* 02:00 unless given */
  if (*s == '/') {
    s++;
    if (!parse_hms(&s, &d->secs))
      return false;
  }
  *p = s;
  return true;
}

/* "STDoffset[DST[offset][,start[/time],end[/time]]]". POSIX offsets are
 * west of UTC; ours are east. An empty footer means no rule. */
static bool parse_rule(const char *s, posix_rule *r) {
  int32_t off;
  memset(r, 0, sizeof *r);
  if (!parse_abbr(&s) || !parse_hms(&s, &off))
    return false;
  r->std_off = -off;
  if (*s == '\0')
    return true;
  if (!parse_abbr(&s))
    return false;
  r->has_dst = 1;
  r->dst_off = r->std_off + 3600;
  if (*s != ',' && *s != '\0') {
    if (!parse_hms(&s, &off))
      return false;
    r->dst_off = -off;
  }
  if (*s == '\0') { /* POSIX's default: the US rules */
    const char *us = ",M3.2.0,M11.1.0";
    s = us;
  }
  if (*s++ != ',' || !parse_date(&s, &r->start) || *s++ != ',' ||
      !parse_date(&s, &r->end))
    return false;
  return *s == '\0';
}

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* The day (days since the epoch) a rule date falls on in year y. */
static int64_t rule_day(const rule_date *d, int64_t y) {
  int64_t jan1 = vx_days_from_civil(y, 1, 1);
  switch (d->kind) {
  case 'J': /* 1..365, February 29 never counted */
    return jan1 + d->a - 1 + (is_leap(y) && d->a >= 60);
  case 'D':
    return jan1 + d->a;
  default: {
    int64_t first = vx_days_from_civil(y, d->a, 1);
    int wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
    int day = 1 + (d->c - wday + 7) % 7 + (d->b - 1) * 7;
    while (day > days_in_month(y, d->a))
      day -= 7;
    return first + day - 1;
  }
  }
}

static int32_t rule_offset(const posix_rule *r, int64_t t) {
  if (!r->has_dst)
    return r->std_off;
  vx_civil c;
  vx_civil_from_ms(t * 1000, r->std_off, &c);
  /* start is given in standard time, end in daylight time. */
  int64_t start =
      rule_day(&r->start, c.year) * 86400 + r->start.secs - r->std_off;
  int64_t end = rule_day(&r->end, c.year) * 86400 + r->end.secs - r->dst_off;
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? r->dst_off : r->std_off;
}

/* ------------------------------------------------------- TZif reading */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static int64_t be64(const unsigned char *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct counts {
  uint32_t isut, isstd, leap, time, type, chars;
} counts;

static bool header(const unsigned char *p, size_t avail, counts *c) {
  if (avail < 44 || memcmp(p, "TZif", 4) != 0)
    return false;
  c->isut = be32(p + 20);
  c->isstd = be32(p + 24);
  c->leap = be32(p + 28);
  c->time = be32(p + 32);
  c->type = be32(p + 36);
  c->chars = be32(p + 40);
  return c->type >= 1 && c->type <= 256 && c->time <= 100000 &&
         c->chars <= 65536 && c->leap <= 100000 && c->isut <= 256 &&
         c->isstd <= 256;
}

static size_t data_len(const counts *c, size_t tsize) {
  return c->time * tsize + c->time + c->type * 6 + c->chars +
         c->leap * (tsize + 4) + c->isstd + c->isut;
}

static int parse_file(vx_tz *tz, const unsigned char *buf, size_t len,
                      char *errbuf, size_t errlen) {
  counts c;
  if (!header(buf, len, &c))
    return fail(errbuf, errlen, VX_EPARSE, "%s: not a TZif file", tz->name);
  size_t off = 44, tsize = 4;
  if (buf[4] >= '2') { /* skip the 32-bit data, read the 64-bit part */
    off += data_len(&c, 4);
    if (off > len || !header(buf + off, len - off, &c))
      return fail(errbuf, errlen, VX_EPARSE, "%s: truncated TZif file",
                  tz->name);
    off += 44;
    tsize = 8;
  }
  if (data_len(&c, tsize) > len - off)
    return fail(errbuf, errlen, VX_EPARSE, "%s: truncated TZif file", tz->name);
  const unsigned char *times = buf + off;
  const unsigned char *idx = times + c.time * tsize;
  const unsigned char *types = idx + c.time;
  tz->n = c.time;
  tz->times = malloc((c.time ? c.time : 1) * sizeof *tz->times);
  tz->offs = malloc((c.time ? c.time : 1) * sizeof *tz->offs);
  if (tz->times == NULL || tz->offs == NULL)
    return fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  for (uint32_t i = 0; i < c.time; i++) {
    const unsigned char *t = times + i * tsize;
    tz->times[i] = tsize == 8 ? be64(t) : (int32_t)be32(t);
    if (idx[i] >= c.type || (i > 0 && tz->times[i] <= tz->times[i - 1]))
      return fail(errbuf, errlen, VX_EPARSE, "%s: bad transition %u", tz->name,
                  (unsigned)i);
    tz->offs[i] = (int32_t)be32(types + idx[i] * 6);
  }
  tz->initial = (int32_t)be32(types); /* RFC 8536: type 0 before the first */
  off += data_len(&c, tsize);
  if (tsize == 8 && off < len && buf[off] == '\n') {
    const unsigned char *start = buf + off + 1;
    const unsigned char *nl = memchr(start, '\n', len - off - 1);
    if (nl == NULL || nl - start > 255)
      return fail(errbuf, errlen, VX_EPARSE, "%s: bad TZ footer", tz->name);
    char footer[256];
    memcpy(footer, start, (size_t)(nl - start));
    footer[nl - start] = '\0';
    if (footer[0] != '\0') {
      if (!parse_rule(footer, &tz->rule))
        return fail(errbuf, errlen, VX_EPARSE,
                    "%s: TZ rule \"%s\" is not understood", tz->name, footer);
      tz->has_rule = 1;
    }
  }
  return 0;
}

int vx_tz_load(const char *name, vx_tz **out, char *errbuf, size_t errlen) {
  if (name == NULL || out == NULL)
    return fail(errbuf, errlen, VX_EINVAL, "time zone is missing");
  *out = NULL;
  if (!valid_name(name))
    return fail(errbuf, errlen, VX_EINVAL,
                "time zone must be an IANA name such as Europe/Paris, got "
                "\"%.64s\"",
                name);
  const char *dir = getenv("TZDIR");
  if (dir == NULL || dir[0] == '\0')
    dir = "/usr/share/zoneinfo";
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return fail(errbuf, errlen, errno == ENOENT ? VX_ENOENT : VX_EIO,
                "unknown time zone \"%s\" (no %s)", name, path);
  unsigned char *buf = malloc(MAX_FILE);
  vx_tz *tz = calloc(1, sizeof *tz);
  if (buf == NULL || tz == NULL) {
    fclose(f);
    free(buf);
    free(tz);
    return fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  }
  size_t len = fread(buf, 1, MAX_FILE, f);
  fclose(f);
  snprintf(tz->name, sizeof tz->name, "%s", name);
  int rc = parse_file(tz, buf, len, errbuf, errlen);
  free(buf);
  if (rc != 0) {
    vx_tz_free(tz);
    return rc;
  }
  *out = tz;
  return 0;
}

void vx_tz_free(vx_tz *tz) {
  if (tz == NULL)
    return;
  free(tz->times);
  free(tz->offs);
  free(tz);
}

const char *vx_tz_name(const vx_tz *tz) {
  return tz != NULL ? tz->name : NULL;
}

int32_t vx_tz_offset(const vx_tz *tz, int64_t ms) {
  if (tz == NULL)
    return 0;
  int64_t t = ms >= 0 ? ms / 1000 : -((999 - ms) / 1000);
  if (tz->n == 0)
    return tz->has_rule ? rule_offset(&tz->rule, t) : tz->initial;
  if (t < tz->times[0])
    return tz->initial;
  if (t >= tz->times[tz->n - 1] && tz->has_rule)
    return rule_offset(&tz->rule, t);
  size_t lo = 0, hi = tz->n; /* last i with times[i] <= t */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (tz->times[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  return tz->offs[lo];
}
