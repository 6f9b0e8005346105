/*
 * context.c - the evaluation context: lookups on the hot path, and the
 * conversion from an Unleash context object in JSON.
 */
#include "context.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>
#include <vexil/sdk.h>

static const char *const field_names[VX_FIELD_COUNT] = {
    "userId",      "sessionId", "remoteAddress",
    "environment", "appName",   "currentTime",
};

vx_field vx_field_from_name(const char *name) {
  if (name == NULL)
    return VX_FIELD_PROPERTY;
  vx_field f;
  switch (name[0]) { /* the six names start with six different letters */
  case 'u':
    f = VX_FIELD_USER_ID;
    break;
  case 's':
    f = VX_FIELD_SESSION_ID;
    break;
  case 'r':
    f = VX_FIELD_REMOTE_ADDRESS;
    break;
  case 'e':
    f = VX_FIELD_ENVIRONMENT;
    break;
  case 'a':
    f = VX_FIELD_APP_NAME;
    break;
  case 'c':
    f = VX_FIELD_CURRENT_TIME;
    break;
  default:
    return VX_FIELD_PROPERTY;
  }
  return strcmp(name, field_names[f]) == 0 ? f : VX_FIELD_PROPERTY;
}

const char *vx_field_name(vx_field f) {
  if (f < 0 || f >= VX_FIELD_COUNT)
    return NULL;
  return field_names[f];
}

void vx_context_init(vx_context *ctx) {
  memset(ctx, 0, sizeof *ctx);
}

/* ---- properties: a bounded list, sorted once, searched by halves */

static atomic_size_t max_props = VX_CONTEXT_MAX_PROPS_DEFAULT;
static atomic_size_t max_value = VX_CONTEXT_MAX_VALUE_DEFAULT;

void vx_context_set_max_props(int n) {
  atomic_store_explicit(&max_props, n > 0 ? (size_t)n : 1,
                        memory_order_relaxed);
}

size_t vx_context_max_props(void) {
  return atomic_load_explicit(&max_props, memory_order_relaxed);
}

void vx_context_set_max_value(int bytes) {
  atomic_store_explicit(&max_value, bytes > 0 ? (size_t)bytes : 1,
                        memory_order_relaxed);
}

size_t vx_context_max_value(void) {
  return atomic_load_explicit(&max_value, memory_order_relaxed);
}

void vx_context_too_long(const char *what, size_t len, char *err,
                         size_t errlen) {
  if (err != NULL && errlen > 0)
    snprintf(err, errlen,
             "%.100s is %zu bytes, more than the limit of %zu (setting "
             "max_context_value_bytes)",
             what, len, vx_context_max_value());
}

/* Stable: equal names keep their order, so the first one given wins. */
static void insertion_sort(vx_prop *p, size_t n) {
  for (size_t i = 1; i < n; i++) {
    vx_prop x = p[i];
    size_t j = i;
    for (; j > 0 && strcmp(p[j - 1].name, x.name) > 0; j--)
      p[j] = p[j - 1];
    p[j] = x;
  }
}

/* Stable too, bottom-up, with a scratch array of n. */
static void merge_sort(vx_prop *p, vx_prop *tmp, size_t n) {
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n,
             hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t a = lo, b = mid, o = lo;
      while (a < mid && b < hi)
        tmp[o++] = strcmp(p[b].name, p[a].name) < 0 ? p[b++] : p[a++];
      while (a < mid)
        tmp[o++] = p[a++];
      while (b < hi)
        tmp[o++] = p[b++];
    }
    memcpy(p, tmp, n * sizeof *p);
  }
}

int vx_context_set_props(vx_context *ctx, vx_prop *props, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) /* only those with a value */
    if (props[i].value.ptr != NULL && props[i].name != NULL)
      props[k++] = props[i];
  ctx->props = NULL;
  ctx->n_props = 0;
  if (k <= VX_CONTEXT_SORT_INLINE) {
    insertion_sort(props, k);
  } else {
    vx_prop *tmp = malloc(k * sizeof *tmp);
    if (tmp == NULL)
      return VX_ENOMEM;
    merge_sort(props, tmp, k);
    free(tmp);
  }
  size_t u = 0;
  for (size_t i = 0; i < k; i++) /* the first of equal names wins */
    if (u == 0 || strcmp(props[u - 1].name, props[i].name) != 0)
      props[u++] = props[i];
  ctx->props = props;
  ctx->n_props = u;
  return 0;
}

void vx_context_too_many(size_t n, char *err, size_t errlen) {
  if (err != NULL && errlen > 0)
    snprintf(err, errlen,
             "the context has %zu properties, more than the limit of %zu "
             "(setting max_context_properties)",
             n, vx_context_max_props());
}

