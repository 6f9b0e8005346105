/* variant.c - compiling and selecting variants (Unleash semantics). */
#include "variant.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_api.h"
#include "json_limit.h"

static int set_err(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t errlen, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return rc;
}

static vx_payload_type payload_type(const char *t) {
  if (strcmp(t, "string") == 0)
    return VX_PAYLOAD_STRING;
  if (strcmp(t, "json") == 0)
    return VX_PAYLOAD_JSON;
  if (strcmp(t, "csv") == 0)
    return VX_PAYLOAD_CSV;
  if (strcmp(t, "number") == 0)
    return VX_PAYLOAD_NUMBER;
  return VX_PAYLOAD_NONE;
}

/* Fills p from {"type", "value"}. Returns 0, or an error after leaving a
 * usable payload (the value as a string) so that imports keep working. */
static int compile_payload(const json_t *def, size_t idx, vx_payload *p,
                           char *err, size_t errlen) {
  const json_t *type = json_object_get(def, "type");
  const json_t *value = json_object_get(def, "value");
  if (!json_is_string(type))
    return set_err(err, errlen, VX_ETYPE,
                   "variants[%zu].payload.type must be a string", idx);
  p->type = payload_type(json_string_value(type));
  p->type_name = strdup(json_string_value(type));
  if (json_is_string(value)) {
    p->value = strdup(json_string_value(value));
  } else if (value != NULL && !json_is_null(value)) {
    /* A native client may send a JSON value directly: keep its text. */
    p->value = vx_json_dump_compact(value, NULL);
  } else {
    p->value = strdup("");
  }
  if (p->type_name == NULL || p->value == NULL)
    return VX_ENOMEM;
  int rc = 0;
  json_t *typed = NULL;
  switch (p->type) {
  case VX_PAYLOAD_JSON: {
    json_error_t jerr;
    typed = vx_json_parse_stored(p->value, strlen(p->value), JSON_DECODE_ANY,
                                 &jerr);
    if (typed == NULL && vx_json_too_deep(&jerr))
      rc = set_err(err, errlen, VX_ETOOBIG,
                   "variants[%zu].payload.value nests deeper than %d levels "
                   "(at line %d column %d)",
                   idx, VX_JSON_DEPTH_MAX, jerr.line, jerr.column);
    else if (typed == NULL)
      rc = set_err(err, errlen, VX_EPARSE,
                   "variants[%zu].payload.value is not valid JSON: %s at "
                   "line %d column %d",
                   idx, jerr.text, jerr.line, jerr.column);
    break;
  }
  case VX_PAYLOAD_NUMBER: {
    double d;
    if (vx_parse_number(p->value, strlen(p->value), &d) != 0 || !isfinite(d)) {
      rc = set_err(err, errlen, VX_EPARSE,
                   "variants[%zu].payload.value must be a number, got "
                   "\"%s\"",
                   idx, p->value);
    } else if (d == floor(d) && fabs(d) < 9007199254740992.0) {
      typed = json_integer((json_int_t)d);
    } else {
      typed = json_real(d);
    }
    break;
  }
  case VX_PAYLOAD_NONE:
    rc = set_err(err, errlen, VX_EINVAL,
                 "variants[%zu].payload.type must be string, json, csv or "
                 "number, got \"%s\"",
                 idx, p->type_name);
    break;
  default:
    break;
  }
  if (typed == NULL)
    typed = json_string(p->value);
  if (typed == NULL) /* not UTF-8: already checked by the parser */
    typed = json_null();
  /* Written without recursion; freeing typed recurses, but at most
   * VX_JSON_DEPTH_MAX levels deep. */
  p->json = vx_json_dump_compact(typed, &p->json_len);
  json_decref(typed);
  return p->json != NULL ? rc : VX_ENOMEM;
}

/* A problem that leaves the set usable (an import keeps it, a strict write
 * refuses it): the first one is reported in err and returned. */
