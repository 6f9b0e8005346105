/*
 * constraint_items.h - the items a constraint compares with, read from its
 * "values" (a list) or "value", as Unleash's clients read them. Internal
 * to constraint.c: compiled once, never on the evaluation path.
 */
#ifndef VX_CONSTRAINT_ITEMS_H
#define VX_CONSTRAINT_ITEMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* JavaScript's String.prototype.trim on s[0..*len): ASCII and Unicode
 * white space. Returns the start and sets *len; nothing is copied. */
const char *vx_js_trim(const char *s, size_t *len);

/* The items of a list, pointing into the JSON or into `text` (owned). */
typedef struct vx_items {
  size_t n;
  const char **s;
  size_t *len;
  char *text; /* converted numbers, VX_SCALAR_TEXT_MAX each */
} vx_items;

/* Reads `values` (an array) or, as a fallback, `value`, or the other way
 * round for single-value operators (list false: the first usable item, as
 * given, untrimmed). A spelling counts as missing when it is absent, null,
 * "" or []. List items are trimmed and empty ones dropped (Unleash's
 * cleanValues); numbers and booleans are their JSON text. An item of
 * `values` that is an object or an array is left out: *skipped is set and
 * err names the first, and the others are read (the caller decides).
 * Returns 0, or VX_EINVAL (values not an array, value an array or object)
 * or VX_ENOMEM with err set. Free *it with vx_items_free in any case. */
int vx_items_read(const json_t *def, bool list, vx_items *it, bool *skipped,
                  char *err, size_t errlen);
void vx_items_free(vx_items *it);

#endif
