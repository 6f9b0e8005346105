/*
 * params.c - strategy parameters: lookup, JavaScript white space and
 * Number() parsing, percentages and booleans.
 */
#include <vexil/sdk.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ lookup */

const char *vx_param_find(const vx_param *params, size_t n, const char *name) {
  if (params == NULL || name == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    if (params[i].name != NULL && strcmp(params[i].name, name) == 0)
      return params[i].value;
  }
  return NULL;
}

/* -------------------------------------------------------- white space */

/* Length of the JavaScript white space or line terminator encoded at p
 * (avail bytes available), or 0. */
static size_t space_at(const unsigned char *p, size_t avail) {
  if (avail >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
    return 1;
  if (avail >= 2 && p[0] == 0xc2 && p[1] == 0xa0) /* U+00A0 */
    return 2;
  if (avail < 3)
    return 0;
  if ((p[0] & 0xf0) != 0xe0 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
    return 0;
  unsigned cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
      cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
      cp == 0xfeff)
    return 3;
  return 0;
}

const char *vx_trim_space(const char *s, size_t len, size_t *out_len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t k;
  if (s == NULL)
    len = 0;
  while (len > 0 && (k = space_at(p, len)) > 0) {
    p += k;
    len -= k;
  }
  for (;;) {
    for (k = 1; k <= 3 && k <= len; k++) {
      if (space_at(p + len - k, k) == k)
        break;
    }
    if (k > 3 || k > len)
      break;
    len -= k;
  }
  if (out_len != NULL)
    *out_len = len;
  return (const char *)p;
}

/* ------------------------------------------------------------ numbers */

static int digit_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (c | 0x20) - 'a' + 10;
  return 99;
}

/* An unsigned integer in radix 2^bits, rounded to nearest like JavaScript:
 * the leading 64 significant bits, the rest as a sticky bit. */
static int parse_pow2(const char *p, size_t n, int bits, double *out) {
  uint64_t m = 0;
  int nb = 0;
  long extra = 0;
  bool sticky = false;
  if (n == 0)
    return VX_EPARSE;
  for (size_t i = 0; i < n; i++) {
    int d = digit_value(p[i]);
    if (d >= 1 << bits)
      return VX_EPARSE;
    for (int b = bits - 1; b >= 0; b--) {
      unsigned bit = (unsigned)d >> b & 1u;
      if (nb == 0 && bit == 0)
        continue;
      if (nb < 64) {
        m = m << 1 | bit;
        nb++;
      } else {
        sticky |= bit != 0;
        if (extra < 100000) /* beyond that it is Infinity anyway */
          extra++;
      }
    }
  }
  if (sticky)
    m |= 1; /* below the 53 kept bits: only breaks ties */
  *out = ldexp((double)m, (int)extra);
  return 0;
}

/* Significant digits kept before the rest is folded into a sticky digit:
 * more than the 768 a double's halfway points can need. */
#define MAX_SIG 780

/* [digits][.digits][(e|E)[+-]digits], at least one mantissa digit. Builds
 * "DDDDe-NN" (no decimal point, so the locale does not matter) and lets
 * strtod round it correctly. */
static int parse_decimal(const char *p, size_t n, double *out) {
  char buf[MAX_SIG + 32];
  size_t i = 0, nsig = 0;
  int64_t exp10 = 0, e = 0;
  bool any = false, sticky = false, frac = false;
  for (; i < n; i++) {
    char c = p[i];
    if (c == '.' && !frac) {
      frac = true;
      continue;
    }
    if (c < '0' || c > '9')
      break;
    any = true;
    if (nsig == 0 && c == '0') {
      exp10 -= frac;
    } else if (nsig < MAX_SIG) {
      buf[nsig++] = c;
      exp10 -= frac;
    } else {
      sticky |= c != '0';
      exp10 += !frac;
    }
  }
  if (!any)
    return VX_EPARSE;
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    bool eneg = false;
    size_t start;
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-'))
      eneg = p[i++] == '-';
    for (start = i; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
      if (e < 10000000)
        e = e * 10 + (p[i] - '0');
    }
    if (i == start)
      return VX_EPARSE;
    exp10 += eneg ? -e : e;
  }
  if (i != n)
    return VX_EPARSE;
  if (nsig == 0) {
    *out = 0.0;
    return 0;
  }
  /* Clinger's fast path: up to 15 digits and a power of ten up to 22 are
   * both exact doubles, so one multiplication or division rounds correctly,
   * the same as strtod; most numbers in flags and contexts take it. */
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (!sticky && nsig <= 15 && exp10 >= -22 && exp10 <= 22) {
    uint64_t m = 0;
    for (size_t k = 0; k < nsig; k++)
      m = m * 10 + (uint64_t)(buf[k] - '0');
    *out = exp10 < 0 ? (double)m / pow10[-exp10] : (double)m * pow10[exp10];
    return 0;
  }
  if (sticky) {
    buf[nsig++] = '1';
    exp10--;
  }
  if (exp10 > 100000) /* the result is 0 or Infinity long before these */
    exp10 = 100000;
  if (exp10 < -100000)
    exp10 = -100000;
  snprintf(buf + nsig, sizeof buf - nsig, "e%d", (int)exp10);
  int saved = errno;
  *out = strtod(buf, NULL); /* ERANGE still gives JavaScript's 0 or inf */
  errno = saved;
  return 0;
}

