/*
 * regex.h - REGEX constraints: RE2 itself (libre2, through re2_shim.h).
 *
 * Vexil promises RE2's language (the one Go and Rust use, and Unleash's
 * engine): an unanchored search over UTF-8 text in time linear in the
 * subject, with no step limit: every search gets its true answer. RE2
 * refuses what it cannot run in linear time (backreferences, lookaround,
 * atomic groups, recursion, conditionals); such a pattern is not compiled,
 * and the constraint that holds it is never true.
 *
 * Limits: a pattern of at most VX_RE2_MAX_PATTERN bytes (4 KiB), and at
 * most VX_RE2_MAX_MEM (8 MiB) for its programs and DFA cache.
 */
#ifndef VX_REGEX_H
#define VX_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vx_regex vx_regex;

/* Compiles pattern (RE2 syntax; case_insensitive uses RE2's case folding).
 * Returns 0 and *out, or vx_re2_compile's VX_EUNSUPPORTED, VX_EPARSE,
 * VX_ETOOBIG or VX_ENOMEM with "REGEX: ..." in err. Allocates; free with
 * vx_regex_free. A pattern compiled before and not yet freed is shared:
 * *out is then the same (read-only) object with one more reference.
 * Thread-safe. */
int vx_regex_compile(const char *pattern, size_t len, bool case_insensitive,
                     vx_regex **out, char *err, size_t errlen);

/* 1 when the pattern matches anywhere in subject, else 0 (also when RE2
 * runs out of memory for a new DFA state). Thread-safe; allocates only
 * when the subject leads RE2's DFA to a state not cached yet (re2_shim.h).
 */
int vx_regex_search(const vx_regex *re, const char *subject, size_t len);

/* Drops a reference; the last one frees the program. Thread-safe. */
void vx_regex_free(vx_regex *re);

#endif
