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

typedef struct scan {
  const char *p, *end;
  char *out, *out_end; /* where strings are copied */
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

static bool put(scan *s, char c) {
  if (s->out >= s->out_end)
    return false;
  *s->out++ = c;
  return true;
}

/* Ends the string begun at start in the output: NUL-terminated into *v. */
static bool finish(scan *s, char *start, vx_str *v) {
  if (!put(s, '\0'))
    return false;
  v->ptr = start;
  v->len = (size_t)(s->out - start) - 1;
  return true;
}

static bool string(scan *s, vx_str *v) {
  if (!eat(s, '"'))
    return false;
  char *start = s->out;
  while (s->p < s->end) {
    unsigned char c = (unsigned char)*s->p++;
    if (c == '"')
      return finish(s, start, v) && vx_utf8_valid(v->ptr, v->len);
    if (c < 0x20)
      return false; /* a control character: jansson's error */
    if (c == '\\') {
      if (s->p >= s->end)
        return false;
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *e = strchr(from, *s->p++);
      if (e == NULL || *e == '\0')
        return false; /* \u and anything else: the general path */
      c = (unsigned char)to[e - from];
    }
    if (!put(s, (char)c))
      return false;
  }
  return false;
}

static bool literal(scan *s, const char *word, vx_str *v) {
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
    return false;
  char *start = s->out;
  for (size_t i = 0; i < n; i++)
    if (!put(s, word[i]))
      return false;
  s->p += n;
  return finish(s, start, v);
}

/* An integer of 1..15 digits: its text is what JavaScript's String(n)
 * gives (and vx_json_scalar_text). "-0", leading zeros, fractions and
 * exponents decline. */
static bool integer(scan *s, vx_str *v) {
  char *start = s->out;
  if (*s->p == '-' && !put(s, *s->p++))
    return false;
  const char *digits = s->p;
  while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
    if (!put(s, *s->p++))
      return false;
  size_t n = (size_t)(s->p - digits);
  if (n == 0 || n > 15 || (digits[0] == '0' && (n > 1 || start[0] == '-')))
    return false;
  if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
    return false;
  return finish(s, start, v);
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
    return literal(s, "true", v);
  case 'f':
    *k = K_SCALAR;
    return literal(s, "false", v);
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

static bool context_member(void *arg, vx_str key, kind k, vx_str val, scan *s) {
  mapping *m = arg;
  if (strcmp(key.ptr, "properties") == 0) {
    /* An object; anything else is a property of that name, which is
     * rare enough to leave to the general path. */
    return k == K_OBJECT && object(s, nested_member, m);
  }
  if (k == K_OBJECT)
    return false;
  if (k == K_NULL)
    return true;
  if (strcmp(key.ptr, "targetingKey") == 0) {
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
  if (strcmp(key.ptr, "context") != 0)
    return false; /* other members: the general path checks and skips */
  return k == K_NULL || (k == K_OBJECT && object(s, context_member, arg));
}

int vx_ofrep_scan(const char *text, size_t len, char *strings, size_t cap,
                  vx_ofrep_context *out) {
  if (len > VX_OFREP_SCAN_MAX || cap < VX_OFREP_SCAN_STRINGS(len))
    return 0;
  vx_context_init(&out->ctx);
  out->has_targeting_key = false;
  out->props = out->inline_props;
  out->arena = out->inline_arena;
  out->heap = false;
  mapping m = {.out = out, .targeting = {NULL, 0}};
  scan s = {text, text + len, strings, strings + cap};
  if (!object(&s, body_member, &m))
    return 0;
  skip_ws(&s);
  if (s.p != s.end)
    return 0;
  /* The "properties" members come after the top-level ones, as
   * vx_ofrep_context_map puts them. */
  if (m.n_props + m.n_nested > VX_OFREP_INLINE_PROPS)
    return 0;
  memcpy(out->props + m.n_props, m.nested, m.n_nested * sizeof *m.nested);
  out->has_targeting_key = m.targeting.ptr != NULL;
  if (out->ctx.field[VX_FIELD_USER_ID].ptr == NULL && m.targeting.ptr != NULL)
    out->ctx.field[VX_FIELD_USER_ID] = m.targeting;
  out->ctx.props = out->props;
  out->ctx.n_props = m.n_props + m.n_nested;
  return 1;
}
