/* ofrep.c - OFREP's context, values, errors and ETag (see ofrep.h). */
#include "ofrep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/strategy.h>

/* ------------------------------------------------------- JSON buffer */

void vx_jbuf_init(vx_jbuf *b, char *initial, size_t cap) {
  b->ptr = initial;
  b->len = 0;
  b->cap = initial != NULL ? cap : 0;
  b->heap = false;
  b->oom = false;
}

void vx_jbuf_dispose(vx_jbuf *b) {
  if (b->heap)
    free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->heap = false;
}

static bool jbuf_grow(vx_jbuf *b, size_t need) {
  if (b->oom)
    return false;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < need) {
    if (cap > SIZE_MAX / 2) {
      b->oom = true;
      return false;
    }
    cap *= 2;
  }
  char *p;
  if (b->heap) {
    p = realloc(b->ptr, cap);
  } else {
    p = malloc(cap);
    if (p != NULL && b->len > 0)
      memcpy(p, b->ptr, b->len);
  }
  if (p == NULL) {
    b->oom = true;
    return false;
  }
  b->ptr = p;
  b->cap = cap;
  b->heap = true;
  return true;
}

void vx_jbuf_put(vx_jbuf *b, const char *s, size_t n) {
  if (b->cap - b->len < n && !jbuf_grow(b, n))
    return;
  if (n > 0)
    memcpy(b->ptr + b->len, s, n);
  b->len += n;
}

#define PUT_LIT(b, lit) vx_jbuf_put((b), (lit), sizeof(lit) - 1)

/* The length of the valid UTF-8 sequence at s[0..n) (n > 0, s[0] >=
 * 0x80), or 0 when it is not one (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return len;
}

bool vx_utf8_valid(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    size_t l = utf8_seq(u + i, n - i);
    if (l == 0)
      return false;
    i += l;
  }
  return true;
}

size_t vx_utf8_copy(char *out, size_t cap, const char *s) {
  if (cap == 0)
    return 0;
  const unsigned char *u = (const unsigned char *)s;
  size_t o = 0;
  for (size_t i = 0; u[i] != '\0';) {
    size_t l = u[i] < 0x80 ? 1 : utf8_seq(u + i, strnlen(s + i, 4));
    if (o + (l ? l : 1) >= cap)
      break;
    if (l == 0) {
      out[o++] = '?';
      i++;
    } else {
      memcpy(out + o, s + i, l);
      o += l;
      i += l;
    }
  }
  out[o] = '\0';
  return o;
}

void vx_jbuf_str(vx_jbuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  vx_jbuf_putc(b, '"');
  size_t run = 0; /* start of the current run of plain bytes */
  for (size_t i = 0; i < n;) {
    unsigned char c = u[i];
    if (c >= 0x80) {
      size_t l = utf8_seq(u + i, n - i);
      if (l > 0) {
        i += l;
        continue;
      }
      /* Not UTF-8 (a key from a URL may be anything): U+FFFD. */
      vx_jbuf_put(b, s + run, i - run);
      PUT_LIT(b, "\\ufffd");
      run = ++i;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      i++;
      continue;
    }
    vx_jbuf_put(b, s + run, i - run);
    run = ++i;
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t len = 2;
    switch (c) {
    case '"':
      esc[1] = '"';
      break;
    case '\\':
      esc[1] = '\\';
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    default:
      esc[1] = 'u';
      esc[2] = '0';
      esc[3] = '0';
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      len = 6;
    }
    vx_jbuf_put(b, esc, len);
  }
  vx_jbuf_put(b, s + run, n - run);
  vx_jbuf_putc(b, '"');
}

void vx_jbuf_u64(vx_jbuf *b, uint64_t v) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  vx_jbuf_put(b, tmp + sizeof tmp - n, n);
}

/* ----------------------------------------------------------- context */

/* One scalar into *dst: 1 when set, 0 when absent (null), VX_ETYPE. */
static int map_value(vx_ofrep_context *c, size_t *arena_used, const json_t *v,
                     vx_str *dst, const char *where, const char *key, char *err,
                     size_t errlen) {
  if (json_is_null(v))
    return 0;
  if (json_is_string(v)) {
    dst->ptr = json_string_value(v);
    dst->len = json_string_length(v);
    if (dst->len > vx_context_max_value()) {
      char what[128];
      snprintf(what, sizeof what, "context.%s%s", where, key);
      vx_context_too_long(what, dst->len, err, errlen);
      return VX_ETOOBIG;
    }
    return 1;
  }
  char *at = c->arena + *arena_used;
  int n = vx_json_scalar_text(v, at, VX_SCALAR_TEXT_MAX);
  if (n < 0) {
    snprintf(err, errlen,
             "context.%s%s must be a string, number or boolean, got %s", where,
             key, vx_json_type_name(v));
    return VX_ETYPE;
  }
  dst->ptr = at;
  dst->len = (size_t)n;
  *arena_used += (size_t)n + 1;
  return 1;
}