int vx_parse_number(const char *s, size_t len, double *out) {
  size_t n;
  double v;
  int rc;
  if ((s == NULL && len > 0) || out == NULL)
    return VX_EINVAL;
  const char *p = vx_trim_space(s, len, &n);
  if (n == 0) {
    *out = 0.0;
    return 0;
  }
  if (n >= 2 && p[0] == '0') {
    int bits = 0;
    switch (p[1]) {
    case 'x':
    case 'X':
      bits = 4;
      break;
    case 'o':
    case 'O':
      bits = 3;
      break;
    case 'b':
    case 'B':
      bits = 1;
      break;
    }
    if (bits != 0) {
      rc = parse_pow2(p + 2, n - 2, bits, &v);
      if (rc == 0)
        *out = v;
      return rc;
    }
  }
  bool neg = p[0] == '-';
  if (p[0] == '+' || p[0] == '-') {
    p++;
    n--;
  }
  if (n == 8 && memcmp(p, "Infinity", 8) == 0) {
    v = INFINITY;
  } else if ((rc = parse_decimal(p, n, &v)) < 0) {
    return rc;
  }
  *out = neg ? -v : v;
  return 0;
}

/* -------------------------------------------------------- percentages */

/* Writes s[0..len) into dst (cap >= 8) for an error message: quotes and
 * backslashes escaped, control bytes as \xHH, cut with "..." at a
 * character boundary when too long. */
static void echo(char *dst, size_t cap, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0, keep = 0, i;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    size_t need = c < 0x20 || c == 0x7f ? 4 : c == '"' || c == '\\' ? 2 : 1;
    if ((c & 0xc0) != 0x80)
      keep = o; /* a character starts here */
    if (o + need > cap - 4)
      break;
    if (need == 4) {
      dst[o++] = '\\';
      dst[o++] = 'x';
      dst[o++] = hex[c >> 4];
      dst[o++] = hex[c & 15];
    } else {
      if (need == 2)
        dst[o++] = '\\';
      dst[o++] = (char)c;
    }
  }
  if (i < len) {
    memcpy(dst + keep, "...", 4);
    return;
  }
  dst[o] = '\0';
}

static void set_error(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *errbuf, size_t errlen, const char *fmt, ...) {
  va_list ap;
  if (errbuf == NULL || errlen == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
}

int vx_parse_percentage(const char *s, const char *what, int *out, char *errbuf,
                        size_t errlen) {
  char shown[72];
  double v = 0.0;
  size_t n;
  if (what == NULL)
    what = "value";
  if (out == NULL)
    return VX_EINVAL;
  if (s == NULL) {
    set_error(errbuf, errlen, "%s is missing", what);
    return VX_EINVAL;
  }
  if (vx_parse_number(s, strlen(s), &v) < 0) {
    echo(shown, sizeof shown, s, strlen(s));
    set_error(errbuf, errlen, "%s must be a number, got \"%s\"", what, shown);
    return VX_EPARSE;
  }
  if (!(v >= 0.0 && v <= 100.0)) {
    const char *t = vx_trim_space(s, strlen(s), &n);
    echo(shown, sizeof shown, t, n);
    set_error(errbuf, errlen, "%s must be 0..100, got %s", what, shown);
    return VX_ERANGE;
  }
  *out = (int)v; /* truncates toward zero */
  return 0;
}

/* ------------------------------------------------------------ booleans */

static bool ascii_ieq(const char *a, size_t n, const char *lower) {
  for (size_t i = 0; i < n; i++) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + ('a' - 'A'));
    if (c != lower[i])
      return false;
  }
  return lower[n] == '\0';
}

int vx_parse_bool(const char *s, bool *out) {
  size_t n;
  if (s == NULL || out == NULL)
    return VX_EINVAL;
  const char *t = vx_trim_space(s, strlen(s), &n);
  if (n == 4 && ascii_ieq(t, n, "true")) {
    *out = true;
  } else if (n == 5 && ascii_ieq(t, n, "false")) {
    *out = false;
  } else {
    return VX_EPARSE;
  }
  return 0;
}
