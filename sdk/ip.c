/*
 * ip.c - IPv4 and IPv6 addresses and CIDR ranges.
 *
 * Strict text forms only: IPv4 as four decimal parts 0..255 without
 * leading zeros (which some parsers read as octal), IPv6 as in RFC 4291
 * section 2.2 (hex groups of 1..4 digits, one "::", an IPv4 tail), no zone
 * id, no brackets, no white space.
 */
#include <vexil/sdk.h>

#include <string.h>

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
                                          0, 0, 0, 0, 0xff, 0xff};

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (c | 0x20) - 'a' + 10;
  return -1;
}

static int parse_v4(const char *s, size_t len, uint8_t out[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= len || s[i] != '.')
        return VX_EPARSE;
      i++;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < len && i - start < 3 && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
      return VX_EPARSE;
    out[part] = (uint8_t)v;
  }
  return i == len ? 0 : VX_EPARSE;
}

static int parse_v6(const char *s, size_t len, uint8_t out[16]) {
  uint8_t b[16];
  int n = 0, gap = -1; /* bytes parsed; byte offset of "::" */
  size_t i = 0;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (len >= 1 && s[0] == ':') {
    return VX_EPARSE;
  }
  while (i < len) {
    size_t start = i;
    unsigned v = 0;
    while (i < len && hex_value(s[i]) >= 0 && i - start <= 4)
      v = v << 4 | (unsigned)hex_value(s[i++]);
    if (i < len && s[i] == '.') { /* an IPv4 tail ends the address */
      if (n > 12 || parse_v4(s + start, len - start, b + n) < 0)
        return VX_EPARSE;
      n += 4;
      break;
    }
    if (i == start || i - start > 4 || n == 16)
      return VX_EPARSE;
    b[n++] = (uint8_t)(v >> 8);
    b[n++] = (uint8_t)v;
    if (i == len)
      break;
    if (s[i++] != ':' || i == len)
      return VX_EPARSE; /* not a separator, or a trailing single ':' */
    if (s[i] == ':') {
      if (gap >= 0)
        return VX_EPARSE;
      gap = n;
      i++;
    }
  }
  if (gap < 0 ? n != 16 : n > 14) /* "::" stands for at least one group */
    return VX_EPARSE;
  memset(out, 0, 16);
  if (gap < 0) {
    memcpy(out, b, 16);
  } else {
    memcpy(out, b, (size_t)gap);
    memcpy(out + 16 - (n - gap), b + gap, (size_t)(n - gap));
  }
  return 0;
}

/* Parses an address; *v6_text tells which syntax it was written in. */
static int parse_addr(const char *s, size_t len, vx_ip *out, bool *v6_text) {
  vx_ip ip;
  memset(&ip, 0, sizeof ip);
  if (s == NULL || len == 0)
    return VX_EPARSE;
  *v6_text = memchr(s, ':', len) != NULL;
  if (!*v6_text) {
    if (parse_v4(s, len, ip.addr) < 0)
      return VX_EPARSE;
    ip.family = 4;
  } else {
    if (parse_v6(s, len, ip.addr) < 0)
      return VX_EPARSE;
    ip.family = 6;
    if (memcmp(ip.addr, mapped_prefix, 12) == 0) {
      memmove(ip.addr, ip.addr + 12, 4);
      memset(ip.addr + 4, 0, 12);
      ip.family = 4;
    }
  }
  *out = ip;
  return 0;
}

int vx_ip_parse(const char *s, size_t len, vx_ip *out) {
  bool v6_text;
  if (out == NULL)
    return VX_EINVAL;
  return parse_addr(s, len, out, &v6_text);
}

int vx_cidr_parse(const char *s, size_t len, vx_cidr *out) {
  vx_cidr r;
  bool v6_text;
  unsigned prefix = 0;
  if (out == NULL)
    return VX_EINVAL;
  const char *slash = s != NULL ? memchr(s, '/', len) : NULL;
  size_t alen = slash != NULL ? (size_t)(slash - s) : len;
  if (parse_addr(s, alen, &r.net, &v6_text) < 0)
    return VX_EPARSE;
  unsigned max = v6_text ? 128 : 32;
  if (slash != NULL) {
    const char *p = slash + 1, *end = s + len;
    if (p == end || end - p > 3 || (p[0] == '0' && end - p > 1))
      return VX_EPARSE;
    for (; p < end; p++) {
      if (*p < '0' || *p > '9')
        return VX_EPARSE;
      prefix = prefix * 10 + (unsigned)(*p - '0');
    }
    if (prefix > max)
      return VX_ERANGE;
  } else {
    prefix = max;
  }
  if (v6_text && r.net.family == 4) { /* ::ffff:a.b.c.d/prefix */
    if (prefix >= 96) {
      prefix -= 96;
    } else { /* wider than the mapped range: stays IPv6 */
      memmove(r.net.addr + 12, r.net.addr, 4);
      memcpy(r.net.addr, mapped_prefix, 12);
      r.net.family = 6;
    }
  }
  r.prefix = (uint8_t)prefix;
  for (unsigned bit = prefix; bit < 128; bit++)
    r.net.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
  *out = r;
  return 0;
}

int vx_cidr_contains(const vx_cidr *range, const vx_ip *ip) {
  if (range == NULL || ip == NULL || range->net.family != ip->family)
    return 0;
  unsigned full = range->prefix / 8u, rest = range->prefix % 8u;
  if (memcmp(range->net.addr, ip->addr, full) != 0)
    return 0;
  if (rest == 0)
    return 1;
  uint8_t mask = (uint8_t)(0xffu << (8 - rest));
  return ((range->net.addr[full] ^ ip->addr[full]) & mask) == 0;
}