void vx_ofrep_context_dispose(vx_ofrep_context *c) {
  if (c->heap) {
    free(c->props);
    free(c->arena);
  }
  c->props = NULL;
  c->arena = NULL;
  c->heap = false;
  vx_context_init(&c->ctx);
}

int vx_ofrep_context_map(const json_t *context, vx_ofrep_context *out,
                         char *err, size_t errlen) {
  char scratch[8];
  if (err == NULL || errlen == 0) {
    err = scratch;
    errlen = sizeof scratch;
  }
  err[0] = '\0';
  vx_context_init(&out->ctx);
  out->has_targeting_key = false;
  out->props = out->inline_props;
  out->arena = out->inline_arena;
  out->heap = false;
  if (context == NULL)
    return 0;
  if (!json_is_object(context)) {
    snprintf(err, errlen, "context must be an object, got %s",
             vx_json_type_name(context));
    return VX_ETYPE;
  }
  const json_t *nested = json_object_get(context, "properties");
  if (!json_is_object(nested))
    nested = NULL;
  size_t n = json_object_size(context) + json_object_size(nested);
  if (n > VX_OFREP_INLINE_PROPS) {
    out->props = malloc(n * sizeof *out->props);
    out->arena = malloc(n * VX_SCALAR_TEXT_MAX);
    out->heap = true;
    if (out->props == NULL || out->arena == NULL) {
      vx_ofrep_context_dispose(out);
      snprintf(err, errlen, "out of memory");
      return VX_ENOMEM;
    }
  }
  size_t np = 0, used = 0;
  vx_str targeting = {NULL, 0};
  const char *key;
  const json_t *v;
  int rc = 0;
  json_object_foreach((json_t *)context, key, v) {
    if (v == nested)
      continue;
    if (strcmp(key, "targetingKey") == 0) {
      rc = map_value(out, &used, v, &targeting, "", key, err, errlen);
    } else {
      vx_field f = vx_field_from_name(key);
      if (f != VX_FIELD_PROPERTY) {
        rc = map_value(out, &used, v, &out->ctx.field[f], "", key, err, errlen);
      } else {
        vx_prop *p = &out->props[np];
        rc = map_value(out, &used, v, &p->value, "", key, err, errlen);
        if (rc == 1) {
          p->name = key;
          np++;
        }
      }
    }
    if (rc < 0)
      break;
  }
  if (rc >= 0 && nested != NULL) {
    json_object_foreach((json_t *)nested, key, v) {
      vx_prop *p = &out->props[np];
      rc = map_value(out, &used, v, &p->value, "properties.", key, err, errlen);
      if (rc < 0)
        break;
      if (rc == 1) {
        p->name = key;
        np++;
      }
    }
  }
  if (rc >= 0 && np > vx_context_max_props()) {
    vx_context_too_many(np, err, errlen);
    rc = VX_ETOOBIG;
  }
  /* Top-level keys come first in props: they win over a "properties"
   * member of the same name. */
  if (rc >= 0 && vx_context_set_props(&out->ctx, out->props, np) != 0) {
    snprintf(err, errlen, "out of memory");
    rc = VX_ENOMEM;
  }
  if (rc < 0) {
    vx_ofrep_context_dispose(out);
    return rc;
  }
  out->has_targeting_key = targeting.ptr != NULL;
  if (out->ctx.field[VX_FIELD_USER_ID].ptr == NULL && targeting.ptr != NULL)
    out->ctx.field[VX_FIELD_USER_ID] = targeting;
  return 0;
}

/* ------------------------------------------------------------ values */

static bool has_variants(const vx_flag *flag) {
  if (flag->variants.n > 0)
    return true;
  for (size_t i = 0; i < flag->n_strategies; i++)
    if (flag->strategies[i].variants.n > 0)
      return true;
  return false;
}

vx_ofrep_kind vx_ofrep_flag_kind(const vx_flag *flag) {
  switch (flag->type) {
  case VX_FLAG_BOOLEAN:
    return VX_OFREP_BOOLEAN;
  case VX_FLAG_STRING:
    return VX_OFREP_STRING;
  case VX_FLAG_NUMBER:
    return VX_OFREP_NUMBER;
  case VX_FLAG_OBJECT:
    return VX_OFREP_OBJECT;
  case VX_FLAG_UNTYPED:
    break;
  }
  return has_variants(flag) ? VX_OFREP_VARIANT : VX_OFREP_BOOLEAN;
}

