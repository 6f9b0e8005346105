/*
 * regex.h - REGEX constraints: RE2 syntax on top of PCRE2.
 *
 * Vexil promises RE2's language (the one Go and Rust use, and Unleash's
 * engine): an unanchored search over UTF-8 text, linear-time constructs
 * only. PCRE2 accepts more, so patterns are checked first and anything RE2
 * would refuse is refused: backreferences (\1, \k<n>, (?P=n)), lookaround,
 * atomic groups, possessive quantifiers, recursion and subroutine calls,
 * conditionals, callouts, \C, \G, \K, \R, \X, \Z and backtracking verbs.
 */
#ifndef VX_REGEX_H
#define VX_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vx_regex vx_regex;

/* Compiles pattern (RE2 syntax; case_insensitive adds (?i)). Returns 0 and
 * *out, or VX_EUNSUPPORTED / VX_EPARSE with a message naming the offset in
 * err. Allocates; free with vx_regex_free. A pattern compiled before and
 * not yet freed is shared: *out is then the same (immutable) object with
 * one more reference. Thread-safe. */
int vx_regex_compile(const char *pattern, size_t len, bool case_insensitive,
                     vx_regex **out, char *err, size_t errlen);

/* 1 when the pattern matches anywhere in subject, else 0. Thread-safe; uses
 * per-thread match data allocated once per thread. */
int vx_regex_search(const vx_regex *re, const char *subject, size_t len);

/* Drops a reference; the last one frees the program. Thread-safe. */
void vx_regex_free(vx_regex *re);

#endif
