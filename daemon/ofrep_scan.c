/*
 * ofrep_scan.c - the common OFREP request body, read without a JSON tree
 * (see ofrep_scan.h). Every function returns false to decline.
 */
#include "ofrep_scan.h"

#include <stdbool.h>
#include <string.h>

/* The most members an object may have here (duplicates are looked for
 * among them). */
#define MAX_MEMBERS (VX_OFREP_INLINE_PROPS + VX_FIELD_COUNT + 2)

/* The scanner reads a private copy of the body and writes into it in
 * place: a string ends where its closing quote was (a NUL now), and
 * escapes are undone towards its start, so strings need no copy of their
 * own. Integers are copied into the context's arena. */
typedef struct scan {
  char *p, *end;
  char *arena, *arena_end;
} scan;

typedef enum kind { K_NULL, K_STRING, K_SCALAR, K_OBJECT } kind;

static void skip_ws(scan *s) {
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static bool eat(scan *s, char c) {
  skip_ws(s);
  if (s->p < s->end && *s->p == c) {
    s->p++;
    return true;
  }
  return false;
}

/* The bytes that end a plain run in a string: '"', '\\', controls. */
static const bool stops[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
    [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
    [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
    [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
    [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1};

static bool string(scan *s, vx_str *v) {
  if (!eat(s, '"'))
    return false;
  char *start = s->p, *w = s->p; /* w: where unescaped bytes go */
  unsigned char high = 0;        /* any byte >= 0x80: UTF-8 to check */
  for (;;) {
    char *run = s->p;
    while (s->p < s->end && !stops[(unsigned char)*s->p])
      high |= (unsigned char)*s->p++;
    size_t n = (size_t)(s->p - run);
    if (w != run) /* behind an escape: move the run back */
      memmove(w, run, n);
    w += n;
    if (s->p >= s->end || (unsigned char)*s->p < 0x20)
      return false; /* unterminated, or a control character */
    if (*s->p++ == '"')
      break;
    /* A backslash: the two-character escapes only. */
    if (s->p >= s->end)
      return false;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e = strchr(from, *s->p++);
    if (e == NULL || *e == '\0')
      return false; /* \u and anything else: the general path */
    *w++ = to[e - from];
  }
  *w = '\0'; /* at or before the closing quote */
  v->ptr = start;
  v->len = (size_t)(w - start);
  if (v->len > vx_context_max_value())
    return false; /* the general path words the error */
  return high < 0x80 || vx_utf8_valid(v->ptr, v->len);
}

static bool literal(scan *s, const char *word, size_t n, vx_str *v) {
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
    return false;
  s->p += n;
  *v = (vx_str){word, n};
  return true;
}

/* An integer of 1..15 digits: its text is what JavaScript's String(n)
 * gives (and vx_json_scalar_text). "-0", leading zeros, fractions and
 * exponents decline. */
static bool integer(scan *s, vx_str *v) {
  const char *start = s->p;
  if (*s->p == '-')
    s->p++;
  const char *digits = s->p;
  while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
    s->p++;
  size_t n = (size_t)(s->p - digits), len = (size_t)(s->p - start);
  if (n == 0 || n > 15 || (digits[0] == '0' && (n > 1 || digits != start)))
    return false;
  if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
    return false;
  if (len + 1 > (size_t)(s->arena_end - s->arena))
    return false;
  memcpy(s->arena, start, len);
  s->arena[len] = '\0';
  *v = (vx_str){s->arena, len};
  s->arena += len + 1;
  return true;
}

/* A value; K_OBJECT leaves the scanner on the '{'. */
static bool value(scan *s, kind *k, vx_str *v) {
  skip_ws(s);
  if (s->p >= s->end)
    return false;
  switch (*s->p) {
  case '"':
    *k = K_STRING;
    return string(s, v);
  case 't':
    *k = K_SCALAR;
    return literal(s, "true", 4, v);
  case 'f':
    *k = K_SCALAR;
    return literal(s, "false", 5, v);
  case 'n':
    *k = K_NULL;
    if (s->end - s->p < 4 || memcmp(s->p, "null", 4) != 0)
      return false;
    s->p += 4;
    return true;
  case '{':
    *k = K_OBJECT;
    return true;
  default:
    *k = K_SCALAR;
    return (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) && integer(s, v);
  }
}

/* The keys of one object, for duplicates. */
typedef struct keys {
  vx_str k[MAX_MEMBERS];
  size_t n;
} keys;

static bool new_key(keys *ks, vx_str key) {
  for (size_t i = 0; i < ks->n; i++)
    if (ks->k[i].len == key.len && memcmp(ks->k[i].ptr, key.ptr, key.len) == 0)
      return false;
  if (ks->n == MAX_MEMBERS)
    return false;
  ks->k[ks->n++] = key;
  return true;
}

/* After a member: true with *more when a ',' follows, false on garbage. */
static bool next_member(scan *s, bool *more) {
  if (eat(s, ','))
    return *more = true;
  *more = false;
  return eat(s, '}');
}

/* The members of an object, as the scanner sits on its '{'. `key` and
 * `val` receive each member; `on_member` returns false to decline. */
typedef bool (*member_fn)(void *arg, vx_str key, kind k, vx_str val, scan *s);

static bool object(scan *s, member_fn on_member, void *arg) {
  if (!eat(s, '{'))
    return false;
  if (eat(s, '}'))
    return true;
  keys ks = {.n = 0};
  for (bool more = true; more;) {
    vx_str key, val = {NULL, 0};
    kind k;
    if (!string(s, &key) || !new_key(&ks, key) || !eat(s, ':') ||
        !value(s, &k, &val) || !on_member(arg, key, k, val, s) ||
        !next_member(s, &more))
      return false;
  }
  return true;
}

/* ---- the context */

_Static_assert(VX_OFREP_INLINE_PROPS <= VX_CONTEXT_SORT_INLINE,
               "a scanned context is sorted without allocating");

typedef struct mapping {
  vx_ofrep_context *out;
  vx_str targeting;
  vx_prop nested[VX_OFREP_INLINE_PROPS]; /* after the top-level ones */
  size_t n_props, n_nested;
} mapping;

static bool prop(vx_prop *list, size_t *n, vx_str key, vx_str val) {
  if (*n == VX_OFREP_INLINE_PROPS)
    return false;
  list[(*n)++] = (vx_prop){key.ptr, val};
  return true;
}

static bool nested_member(void *arg, vx_str key, kind k, vx_str val, scan *s) {
  (void)s;
  mapping *m = arg;
  if (k == K_OBJECT)
    return false; /* INVALID_CONTEXT: the general path says so */
  return k == K_NULL || prop(m->nested, &m->n_nested, key, val);
}

static bool is(vx_str key, const char *word, size_t len) {
  return key.len == len && memcmp(key.ptr, word, len) == 0;
}

static bool context_member(void *arg, vx_str key, kind k, vx_str val, scan *s) {
  mapping *m = arg;
  if (is(key, "properties", 10)) {
    /* An object; anything else is a property of that name, which is
     * rare enough to leave to the general path. */
    return k == K_OBJECT && object(s, nested_member, m);
  }
  if (k == K_OBJECT)
    return false;
  if (k == K_NULL)
    return true;
  if (is(key, "targetingKey", 12)) {
    m->targeting = val;
    return true;
  }
  vx_field f = vx_field_from_name(key.ptr);
  if (f != VX_FIELD_PROPERTY) {
    m->out->ctx.field[f] = val;
    return true;
  }
  return prop(m->out->inline_props, &m->n_props, key, val);
}

static bool body_member(void *arg, vx_str key, kind k, vx_str val, scan *s) {
  (void)val;
  if (!is(key, "context", 7))
    return false; /* other members: the general path checks and skips */
  return k == K_NULL || (k == K_OBJECT && object(s, context_member, arg));
}

int vx_ofrep_scan(const char *text, size_t len, char *strings, size_t cap,
                  vx_ofrep_context *out) {
  if (len > VX_OFREP_SCAN_MAX || cap < VX_OFREP_SCAN_STRINGS(len))
    return 0;
  memcpy(strings, text, len);
  strings[len] = '\0';
  vx_context_init(&out->ctx);
  out->has_targeting_key = false;
  out->props = out->inline_props;
  out->arena = out->inline_arena;
  out->heap = false;
  mapping m = {.out = out, .targeting = {NULL, 0}};
  scan s = {strings, strings + len, out->inline_arena,
            out->inline_arena + sizeof out->inline_arena};
  if (!object(&s, body_member, &m))
    return 0;
  skip_ws(&s);
  if (s.p != s.end)
    return 0;
  /* The "properties" members come after the top-level ones, as
   * vx_ofrep_context_map puts them. */
  size_t n = m.n_props + m.n_nested;
  if (n > VX_OFREP_INLINE_PROPS || n > vx_context_max_props())
    return 0; /* over the limit: the general path words the error */
  memcpy(out->props + m.n_props, m.nested, m.n_nested * sizeof *m.nested);
  out->has_targeting_key = m.targeting.ptr != NULL;
  if (out->ctx.field[VX_FIELD_USER_ID].ptr == NULL && m.targeting.ptr != NULL)
    out->ctx.field[VX_FIELD_USER_ID] = m.targeting;
  /* At most VX_OFREP_INLINE_PROPS: sorted without allocating. */
  vx_context_set_props(&out->ctx, out->props, n);
  return 1;
}
