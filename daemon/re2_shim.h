/*
 * re2_shim.h - the C face of libre2 (a C++ library): compile a pattern
 * with Vexil's options, search, free. Nothing else in the daemon sees C++.
 *
 * Options, fixed for every REGEX constraint: RE2 syntax (the one Go and
 * Rust use), UTF-8 for both pattern and subject, case folding through
 * RE2's own option, no capturing groups (a search only says yes or no),
 * no logging, and at most VX_RE2_MAX_MEM bytes per program and its DFA
 * cache. Matching is linear in the subject: there is no step limit and no
 * answer is ever "gave up".
 *
 * Thread safety: a compiled vx_re2 is shared read-only by any number of
 * threads. RE2 itself caches the DFA states it discovers inside the
 * object: a search that reaches a state no earlier search reached
 * allocates it (a few hundred bytes) under RE2's mutex; later searches
 * reuse it, so searches on subjects of a shape already seen allocate
 * nothing. Every search does take the DFA cache's reader lock (a pthread
 * rwlock, shared by all threads searching that pattern): two atomic
 * operations, no wait unless the cache is being reset.
 */
#ifndef VX_RE2_SHIM_H
#define VX_RE2_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The memory budget of one compiled pattern (RE2's max_mem; 8 MiB, RE2's
 * own default, so that what RE2 elsewhere accepts is accepted here): its
 * programs (forward and, for a pattern anchored at the end, reverse) and
 * their DFA state caches, which fill lazily. A pattern whose program does
 * not fit is refused (VX_ETOOBIG: \pL{449} is, \pL{448} is not); a DFA
 * that fills its cache starts it again, and one that would do so too often
 * falls back to RE2's NFA (slower, still linear). Equal patterns share one
 * program (regex.c), so the bound is per distinct pattern. */
#define VX_RE2_MAX_MEM (8 << 20)

/* The longest pattern compiled, in bytes: longer ones are VX_ETOOBIG. */
#define VX_RE2_MAX_PATTERN 4096

typedef struct vx_re2 vx_re2;

/* Compiles pattern[0..len) (no terminator needed, NUL bytes allowed).
 * Returns 0 and *out (owned by the caller, free with vx_re2_free), or:
 *   VX_EUNSUPPORTED  Perl syntax RE2 leaves out (backreferences,
 *                    lookaround, atomic groups, recursion, conditionals);
 *   VX_EPARSE        any other invalid pattern, or invalid UTF-8;
 *   VX_ETOOBIG       over VX_RE2_MAX_PATTERN bytes, or the program does
 *                    not fit in VX_RE2_MAX_MEM;
 *   VX_ENOMEM        out of memory.
 * On error *out is NULL and err (if errlen > 0) holds "REGEX: " and what
 * is wrong, quoting the offending part of the pattern. The compiled
 * program's first search is run here, on the empty string, so that the
 * work RE2 does lazily on first use is done now and not on a request. */
int vx_re2_compile(const char *pattern, size_t len, bool case_insensitive,
                   vx_re2 **out, char *err, size_t errlen);

/* vx_re2_compile without keeping the program: 0 or the same error. */
int vx_re2_check(const char *pattern, size_t len, bool case_insensitive,
                 char *err, size_t errlen);

/* 1 when re matches anywhere in subject[0..len), 0 when it does not, or
 * VX_ENOMEM when RE2 could not allocate a DFA state. Thread-safe. */
int vx_re2_search(const vx_re2 *re, const char *subject, size_t len);

/* Frees re (NULL is fine). No search may be running on it. */
void vx_re2_free(vx_re2 *re);

#ifdef __cplusplus
}
#endif

#endif