static void soft(int *first, char *err, size_t errlen, int rc, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));
static void soft(int *first, char *err, size_t errlen, int rc, const char *fmt,
                 ...) {
  if (*first != 0)
    return;
  *first = rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Unleash's weights are thousandths: a "fix" weight is at most 1000, and
 * the fixed weights together too (the variable ones share the rest). */
static void check_weight_type(const json_t *def, size_t idx, uint32_t weight,
                              uint64_t *fixed, int *first, char *err,
                              size_t errlen) {
  const json_t *type = json_object_get(def, "weightType");
  if (type == NULL || json_is_null(type))
    return;
  const char *t = json_string_value(type);
  if (t == NULL || (strcmp(t, "fix") != 0 && strcmp(t, "variable") != 0)) {
    soft(first, err, errlen, VX_EINVAL,
         "variants[%zu].weightType must be \"fix\" or \"variable\"", idx);
    return;
  }
  if (strcmp(t, "fix") != 0)
    return;
  *fixed += weight;
  if (weight > 1000)
    soft(first, err, errlen, VX_ERANGE,
         "variants[%zu].weight: a fixed weight is at most 1000 (thousandths), "
         "got %u",
         idx, weight);
}

static int by_name(const void *a, const void *b) {
  const vx_variant *x = *(const vx_variant *const *)a,
                   *y = *(const vx_variant *const *)b;
  int c = strcmp(x->name, y->name);
  return c != 0 ? c : (x > y) - (x < y);
}

/* Two variants of one name: an answer's "variant" could not tell them
 * apart. Sorted by name, so a long list costs n log n. */
static int check_unique_names(const vx_variant_set *vs, int *first, char *err,
                              size_t errlen) {
  if (vs->n < 2)
    return 0;
  const vx_variant **sorted = malloc(vs->n * sizeof *sorted);
  if (sorted == NULL)
    return VX_ENOMEM;
  for (size_t i = 0; i < vs->n; i++)
    sorted[i] = &vs->items[i];
  qsort(sorted, vs->n, sizeof *sorted, by_name);
  size_t dup = vs->n, orig = 0; /* the earliest repeat, and its original */
  for (size_t i = 1; i < vs->n; i++) {
    size_t at = (size_t)(sorted[i] - vs->items);
    if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0 && at < dup) {
      dup = at;
      orig = (size_t)(sorted[i - 1] - vs->items);
    }
  }
  free(sorted);
  if (dup < vs->n)
    soft(first, err, errlen, VX_EEXIST,
         "variants[%zu].name \"%s\" is the name of variants[%zu] too", dup,
         vs->items[dup].name, orig);
  return 0;
}

static int compile_overrides(const json_t *list, size_t idx, vx_variant *v,
                             char *err, size_t errlen) {
  if (list == NULL || json_is_null(list))
    return 0;
  if (!json_is_array(list))
    return set_err(err, errlen, VX_ETYPE,
                   "variants[%zu].overrides must be an array", idx);
  size_t n = json_array_size(list);
  v->overrides = calloc(n ? n : 1, sizeof *v->overrides);
  if (v->overrides == NULL)
    return VX_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const json_t *o = json_array_get(list, i);
    const json_t *name = json_object_get(o, "contextName");
    const json_t *values = json_object_get(o, "values");
    if (!json_is_string(name) || !json_is_array(values))
      return set_err(err, errlen, VX_ETYPE,
                     "variants[%zu].overrides[%zu] needs contextName (string) "
                     "and values (array of strings)",
                     idx, i);
    size_t nv = json_array_size(values);
    const char **items = calloc(nv ? nv : 1, sizeof *items);
    size_t *lens = calloc(nv ? nv : 1, sizeof *lens);
    if (items == NULL || lens == NULL) {
      free(items);
      free(lens);
      return VX_ENOMEM;
    }
    size_t k = 0;
    for (size_t j = 0; j < nv; j++) {
      const json_t *s = json_array_get(values, j);
      if (json_is_string(s)) {
        items[k] = json_string_value(s);
        lens[k++] = json_string_length(s);
      }
    }
    vx_override *ov = &v->overrides[v->n_overrides++];
    ov->field = strdup(json_string_value(name));
    ov->field_id = vx_field_from_name(json_string_value(name));
    int rc = vx_strset_from_array(items, lens, k, &ov->values);
    free(items);
    free(lens);
    if (rc != 0 || ov->field == NULL)
      return rc ? rc : VX_ENOMEM;
  }
  return 0;
}

