/*
 * re2_translate.c - checks a pattern against RE2's syntax and rewrites it
 * for PCRE2. See re2_translate.h; the rules are listed there.
 */
#include "re2_translate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

/* RE2's largest repetition count. */
#define RE2_MAX_REPEAT 1000

/* ------------------------------------------------------------ translator */

typedef struct tr {
  const char *p;
  size_t len;
  size_t i;
  char *out;
  size_t *map; /* source offset of each output byte */
  size_t olen, ocap;
  int rc;
  char *err;
  size_t errlen;
} tr;

static void fail(tr *t, int rc, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(tr *t, int rc, size_t off, const char *fmt, ...) {
  if (t->rc != 0)
    return;
  t->rc = rc;
  if (t->err == NULL || t->errlen == 0)
    return;
  char msg[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(t->err, t->errlen, "REGEX: %s%s at offset %zu", msg,
           rc == VX_EUNSUPPORTED ? " (RE2 syntax)" : "", off);
}

#define REFUSE(t, off, ...) fail((t), VX_EUNSUPPORTED, (off), __VA_ARGS__)
#define BAD(t, off, ...) fail((t), VX_EPARSE, (off), __VA_ARGS__)

static void emit(tr *t, const char *s, size_t n, size_t src) {
  if (t->rc != 0)
    return;
  if (t->olen + n > t->ocap) {
    size_t cap = t->ocap * 2 + n + 16;
    char *o = realloc(t->out, cap);
    if (o == NULL) {
      BAD(t, src, "out of memory");
      t->rc = VX_ENOMEM;
      return;
    }
    t->out = o;
    size_t *m = realloc(t->map, cap * sizeof *m);
    if (m == NULL) {
      BAD(t, src, "out of memory");
      t->rc = VX_ENOMEM;
      return;
    }
    t->map = m;
    t->ocap = cap;
  }
  memcpy(t->out + t->olen, s, n);
  for (size_t k = 0; k < n; k++)
    t->map[t->olen + k] = src;
  t->olen += n;
}

static void emits(tr *t, const char *s, size_t src) {
  emit(t, s, strlen(s), src);
}

static bool at(const tr *t, size_t k, char c) {
  return t->i + k < t->len && t->p[t->i + k] == c;
}

static int peek(const tr *t, size_t k) {
  return t->i + k < t->len ? (unsigned char)t->p[t->i + k] : -1;
}

static bool is_digit(int c) {
  return c >= '0' && c <= '9';
}
static bool is_octal(int c) {
  return c >= '0' && c <= '7';
}
static bool is_hex(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_word(int c) {
  return is_alpha(c) || is_digit(c) || c == '_';
}

/* Emits a code point as \x{..}. */
static void emit_cp(tr *t, unsigned long cp, size_t src) {
  char buf[16];
  snprintf(buf, sizeof buf, "\\x{%lx}", cp);
  emits(t, buf, src);
}

/* Parses {n}, {n,} or {n,m} at t->i; returns its length, 0 if '{' is a
 * literal there (as RE2 reads it). Stores the counts. */
static size_t repeat_len(const tr *t, long *min, long *max) {
  size_t k = t->i + 1;
  long a = 0, b = -1;
  size_t d = k;
  while (k < t->len && is_digit((unsigned char)t->p[k]) && a <= 100000)
    a = a * 10 + (t->p[k++] - '0');
  if (k == d)
    return 0;
  if (k < t->len && t->p[k] == ',') {
    k++;
    d = k;
    b = 0;
    while (k < t->len && is_digit((unsigned char)t->p[k]) && b <= 100000)
      b = b * 10 + (t->p[k++] - '0');
    if (k == d)
      b = -1; /* {n,} */
  } else {
    b = a;
  }
  if (k >= t->len || t->p[k] != '}')
    return 0;
  *min = a;
  *max = b;
  return k + 1 - t->i;
}

/* After a quantifier and its optional lazy '?': RE2 refuses any further
 * repetition operator (possessive a*+, stacked a**, a{2}{3}). */
static void check_after_quantifier(tr *t, size_t qstart, bool lazy) {
  int c = peek(t, 0);
  long lo, hi;
  if (c == '+' && !lazy)
    REFUSE(t, qstart, "possessive quantifiers are not supported");
  else if (c == '*' || c == '+' || c == '?' ||
           (c == '{' && repeat_len(t, &lo, &hi) > 0))
    REFUSE(t, qstart, "nested repetition operators are not supported");
}

static void quantifier(tr *t) {
  size_t start = t->i;
  long lo = 0, hi = 0;
  size_t n = 1;
  if (t->p[t->i] == '{') {
    n = repeat_len(t, &lo, &hi);
    if (n == 0) { /* a literal brace */
      emits(t, "\\{", start);
      t->i++;
      return;
    }
    if (lo > RE2_MAX_REPEAT || hi > RE2_MAX_REPEAT) {
      REFUSE(t, start, "repetition counts above %d are not supported",
             RE2_MAX_REPEAT);
      return;
    }
  }
  emit(t, t->p + t->i, n, start);
  t->i += n;
  bool lazy = false;
  if (at(t, 0, '?')) {
    emit(t, "?", 1, t->i);
    t->i++;
    lazy = true;
  }
  check_after_quantifier(t, start, lazy);
}

static unsigned long hex_value(int c) {
  return (unsigned long)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
}

/* \x7F or \x{10FFFF}, emitted as \x{..}. */
static void hex_escape(tr *t, size_t start) {
  unsigned long cp = 0;
  if (at(t, 2, '{')) {
    size_t k = 3;
    while (is_hex(peek(t, k)) && cp <= 0x10FFFF)
      cp = cp * 16 + hex_value(peek(t, k++));
    if (k == 3 || !at(t, k, '}') || cp > 0x10FFFF) {
      BAD(t, start, "invalid \\x{...} escape");
      return;
    }
    t->i += k + 1;
  } else {
    if (!is_hex(peek(t, 2)) || !is_hex(peek(t, 3))) {
      BAD(t, start, "\\x needs two hex digits or {...}");
      return;
    }
    cp = hex_value(peek(t, 2)) * 16 + hex_value(peek(t, 3));
    t->i += 4;
  }
  emit_cp(t, cp, start);
}

/* \pL, \PL, \p{Name}, \p{^Name}: copied for PCRE2 to check the name. */
static void property_escape(tr *t, size_t start) {
  size_t k = 2;
  if (at(t, 2, '{')) {
    while (t->i + k < t->len && t->p[t->i + k] != '}')
      k++;
    if (t->i + k >= t->len) {
      BAD(t, start, "missing } in \\p{...}");
      return;
    }
    k++;
  } else if (is_alpha(peek(t, 2))) {
    k = 3;
  } else {
    BAD(t, start, "invalid \\p escape");
    return;
  }
  emit(t, t->p + t->i, k, start);
  t->i += k;
}

/* Octal escapes: \0 plus up to two octal digits, or \1..\7 followed by
 * at least one octal digit (RE2's rule). Returns false when it is not one. */
static bool octal_escape(tr *t, size_t start) {
  int c = peek(t, 1);
  if (!is_octal(c) || (c != '0' && !is_octal(peek(t, 2))))
    return false;
  unsigned long cp = 0;
  size_t k = 1;
  while (k <= 3 && is_octal(peek(t, k)))
    cp = cp * 8 + (unsigned long)(t->p[t->i + k++] - '0');
  t->i += k;
  emit_cp(t, cp, start);
  return true;
}

/* Escapes common to both contexts. Returns true when handled. */
static bool common_escape(tr *t, size_t start, bool in_class) {
  int c = peek(t, 1);
  if (c < 0)
    return false;
  if (c < 0x80 && !is_alpha(c) && !is_digit(c)) { /* punctuation, _ */
    emit(t, t->p + t->i, 2, start);
    t->i += 2;
    return true;
  }
  switch (c) {
  case 'a':
  case 'f':
  case 'n':
  case 'r':
  case 't':
  case 'd':
  case 'D':
  case 'w':
  case 'W':
    emit(t, t->p + t->i, 2, start);
    t->i += 2;
    return true;
  case 'v':
    emits(t, "\\x{b}", start);
    t->i += 2;
    return true;
  case 's':
    emits(t, in_class ? "\\t\\n\\f\\r\\x20" : "[\\t\\n\\f\\r\\x20]", start);
    t->i += 2;
    return true;
  case 'S':
    emits(t,
          in_class ? "\\x00-\\x08\\x0b\\x0e-\\x1f\\x21-\\x{10ffff}"
                   : "[^\\t\\n\\f\\r\\x20]",
          start);
    t->i += 2;
    return true;
  case 'x':
    hex_escape(t, start);
    return true;
  case 'p':
  case 'P':
    property_escape(t, start);
    return true;
  default:
    return octal_escape(t, start);
  }
}

static void refuse_escape(tr *t, size_t start, int c, bool in_class) {
  if (c < 0) {
    BAD(t, start, "trailing backslash");
  } else if (c >= 0x80) {
    REFUSE(t, start, "escaping a non-ASCII character is not supported");
  } else if (in_class) {
    REFUSE(t, start, "invalid escape \\%c in a character class", c);
  } else if (is_digit(c) || c == 'k') {
    REFUSE(t, start, "backreferences are not supported");
  } else if (c == 'g') {
    REFUSE(t, start, "backreferences and subroutine calls are not supported");
  } else if (c == 'C') {
    REFUSE(t, start, "\\C (a single byte) is not supported");
  } else if (c == 'E') {
    REFUSE(t, start, "\\E without \\Q is not supported");
  } else {
    REFUSE(t, start, "\\%c is not supported", c);
  }
}

static void escape(tr *t) {
  size_t start = t->i;
  int c = peek(t, 1);
  if (c == 'A' || c == 'z' || c == 'b' || c == 'B') {
    emit(t, t->p + t->i, 2, start);
    t->i += 2;
    return;
  }
  if (c == 'Q') { /* literal text up to \E or the end */
    t->i += 2;
    while (t->i < t->len && !(at(t, 0, '\\') && at(t, 1, 'E'))) {
      int b = peek(t, 0);
      if (b < 0x20 || b == 0x7f)
        emit_cp(t, (unsigned long)b, t->i);
      else if (b < 0x80 && !is_word(b))
        emit(t, (char[]){'\\', (char)b}, 2, t->i);
      else
        emit(t, t->p + t->i, 1, t->i);
      t->i++;
    }
    if (t->i < t->len)
      t->i += 2;
    return;
  }
  if (!common_escape(t, start, false))
    refuse_escape(t, start, c, false);
}

static const char *const posix_names[] = {
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
    "lower", "print", "punct", "space", "upper", "word",  "xdigit",
};

/* At '[' inside a class: [:name:] or a literal '['. */
static void class_bracket(tr *t) {
  size_t start = t->i;
  if (at(t, 1, ':')) {
    const char *q = NULL;
    for (size_t k = t->i + 2; k + 1 < t->len; k++) {
      if (t->p[k] == ':' && t->p[k + 1] == ']') {
        q = t->p + k;
        break;
      }
    }
    if (q != NULL) {
      const char *name = t->p + t->i + 2;
      if (*name == '^')
        name++;
      size_t n = (size_t)(q - name);
      for (size_t k = 0; k < sizeof posix_names / sizeof *posix_names; k++) {
        if (strlen(posix_names[k]) == n &&
            memcmp(posix_names[k], name, n) == 0) {
          size_t total = (size_t)(q + 2 - (t->p + t->i));
          emit(t, t->p + t->i, total, start);
          t->i += total;
          return;
        }
      }
      BAD(t, start, "invalid character class [:%.*s:]", (int)n, name);
      return;
    }
  }
  emits(t, "\\[", start);
  t->i++;
}

static void char_class(tr *t) {
  size_t start = t->i;
  emit(t, "[", 1, start);
  t->i++;
  if (at(t, 0, '^')) {
    emit(t, "^", 1, t->i);
    t->i++;
  }
  if (at(t, 0, ']')) { /* a leading ] is a literal */
    emits(t, "\\]", t->i);
    t->i++;
  }
  size_t body = t->i;
  while (t->rc == 0) {
    int c = peek(t, 0);
    if (c < 0) {
      BAD(t, start, "missing ] in character class");
      return;
    }
    if (c == ']') {
      emit(t, "]", 1, t->i);
      t->i++;
      return;
    }
    if (c == '[') {
      class_bracket(t);
    } else if (c == '\\' && (peek(t, 1) == 's' || peek(t, 1) == 'S')) {
      /* \s and \S are spelled out as ranges here, so a '-' next to them
       * must not join a range: a-\s is an error in RE2 and \s-z means
       * \s, '-' and 'z'. */
      if (t->i > body + 1 && t->p[t->i - 1] == '-') {
        BAD(t, t->i, "invalid character class range");
        return;
      }
      common_escape(t, t->i, true);
      if (at(t, 0, '-') && !at(t, 1, ']')) {
        emits(t, "\\-", t->i);
        t->i++;
      }
    } else if (c == '\\') {
      if (!common_escape(t, t->i, true))
        refuse_escape(t, t->i, peek(t, 1), true);
    } else if (c == ':' || c == '.' || c == '=') {
      /* Escaped so that PCRE2 never reads [:x:], [.x.] or [=x=] here:
       * in RE2 they are plain characters outside a nested [...]. */
      emit(t, (char[]){'\\', (char)c}, 2, t->i);
      t->i++;
    } else {
      emit(t, t->p + t->i, 1, t->i);
      t->i++;
    }
  }
}

/* A capture name after (?P< or (?<, up to '>'. */
static void group_name(tr *t, size_t start, size_t k) {
  size_t n0 = k;
  while (is_word(peek(t, k)))
    k++;
  if (k == n0 || !at(t, k, '>')) {
    BAD(t, start, "invalid capture group name");
    return;
  }
  emit(t, t->p + t->i, k + 1, start);
  t->i += k + 1;
}

static void group(tr *t) {
  size_t start = t->i;
  if (at(t, 1, '*')) {
    REFUSE(t, start, "(*...) verbs and options are not supported");
    return;
  }
  if (!at(t, 1, '?')) {
    emit(t, "(", 1, start);
    t->i++;
    return;
  }
  int c = peek(t, 2);
  int d = peek(t, 3);
  switch (c) {
  case 'P':
    if (d == '<')
      group_name(t, start, 4);
    else if (d == '=')
      REFUSE(t, start, "backreferences are not supported");
    else if (d == '>')
      REFUSE(t, start, "recursion and subroutine calls are not supported");
    else
      BAD(t, start, "invalid group (?P");
    return;
  case '<':
    if (d == '=' || d == '!')
      REFUSE(t, start, "lookbehind assertions are not supported");
    else
      group_name(t, start, 3);
    return;
  case '=':
  case '!':
  case '*':
    REFUSE(t, start, "lookahead assertions are not supported");
    return;
  case '>':
    REFUSE(t, start, "atomic groups are not supported");
    return;
  case '|':
    REFUSE(t, start, "branch reset groups are not supported");
    return;
  case '#':
    REFUSE(t, start, "comments are not supported");
    return;
  case '(':
    REFUSE(t, start, "conditionals are not supported");
    return;
  case 'C':
    REFUSE(t, start, "callouts are not supported");
    return;
  case 'R':
  case '&':
  case '+':
    REFUSE(t, start, "recursion and subroutine calls are not supported");
    return;
  default:
    break;
  }
  if (is_digit(c) || (c == '-' && is_digit(d))) {
    REFUSE(t, start, "recursion and subroutine calls are not supported");
    return;
  }
  /* (?:...), flags (?imsU-imsU) or (?imsU-imsU:...). */
  size_t k = 2;
  bool neg = false, any = false, after_neg = false;
  for (;; k++) {
    int f = peek(t, k);
    if (f == ':' || f == ')') {
      if ((!any && !(f == ':' && k == 2)) || (neg && !after_neg)) {
        BAD(t, start, "missing flags in (?...)");
        return;
      }
      break;
    }
    if (f == '-') {
      if (neg) {
        BAD(t, start, "invalid flags in (?...)");
        return;
      }
      neg = true;
      continue;
    }
    if (f == 'i' || f == 'm' || f == 's' || f == 'U') {
      any = true;
      after_neg = neg;
      continue;
    }
    if (f < 0)
      BAD(t, start, "missing ) after (?");
    else if (is_alpha(f))
      REFUSE(t, start + k, "flag %c is not supported", f);
    else
      REFUSE(t, start, "the group (?%c is not supported", f);
    return;
  }
  emit(t, t->p + t->i, k + 1, start);
  t->i += k + 1;
}

static void translate(tr *t) {
  while (t->rc == 0 && t->i < t->len) {
    switch (t->p[t->i]) {
    case '\\':
      escape(t);
      break;
    case '[':
      char_class(t);
      break;
    case '(':
      group(t);
      break;
    case '*':
    case '+':
    case '?':
    case '{':
      quantifier(t);
      break;
    default:
      emit(t, t->p + t->i, 1, t->i);
      t->i++;
      break;
    }
  }
}

int vx_re2_translate(const char *pattern, size_t len, vx_re2_pattern *out,
                     char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  tr t = {.p = pattern != NULL ? pattern : "",
          .len = len,
          .err = err,
          .errlen = errlen};
  translate(&t);
  if (t.rc != 0) {
    free(t.out);
    free(t.map);
    return t.rc;
  }
  out->text = t.out;
  out->len = t.olen;
  out->map = t.map;
  return 0;
}

void vx_re2_pattern_free(vx_re2_pattern *p) {
  free(p->text);
  free(p->map);
  memset(p, 0, sizeof *p);
}
