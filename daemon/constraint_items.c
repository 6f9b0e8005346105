/*
 * constraint_items.c - what a constraint compares with: its values or
 * value read as Unleash reads them (see constraint_items.h).
 */
#include "constraint_items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

#include "context.h"

/* JavaScript's String.prototype.trim: ASCII and Unicode white space. */
static size_t js_space_at(const unsigned char *s, size_t len) {
  if (len == 0)
    return 0;
  if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
    return 1;
  if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA0) /* U+00A0 */
    return 2;
  if (len < 3)
    return 0;
  unsigned cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
  if ((s[0] & 0xF0) != 0xE0 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
    return 0;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
      cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
      cp == 0xFEFF)
    return 3;
  return 0;
}

static size_t js_space_before(const unsigned char *s, size_t len) {
  if (len == 0)
    return 0;
  if (js_space_at(s + len - 1, 1) == 1)
    return 1;
  if (len >= 2 && js_space_at(s + len - 2, 2) == 2)
    return 2;
  if (len >= 3 && js_space_at(s + len - 3, 3) == 3)
    return 3;
  return 0;
}

const char *vx_js_trim(const char *s, size_t *len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = *len, k;
  while ((k = js_space_at(u, n)) > 0) {
    u += k;
    n -= k;
  }
  while ((k = js_space_before(u, n)) > 0)
    n -= k;
  *len = n;
  return (const char *)u;
}

void vx_items_free(vx_items *it) {
  free(it->s);
  free(it->len);
  free(it->text);
  memset(it, 0, sizeof *it);
}

/* Appends one JSON scalar; null is skipped, so is an item that is empty
 * after trimming when `clean` (Unleash's cleanValues). */
static int items_add(vx_items *it, const json_t *v, bool clean) {
  const char *s;
  size_t len;
  if (json_is_null(v))
    return 0;
  if (json_is_string(v)) {
    s = json_string_value(v);
    len = json_string_length(v);
  } else {
    char *slot = it->text + it->n * VX_SCALAR_TEXT_MAX;
    int n = vx_json_scalar_text(v, slot, VX_SCALAR_TEXT_MAX);
    if (n < 0)
      return VX_EINVAL;
    s = slot;
    len = (size_t)n;
  }
  if (clean) {
    s = vx_js_trim(s, &len);
    if (len == 0)
      return 0;
  }
  it->s[it->n] = s;
  it->len[it->n] = len;
  it->n++;
  return 0;
}

int vx_items_read(const json_t *def, bool list, vx_items *it, bool *skipped,
                  char *err, size_t errlen) {
  const json_t *values = json_object_get(def, "values");
  const json_t *value = json_object_get(def, "value");
  if (values != NULL && !json_is_null(values) && !json_is_array(values)) {
    snprintf(err, errlen, "constraint values must be an array");
    return VX_EINVAL;
  }
  if (value != NULL && (json_is_array(value) || json_is_object(value))) {
    snprintf(err, errlen, "constraint value must be a string");
    return VX_EINVAL;
  }
  size_t cap = (json_is_array(values) ? json_array_size(values) : 0) + 1;
  it->s = calloc(cap, sizeof *it->s);
  it->len = calloc(cap, sizeof *it->len);
  it->text = malloc(cap * VX_SCALAR_TEXT_MAX);
  if (it->s == NULL || it->len == NULL || it->text == NULL) {
    snprintf(err, errlen, "out of memory");
    return VX_ENOMEM;
  }
  bool value_given = value != NULL && !json_is_null(value) &&
                     !(json_is_string(value) && json_string_length(value) == 0);
  /* Single-value operators: `value` as given, untrimmed (a regex). */
  if (!list && value_given)
    return items_add(it, value, false);
  if (json_is_array(values)) {
    size_t i;
    const json_t *v;
    json_array_foreach(values, i, v) {
      if (items_add(it, v, true) != 0) {
        if (!*skipped)
          snprintf(err, errlen,
                   "constraint values[%zu] must be a string, got %s", i,
                   vx_json_type_name(v));
        *skipped = true;
        continue;
      }
      if (!list && it->n == 1)
        return 0;
    }
  }
  if (list && it->n == 0 && value_given)
    return items_add(it, value, true);
  if (!list && it->n == 0 && value != NULL && json_is_string(value))
    return items_add(it, value, false); /* "" itself: Number("") is 0 */
  return 0;
}
