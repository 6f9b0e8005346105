/*
 * ofrep_scan.h - the common OFREP request body, read without a JSON tree.
 *
 * Nearly every evaluation request is {"context": {...}} with a handful of
 * scalar values. vx_ofrep_scan maps such a body straight into a
 * vx_ofrep_context, with no allocation, and with the result that
 * a jansson parse (JSON_REJECT_DUPLICATES) followed by vx_ofrep_context_map
 * would give. It vouches only for what it understands entirely:
 *
 *   the body is one object whose only member is "context" (an object or
 *   null), or no member; the context's values are strings, integers of at
 *   most 15 digits, true, false or null, and "properties" is an object of
 *   such values; strings are valid UTF-8 with the two-character escapes
 *   only (\" \\ \/ \b \f \n \r \t); no key appears twice in an object;
 *   at most VX_OFREP_INLINE_PROPS properties (and vx_context_max_props),
 *   strings of at most vx_context_max_value bytes.
 *
 * For anything else (malformed JSON, a \u escape, a real number, an array,
 * another top-level member, a duplicate key, ...) it declines, and the
 * caller takes the general path, which also words the errors. Declining
 * is never wrong, only slower; tests/daemon/test_ofrep_scan.c checks that
 * both paths agree.
 */
#ifndef VX_OFREP_SCAN_H
#define VX_OFREP_SCAN_H

#include <stddef.h>

#include "ofrep.h"

/* Bodies longer than this are not scanned (the general path takes them). */
#define VX_OFREP_SCAN_MAX 2048

/* The bytes `strings` must have for a body of len bytes. */
#define VX_OFREP_SCAN_STRINGS(len) ((len) + 1)

/* Maps body[0..len) into *out (1), or declines (0: then map the body the
 * general way, vx_ofrep_context_map, which sets *out afresh). The body is
 * copied into strings[0..cap) (cap >= VX_OFREP_SCAN_STRINGS(len)) and read
 * there, its strings unescaped and NUL-terminated in place; the context
 * points into it, so it must outlive *out. body itself is not changed.
 * out needs vx_ofrep_context_dispose like a mapped one. */
int vx_ofrep_scan(const char *body, size_t len, char *strings, size_t cap,
                  vx_ofrep_context *out);

#endif