const char *vx_context_lookup(const vx_context *ctx, vx_field id,
                              const char *name, size_t *len) {
  if (ctx == NULL)
    return NULL;
  if (id >= 0 && id < VX_FIELD_COUNT) {
    const vx_str *s = &ctx->field[id];
    if (s->ptr != NULL) {
      if (len != NULL)
        *len = s->len;
      return s->ptr;
    }
    if (name == NULL)
      name = field_names[id];
  }
  if (name == NULL)
    return NULL;
  size_t lo = 0, hi = ctx->n_props;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const vx_prop *p = &ctx->props[mid];
    /* The first byte decides most probes without a call. */
    int cmp = (unsigned char)p->name[0] - (unsigned char)name[0];
    if (cmp == 0)
      cmp = strcmp(p->name, name);
    if (cmp == 0) {
      if (len != NULL)
        *len = p->value.len;
      return p->value.ptr;
    }
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const char *vx_context_get(const vx_context *ctx, const char *name,
                           size_t *len) {
  return vx_context_lookup(ctx, vx_field_from_name(name), name, len);
}

int64_t vx_context_time(const vx_context *ctx, bool *ok) {
  /* The cache lives in the caller's context, which belongs to one request
   * on one thread: writing it through the const pointer is the contract. */
  vx_context *m = (vx_context *)ctx;
  if (m->time_state == 0) {
    const vx_str *t = &m->field[VX_FIELD_CURRENT_TIME];
    /* As Unleash's `context.currentTime ? new Date(..) : new Date()`: an
     * empty currentTime means now. Properties are not consulted. */
    if (t->ptr != NULL && t->len > 0) {
      int64_t ms;
      if (vx_time_parse(t->ptr, t->len, &ms) == 0) {
        m->time_ms = ms;
        m->time_state = 1;
      } else {
        m->time_ms = 0;
        m->time_state = -1;
      }
    } else {
      m->time_ms = vx_time_now_ms();
      m->time_state = 1;
    }
  }
  if (ok != NULL)
    *ok = m->time_state == 1;
  return m->time_state == 1 ? m->time_ms : 0;
}

/* ------------------------------------------------------- number -> text */

/* JavaScript's Number.prototype.toString() for a finite double: the
 * shortest digits that round-trip, placed as ECMA-262 Number::toString
 * says (plain notation for exponents -7 < e < 21). */
static int js_number_text(double x, char *buf, size_t cap) {
  if (x == 0)
    return snprintf(buf, cap, "0"); /* also -0 */
  if (isnan(x))
    return snprintf(buf, cap, "NaN");
  if (isinf(x))
    return snprintf(buf, cap, x < 0 ? "-Infinity" : "Infinity");
  char e[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(e, sizeof e, "%.*e", p - 1, x);
    if (strtod(e, NULL) == x)
      break;
  }
  /* e is "-d.ddde+XX": collect the digits and the exponent. */
  char digits[20];
  int k = 0;
  const char *s = e;
  bool neg = *s == '-';
  if (neg)
    s++;
  for (; *s != 'e'; s++) {
    if (*s >= '0' && *s <= '9' && k < (int)sizeof digits - 1)
      digits[k++] = *s;
  }
  while (k > 1 && digits[k - 1] == '0')
    k--;
  digits[k] = '\0';
  int n = atoi(s + 1) + 1; /* position of the decimal point */
  char *o = buf;
  char *end = buf + cap - 1;
#define PUT(c)                                                                 \
  do {                                                                         \
    if (o < end)                                                               \
      *o++ = (c);                                                              \
  } while (0)
  if (neg)
    PUT('-');
  if (k <= n && n <= 21) {
    for (int i = 0; i < k; i++)
      PUT(digits[i]);
    for (int i = k; i < n; i++)
      PUT('0');
  } else if (0 < n && n <= 21) {
    for (int i = 0; i < n; i++)
      PUT(digits[i]);
    PUT('.');
    for (int i = n; i < k; i++)
      PUT(digits[i]);
  } else if (-6 < n && n <= 0) {
    PUT('0');
    PUT('.');
    for (int i = n; i < 0; i++)
      PUT('0');
    for (int i = 0; i < k; i++)
      PUT(digits[i]);
  } else {
    PUT(digits[0]);
    if (k > 1) {
      PUT('.');
      for (int i = 1; i < k; i++)
        PUT(digits[i]);
    }
    o += snprintf(o, (size_t)(end - o) + 1, "e%c%d", n - 1 < 0 ? '-' : '+',
                  abs(n - 1));
    if (o > end)
      o = end;
  }
#undef PUT
  *o = '\0';
  return (int)(o - buf);
}

int vx_json_scalar_text(const json_t *v, char *buf, size_t cap) {
  if (buf == NULL || cap == 0)
    return -1;
  if (json_is_true(v))
    return snprintf(buf, cap, "true");
  if (json_is_false(v))
    return snprintf(buf, cap, "false");
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    /* Beyond 2^53 JavaScript prints the nearest double. */
    if (i > (json_int_t)9007199254740992LL ||
        i < -(json_int_t)9007199254740992LL)
      return js_number_text((double)i, buf, cap);
    return snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, i);
  }
  if (json_is_real(v))
    return js_number_text(json_real_value(v), buf, cap);
  return -1;
}

