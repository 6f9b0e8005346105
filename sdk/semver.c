/*
 * semver.c - Semantic Versioning 2.0.0 as node-semver parses and compares
 * it without the `loose` option (what Unleash's reference client uses).
 */
#include <vexil/sdk.h>

#include <string.h>

#define MAX_SAFE_INTEGER 9007199254740991u /* 2^53 - 1 */
#define MAX_LENGTH 256 /* node-semver's limit, in UTF-16 units, untrimmed */

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

static bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '-';
}

/* The length of s in UTF-16 code units, as JavaScript counts it. */
static size_t utf16_length(const char *s, size_t len) {
  size_t units = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    units += (c & 0xc0) != 0x80; /* one per character */
    units += c >= 0xf0;          /* two for those beyond U+FFFF */
  }
  return units;
}

/* 0|[1-9][0-9]* at p[*i], at most 2^53 - 1. */
static int parse_number(const char *p, size_t n, size_t *i, uint64_t *out) {
  size_t start = *i;
  uint64_t v = 0;
  for (; *i < n && is_digit(p[*i]); (*i)++) {
    v = v * 10 + (uint64_t)(p[*i] - '0');
    if (v > MAX_SAFE_INTEGER)
      return VX_EPARSE;
  }
  if (*i == start || (p[start] == '0' && *i - start > 1))
    return VX_EPARSE;
  *out = v;
  return 0;
}

/* One or more dot-separated [0-9A-Za-z-]+ identifiers at p[*i]; with
 * numeric_rule, all-digit identifiers must have no leading zero. */
static int parse_idents(const char *p, size_t n, size_t *i, bool numeric_rule) {
  for (;;) {
    size_t start = *i;
    bool numeric = true;
    for (; *i < n && is_ident_char(p[*i]); (*i)++)
      numeric &= is_digit(p[*i]);
    if (*i == start)
      return VX_EPARSE;
    if (numeric_rule && numeric && p[start] == '0' && *i - start > 1)
      return VX_EPARSE;
    if (*i == n || p[*i] != '.')
      return 0;
    (*i)++;
  }
}

int vx_semver_parse(const char *s, size_t len, vx_semver *out) {
  vx_semver v = {0, 0, 0, NULL, 0};
  size_t n, i = 0;
  if (out == NULL || (s == NULL && len > 0))
    return VX_EINVAL;
  if (utf16_length(s, len) > MAX_LENGTH)
    return VX_EPARSE;
  const char *p = vx_trim_space(s, len, &n);
  if (i < n && p[i] == 'v')
    i++;
  if (parse_number(p, n, &i, &v.major) < 0 || i == n || p[i++] != '.' ||
      parse_number(p, n, &i, &v.minor) < 0 || i == n || p[i++] != '.' ||
      parse_number(p, n, &i, &v.patch) < 0)
    return VX_EPARSE;
  if (i < n && p[i] == '-') {
    size_t start = ++i;
    if (parse_idents(p, n, &i, true) < 0)
      return VX_EPARSE;
    v.pre = p + start;
    v.pre_len = i - start;
  }
  if (i < n && p[i] == '+') {
    i++;
    if (parse_idents(p, n, &i, false) < 0)
      return VX_EPARSE;
  }
  if (i != n)
    return VX_EPARSE;
  *out = v;
  return 0;
}

static int cmp_u64(uint64_t a, uint64_t b) {
  return a < b ? -1 : a > b;
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i]))
      return false;
  }
  return n > 0;
}

/* Numeric identifiers compare as JavaScript numbers (+a < +b): exactly up
 * to 2^53, and with a double's precision beyond, as node-semver does. */
static int cmp_numeric(const char *a, size_t an, const char *b, size_t bn) {
  if (an <= 15 && bn <= 15) {
    uint64_t x = 0, y = 0;
    for (size_t i = 0; i < an; i++)
      x = x * 10 + (uint64_t)(a[i] - '0');
    for (size_t i = 0; i < bn; i++)
      y = y * 10 + (uint64_t)(b[i] - '0');
    return cmp_u64(x, y);
  }
  double x = 0, y = 0;
  vx_parse_number(a, an, &x);
  vx_parse_number(b, bn, &y);
  return x < y ? -1 : x > y;
}

static int cmp_ident(const char *a, size_t an, const char *b, size_t bn) {
  bool anum = all_digits(a, an), bnum = all_digits(b, bn);
  if (anum && bnum)
    return cmp_numeric(a, an, b, bn);
  if (anum != bnum)
    return anum ? -1 : 1; /* numeric identifiers are lower */
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c != 0)
    return c < 0 ? -1 : 1;
  return cmp_u64(an, bn);
}

/* The end of the identifier that starts at s[i]. */
static size_t ident_end(const char *s, size_t n, size_t i) {
  while (i < n && s[i] != '.')
    i++;
  return i;
}

static int cmp_pre(const vx_semver *a, const vx_semver *b) {
  size_t an = a->pre_len, bn = b->pre_len, i = 0, j = 0;
  if (an == 0 || bn == 0) /* a release is higher than its prereleases */
    return an == bn ? 0 : an == 0 ? 1 : -1;
  for (;;) {
    size_t ie = ident_end(a->pre, an, i), je = ident_end(b->pre, bn, j);
    int c = cmp_ident(a->pre + i, ie - i, b->pre + j, je - j);
    if (c != 0)
      return c;
    bool amore = ie < an, bmore = je < bn;
    if (!amore || !bmore) /* equal so far: the shorter list is lower */
      return amore == bmore ? 0 : amore ? 1 : -1;
    i = ie + 1;
    j = je + 1;
  }
}

int vx_semver_cmp(const vx_semver *a, const vx_semver *b) {
  if (a == NULL || b == NULL)
    return a == b ? 0 : a == NULL ? -1 : 1;
  int c = cmp_u64(a->major, b->major);
  if (c == 0)
    c = cmp_u64(a->minor, b->minor);
  if (c == 0)
    c = cmp_u64(a->patch, b->patch);
  return c != 0 ? c : cmp_pre(a, b);
}