const char *vx_ofrep_error_name(vx_ofrep_error e) {
  switch (e) {
  case VX_OFREP_OK:
    return "";
  case VX_OFREP_PARSE_ERROR:
    return "PARSE_ERROR";
  case VX_OFREP_TARGETING_KEY_MISSING:
    return "TARGETING_KEY_MISSING";
  case VX_OFREP_INVALID_CONTEXT:
    return "INVALID_CONTEXT";
  case VX_OFREP_FLAG_NOT_FOUND:
    return "FLAG_NOT_FOUND";
  case VX_OFREP_GENERAL:
    return "GENERAL";
  }
  return "GENERAL";
}

/* The variant set d->variant was chosen from. */
static const vx_variant_set *served_set(const vx_decision *d) {
  const vx_flag *f = d->flag;
  if (d->strategy >= 0 && (size_t)d->strategy < f->n_strategies) {
    const vx_variant_set *s = &f->strategies[d->strategy].variants;
    if (s->n > 0 && d->variant >= s->items && d->variant < s->items + s->n)
      return s;
  }
  return &f->variants;
}

static bool present(const vx_str *s) {
  return s->ptr != NULL && s->len > 0;
}

vx_ofrep_error vx_ofrep_check(const vx_decision *d, const vx_context *ctx,
                              char *err, size_t errlen) {
  if (d->flag == NULL) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "flag not found");
    return VX_OFREP_FLAG_NOT_FOUND;
  }
  if (!d->enabled || d->variant == NULL)
    return VX_OFREP_OK;
  const vx_variant_set *vs = served_set(d);
  if (vs->n_weighted <= 1)
    return VX_OFREP_OK; /* the only weighted variant, or an override */
  if (vs->has_overrides) {
    vx_variant_how how;
    vx_variant_select(vs, ctx, &how);
    if (how == VX_VARIANT_OVERRIDE)
      return VX_OFREP_OK;
  }
  const char *stick = vs->stickiness != NULL ? vs->stickiness : "default";
  if (strcmp(stick, "default") == 0) {
    if (present(&ctx->field[VX_FIELD_USER_ID]) ||
        present(&ctx->field[VX_FIELD_SESSION_ID]) ||
        present(&ctx->field[VX_FIELD_REMOTE_ADDRESS]))
      return VX_OFREP_OK;
  } else {
    size_t len = 0;
    if (vx_context_lookup(ctx, vs->stick_id, stick, &len) != NULL && len > 0)
      return VX_OFREP_OK;
  }
  bool user = strcmp(stick, "default") == 0 || strcmp(stick, "userId") == 0;
  if (err != NULL && errlen > 0) {
    if (user)
      snprintf(err, errlen,
               "flag %s splits its variants by user: the context needs a "
               "targetingKey (or userId%s)",
               d->flag->key,
               strcmp(stick, "default") == 0 ? ", sessionId or remoteAddress"
                                             : "");
    else
      snprintf(err, errlen,
               "flag %s splits its variants by %s: the context needs it",
               d->flag->key, stick);
  }
  return user ? VX_OFREP_TARGETING_KEY_MISSING : VX_OFREP_INVALID_CONTEXT;
}

/* Appends the "value" member (with its leading comma) when there is one. */
static void write_value(vx_jbuf *b, const vx_decision *d) {
  vx_ofrep_kind kind = vx_ofrep_flag_kind(d->flag);
  if (kind == VX_OFREP_BOOLEAN) {
    if (d->enabled)
      PUT_LIT(b, ",\"value\":true");
    else
      PUT_LIT(b, ",\"value\":false");
    return;
  }
  const vx_variant *v = d->variant;
  if (!d->enabled || v == NULL)
    return; /* OFREP's codeDefaultFlag */
  const vx_payload *p = &v->payload;
  bool has_payload = p->type != VX_PAYLOAD_NONE && p->json != NULL;
  if (kind == VX_OFREP_STRING) {
    PUT_LIT(b, ",\"value\":");
    if (p->value != NULL && p->type_name != NULL)
      vx_jbuf_str(b, p->value, strlen(p->value));
    else
      vx_jbuf_str(b, v->name, strlen(v->name));
    return;
  }
  if (has_payload) {
    PUT_LIT(b, ",\"value\":");
    vx_jbuf_put(b, p->json, p->json_len); /* compiled text: no recursion */
  } else if (kind == VX_OFREP_VARIANT) {
    PUT_LIT(b, ",\"value\":");
    vx_jbuf_str(b, v->name, strlen(v->name));
  }
}