/* --------------------------------------------------------- from JSON */

const char *vx_json_type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_NULL:
    return "null";
  }
  return "unknown";
}

/* Converts one value into *dst: 1 when set, 0 when absent (null), or a
 * VX_ETYPE error. Numbers and booleans are written at *arena. */
static int convert_value(const json_t *v, vx_str *dst, char **arena,
                         const char *prefix, const char *name, char *err,
                         size_t errlen) {
  if (json_is_null(v))
    return 0;
  if (json_is_string(v)) {
    dst->ptr = json_string_value(v);
    dst->len = json_string_length(v);
    if (dst->len > vx_context_max_value()) {
      char where[128];
      snprintf(where, sizeof where, "context field %s%s", prefix, name);
      vx_context_too_long(where, dst->len, err, errlen);
      return VX_ETOOBIG;
    }
    return 1;
  }
  int n = vx_json_scalar_text(v, *arena, VX_SCALAR_TEXT_MAX);
  if (n < 0) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "context field %s%s must be a string, got %s",
               prefix, name, vx_json_type_name(v));
    return VX_ETYPE;
  }
  dst->ptr = *arena;
  dst->len = (size_t)n;
  *arena += n + 1;
  return 1;
}

int vx_context_from_json(const json_t *obj, vx_context_json *out, char *err,
                         size_t errlen) {
  memset(out, 0, sizeof *out);
  vx_context_init(&out->ctx);
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (obj == NULL || json_is_null(obj))
    return 0;
  if (!json_is_object(obj)) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "context must be an object, got %s",
               vx_json_type_name(obj));
    return VX_ETYPE;
  }
  const json_t *props = json_object_get(obj, "properties");
  if (props != NULL && !json_is_null(props) && !json_is_object(props)) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen,
               "context field properties must be an object, "
               "got %s",
               vx_json_type_name(props));
    return VX_ETYPE;
  }
  if (props != NULL && !json_is_object(props))
    props = NULL;

  /* Size the arena: every converted value takes at most
   * VX_SCALAR_TEXT_MAX bytes with its NUL. */
  size_t n_conv = VX_FIELD_COUNT;
  size_t n_props = props != NULL ? json_object_size(props) : 0;
  n_conv += n_props;
  out->strings = malloc(n_conv * VX_SCALAR_TEXT_MAX);
  if (n_props > 0)
    out->props = calloc(n_props, sizeof *out->props);
  if (out->strings == NULL || (n_props > 0 && out->props == NULL)) {
    vx_context_json_dispose(out);
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "out of memory");
    return VX_ENOMEM;
  }
  char *arena = out->strings;
  for (int f = 0; f < VX_FIELD_COUNT; f++) {
    const json_t *v = json_object_get(obj, field_names[f]);
    if (v == NULL)
      continue;
    int rc = convert_value(v, &out->ctx.field[f], &arena, "", field_names[f],
                           err, errlen);
    if (rc < 0) {
      vx_context_json_dispose(out);
      return rc;
    }
  }
  size_t np = 0;
  if (props != NULL) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)props, key, v) {
      vx_prop *p = &out->props[np];
      int rc =
          convert_value(v, &p->value, &arena, "properties.", key, err, errlen);
      if (rc < 0) {
        vx_context_json_dispose(out);
        return rc;
      }
      if (rc == 1) {
        p->name = key;
        np++;
      }
    }
  }
  if (np > vx_context_max_props()) {
    vx_context_json_dispose(out);
    vx_context_too_many(np, err, errlen);
    return VX_ETOOBIG;
  }
  if (vx_context_set_props(&out->ctx, out->props, np) != 0) {
    vx_context_json_dispose(out);
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "out of memory");
    return VX_ENOMEM;
  }
  out->root = json_incref((json_t *)obj);
  return 0;
}

void vx_context_json_dispose(vx_context_json *c) {
  if (c == NULL)
    return;
  free(c->props);
  free(c->strings);
  if (c->root != NULL)
    json_decref(c->root);
  memset(c, 0, sizeof *c);
  vx_context_init(&c->ctx);
}
