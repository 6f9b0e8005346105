/*
 * text.c - lower-casing UTF-8 text with the Unicode simple case mapping.
 *
 * The mapping comes from the C library's C.UTF-8 locale (towlower_l), made
 * once per process; without that locale only ASCII letters are lowered.
 */
#include <vexil/sdk.h>

#include <locale.h>
#include <pthread.h>
#include <wctype.h>

static pthread_once_t locale_once = PTHREAD_ONCE_INIT;
/* One per copy of the SDK: the process's, or a plugin's (freed when the
 * plugin is unloaded, by the destructor below). */
static locale_t utf8_locale = (locale_t)0;

__attribute__((destructor)) static void free_locale(void) {
  if (utf8_locale != (locale_t)0)
    freelocale(utf8_locale);
}

static void make_locale(void) {
  utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes one well-formed UTF-8 character at s (avail > 0 bytes): its code
 * point in *cp and its length, or 0 when the bytes are not well-formed
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t decode(const unsigned char *s, size_t avail, uint32_t *cp) {
  unsigned char c = s[0];
  size_t n;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xc2 && c <= 0xdf) {
    n = 2, v = c & 0x1fu, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, v = c & 0x0fu, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (avail < n)
    return 0;
  for (size_t k = 1; k < n; k++) {
    if ((s[k] & 0xc0) != 0x80)
      return 0;
    v = v << 6 | (s[k] & 0x3fu);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return n;
}

static size_t encode(uint32_t cp, unsigned char out[4]) {
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (unsigned char)(0xc0 | cp >> 6);
    out[1] = (unsigned char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (unsigned char)(0xe0 | cp >> 12);
    out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (unsigned char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (unsigned char)(0xf0 | cp >> 18);
  out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
  out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
  out[3] = (unsigned char)(0x80 | (cp & 0x3f));
  return 4;
}

static uint32_t lower(uint32_t cp, locale_t loc) {
  if (cp < 0x80)
    return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
  if (loc == (locale_t)0)
    return cp;
  wint_t l = towlower_l((wint_t)cp, loc);
  /* Keep the result only if it is a Unicode scalar value. */
  if (l > 0x10ffff || (l >= 0xd800 && l <= 0xdfff))
    return cp;
  return (uint32_t)l;
}

size_t vx_utf8_lower(const char *s, size_t len, char *out, size_t cap) {
  const unsigned char *p = (const unsigned char *)s;
  size_t need = 0;
  pthread_once(&locale_once, make_locale);
  locale_t loc = utf8_locale;
  if (s == NULL)
    len = 0;
  if (out == NULL)
    cap = 0;
  for (size_t i = 0; i < len;) {
    unsigned char buf[4];
    uint32_t cp;
    size_t in = decode(p + i, len - i, &cp), n;
    if (in == 0) { /* not UTF-8: copied unchanged */
      buf[0] = p[i];
      in = n = 1;
    } else {
      n = encode(lower(cp, loc), buf);
    }
    for (size_t k = 0; k < n; k++, need++) {
      if (need < cap)
        out[need] = (char)buf[k];
    }
    i += in;
  }
  return need;
}