void vx_ofrep_write_success(vx_jbuf *b, const char *key, size_t key_len,
                            const vx_decision *d, uint64_t revision) {
  PUT_LIT(b, "{\"key\":");
  vx_jbuf_str(b, key, key_len);
  write_value(b, d);
  PUT_LIT(b, ",\"reason\":\"");
  const char *reason = vx_reason_name(d->reason);
  vx_jbuf_put(b, reason, strlen(reason));
  vx_jbuf_putc(b, '"');
  if (d->variant != NULL) {
    PUT_LIT(b, ",\"variant\":");
    vx_jbuf_str(b, d->variant->name, strlen(d->variant->name));
  }
  PUT_LIT(b, ",\"metadata\":{\"revision\":");
  vx_jbuf_u64(b, revision);
  if (d->strategy >= 0) {
    PUT_LIT(b, ",\"strategy\":");
    vx_jbuf_u64(b, (uint64_t)d->strategy);
  }
  PUT_LIT(b, "}}");
}

void vx_ofrep_write_failure(vx_jbuf *b, const char *key, size_t key_len,
                            vx_ofrep_error code, const char *details) {
  PUT_LIT(b, "{\"key\":");
  vx_jbuf_str(b, key, key_len);
  PUT_LIT(b, ",\"errorCode\":\"");
  const char *name = vx_ofrep_error_name(code);
  vx_jbuf_put(b, name, strlen(name));
  PUT_LIT(b, "\",\"errorDetails\":");
  details = details != NULL ? details : "";
  vx_jbuf_str(b, details, strlen(details));
  vx_jbuf_putc(b, '}');
}

vx_ofrep_error vx_ofrep_write_decision(vx_jbuf *b, const char *key,
                                       size_t key_len, const vx_decision *d,
                                       const vx_context *ctx,
                                       uint64_t revision) {
  char err[512];
  vx_ofrep_error e = vx_ofrep_check(d, ctx, err, sizeof err);
  if (e == VX_OFREP_FLAG_NOT_FOUND)
    snprintf(err, sizeof err, "flag %.*s was not found",
             key_len > 256 ? 256 : (int)key_len, key);
  if (e != VX_OFREP_OK)
    vx_ofrep_write_failure(b, key, key_len, e, err);
  else
    vx_ofrep_write_success(b, key, key_len, d, revision);
  return e;
}

/* -------------------------------------------------------------- ETag */

/* FNV-1a over the bytes, then a finaliser (splitmix64's) for dispersion. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int vx_ofrep_etag(uint64_t revision, const char *environment,
                  const json_t *context, char out[VX_OFREP_ETAG_MAX]) {
  char *canon = NULL;
  if (context != NULL &&
      !(json_is_object(context) && json_object_size(context) == 0)) {
    canon =
        json_dumps(context, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    if (canon == NULL)
      return VX_ENOMEM;
  }
  uint64_t h = 0xcbf29ce484222325ULL;
  const char *env = environment != NULL ? environment : "";
  h = fnv1a(h, env, strlen(env) + 1); /* with its NUL: a separator */
  const char *c = canon != NULL ? canon : "{}";
  h = fnv1a(h, c, strlen(c));
  free(canon);
  snprintf(out, VX_OFREP_ETAG_MAX, "\"%llu-%016llx\"",
           (unsigned long long)revision, (unsigned long long)mix(h));
  return 0;
}

bool vx_ofrep_etag_match(const char *header, const char *etag) {
  if (header == NULL || etag == NULL)
    return false;
  /* The bare tag: etag without its quotes. */
  size_t elen = strlen(etag);
  const char *bare = etag;
  if (elen >= 2 && etag[0] == '"' && etag[elen - 1] == '"') {
    bare++;
    elen -= 2;
  }
  const char *p = header;
  while (*p != '\0') {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == '\0')
      break;
    bool quoted = false;
    if (p[0] == 'W' && p[1] == '/')
      p += 2;
    const char *tag = p;
    if (*p == '"') {
      quoted = true;
      tag = ++p;
      while (*p != '\0' && *p != '"')
        p++;
    } else {
      while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
        p++;
    }
    size_t tlen = (size_t)(p - tag);
    if (quoted && *p == '"')
      p++;
    if (tlen == 1 && *tag == '*' && !quoted)
      return true;
    if (tlen == elen && memcmp(tag, bare, elen) == 0)
      return true;
    while (*p != '\0' && *p != ',')
      p++;
  }
  return false;
}