int vx_variant_set_compile(const json_t *variants, const char *group,
                           const char *fallback_stickiness, vx_variant_set *out,
                           char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  int first_error = 0;
  size_t n = 0;
  if (variants != NULL && !json_is_null(variants)) {
    if (!json_is_array(variants))
      return set_err(err, errlen, VX_ETYPE, "variants must be an array");
    n = json_array_size(variants);
  }
  const char *stick = NULL;
  if (n > 0) {
    const json_t *s =
        json_object_get(json_array_get(variants, 0), "stickiness");
    if (json_is_string(s) && json_string_length(s) > 0)
      stick = json_string_value(s);
  }
  if (stick == NULL)
    stick = fallback_stickiness && *fallback_stickiness ? fallback_stickiness
                                                        : "default";
  out->stickiness = strdup(stick);
  if (out->stickiness == NULL)
    return VX_ENOMEM;
  out->stick_id = vx_field_from_name(stick);
  vx_hash_prefix_init(&out->group, group, strlen(group), VX_SEED_VARIANT);
  if (n == 0)
    return 0;
  out->items = calloc(n, sizeof *out->items);
  if (out->items == NULL)
    return VX_ENOMEM;
  uint64_t total = 0, fixed = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *def = json_array_get(variants, i);
    if (!json_is_object(def))
      return set_err(err, errlen, VX_ETYPE, "variants[%zu] must be an object",
                     i);
    const json_t *name = json_object_get(def, "name");
    const json_t *weight = json_object_get(def, "weight");
    if (!json_is_string(name) || json_string_length(name) == 0)
      return set_err(err, errlen, VX_EINVAL,
                     "variants[%zu].name must be a non-empty string", i);
    vx_variant *v = &out->items[out->n++];
    v->name = strdup(json_string_value(name));
    if (v->name == NULL)
      return VX_ENOMEM;
    double w = 0;
    if (json_is_number(weight))
      w = json_number_value(weight);
    else if (weight != NULL && !json_is_null(weight))
      return set_err(err, errlen, VX_ETYPE,
                     "variants[%zu].weight must be a number", i);
    if (w < 0 || w > 1000000 || w != floor(w))
      return set_err(err, errlen, VX_EINVAL,
                     "variants[%zu].weight must be a whole number 0..1000000, "
                     "got %g",
                     i, w);
    v->weight = (uint32_t)w;
    check_weight_type(def, i, v->weight, &fixed, &first_error, err, errlen);
    total += v->weight;
    if (v->weight > 0)
      out->n_weighted++;
    const json_t *payload = json_object_get(def, "payload");
    if (payload != NULL && !json_is_null(payload)) {
      if (!json_is_object(payload))
        return set_err(err, errlen, VX_ETYPE,
                       "variants[%zu].payload must be an object", i);
      char later[1];
      char *where = first_error == 0 ? err : later;
      size_t room = first_error == 0 ? errlen : sizeof later;
      int rc = compile_payload(payload, i, &v->payload, where, room);
      if (rc == VX_ENOMEM)
        return rc;
      if (rc != 0 && first_error == 0)
        first_error = rc; /* keep going: the set stays usable */
    }
    int rc =
        compile_overrides(json_object_get(def, "overrides"), i, v, err, errlen);
    if (rc != 0)
      return rc;
    if (v->n_overrides > 0)
      out->has_overrides = true;
  }
  if (total > UINT32_MAX)
    return set_err(err, errlen, VX_ERANGE,
                   "variants: the weights add up to %llu, over %u",
                   (unsigned long long)total, UINT32_MAX);
  out->total_weight = (uint32_t)total;
  if (fixed > 1000)
    soft(&first_error, err, errlen, VX_ERANGE,
         "variants: the fixed weights add up to %llu, over 1000",
         (unsigned long long)fixed);
  if (check_unique_names(out, &first_error, err, errlen) != 0)
    return VX_ENOMEM;
  return first_error;
}

static const vx_variant *find_override(const vx_variant_set *vs,
                                       const vx_context *ctx) {
  for (size_t i = 0; i < vs->n; i++) {
    const vx_variant *v = &vs->items[i];
    for (size_t j = 0; j < v->n_overrides; j++) {
      const vx_override *o = &v->overrides[j];
      size_t len;
      const char *val = vx_context_lookup(ctx, o->field_id, o->field, &len);
      if (val != NULL && vx_strset_contains(o->values, val, len))
        return v;
    }
  }
  return NULL;
}

static const char *variant_seed(const vx_variant_set *vs, const vx_context *ctx,
                                size_t *len) {
  if (strcmp(vs->stickiness, "default") != 0)
    return vx_context_lookup(ctx, vs->stick_id, vs->stickiness, len);
  static const vx_field order[] = {VX_FIELD_USER_ID, VX_FIELD_SESSION_ID,
                                   VX_FIELD_REMOTE_ADDRESS};
  for (size_t i = 0; i < 3; i++) {
    const vx_str *s = &ctx->field[order[i]];
    if (s->ptr != NULL && s->len > 0) {
      *len = s->len;
      return s->ptr;
    }
  }
  return NULL;
}

const vx_variant *vx_variant_select(const vx_variant_set *vs,
                                    const vx_context *ctx,
                                    vx_variant_how *how) {
  *how = VX_VARIANT_NONE;
  if (vs->total_weight == 0)
    return NULL;
  if (vs->has_overrides) {
    const vx_variant *v = find_override(vs, ctx);
    if (v != NULL) {
      *how = VX_VARIANT_OVERRIDE;
      return v;
    }
  }
  size_t len = 0;
  const char *seed = variant_seed(vs, ctx, &len);
  uint32_t target;
  if (seed != NULL && len > 0)
    target = vx_hash_prefix_normalized(&vs->group, seed, len, vs->total_weight);
  else
    target = vx_random_u32() % vs->total_weight + 1;
  uint32_t counter = 0;
  for (size_t i = 0; i < vs->n; i++) {
    const vx_variant *v = &vs->items[i];
    if (v->weight == 0)
      continue;
    counter += v->weight;
    if (counter >= target) {
      *how = vs->n_weighted > 1 ? VX_VARIANT_HASH : VX_VARIANT_SINGLE;
      return v;
    }
  }
  return NULL; /* unreachable: counter reaches total_weight >= target */
}

void vx_variant_set_free(vx_variant_set *vs) {
  for (size_t i = 0; i < vs->n; i++) {
    vx_variant *v = &vs->items[i];
    free(v->name);
    free(v->payload.type_name);
    free(v->payload.value);
    free(v->payload.json);
    for (size_t j = 0; j < v->n_overrides; j++) {
      free(v->overrides[j].field);
      vx_strset_free(v->overrides[j].values);
    }
    free(v->overrides);
  }
  free(vs->items);
  free(vs->stickiness);
  memset(vs, 0, sizeof *vs);
}
