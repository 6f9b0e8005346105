/*
 * re2_translate.h - RE2 syntax on PCRE2: the pattern check and rewrite
 * behind REGEX constraints (regex.c compiles the result).
 *
 * The pattern is scanned once, honouring escapes, \Q...\E and character
 * classes. What RE2 refuses is refused here with VX_EUNSUPPORTED; what
 * both accept but PCRE2 reads differently is rewritten so that PCRE2 gives
 * RE2's answer:
 *   \s, \S     RE2: [\t\n\f\r ] (no \v) -> spelled out
 *   \v         RE2: the character U+000B, PCRE2: a class -> \x{b}
 *   \123, \0   RE2: octal (\1..\7 need a second octal digit) -> \x{..}
 *   \Q...\E    -> each character escaped (RE2 has no \Q in classes)
 *   '{' that does not start {n}, {n,} or {n,m} -> \{ (a literal in RE2)
 *   '[' inside a class that is not [:name:] -> \[ (PCRE2 reads [. and [=)
 *   ':', '.', '=' inside a class -> escaped ([:alpha:] alone is a plain
 *              class of five characters in RE2, an error in PCRE2)
 * and regex.c's compile options give RE2's anchors: $ only at the very end
 * (DOLLAR_ENDONLY), (?m)^ also after a final newline (ALT_CIRCUMFLEX), '.'
 * stops at \n only; no PCRE2_UCP: \d \w \b and POSIX classes are ASCII.
 *
 * Decisions where RE2 and PCRE2 differ on what is valid:
 *   \1..\9 (not octal) outside a class: a backreference, refused.
 *   [\1] inside a class: refused like RE2 ("invalid escape"); [\12] is
 *   octal 012 in both. \\1 is a backslash then '1': accepted.
 *   \_ is accepted as '_' (Go does so too).
 *   Unicode property names are checked by PCRE2, which knows a few more
 *   than RE2 (e.g. \p{Xan}); those are accepted.
 */
#ifndef VX_RE2_TRANSLATE_H
#define VX_RE2_TRANSLATE_H

#include <stddef.h>

/* A pattern rewritten for PCRE2. */
typedef struct vx_re2_pattern {
  char *text; /* owned; may be NULL when empty */
  size_t len;
  size_t *map; /* map[i]: offset in the RE2 pattern of text[i], owned */
} vx_re2_pattern;

/* Scans pattern once; returns 0 and *out, or VX_EUNSUPPORTED for what RE2
 * refuses and VX_EPARSE for what is malformed, with "REGEX: ... at offset
 * N" in err. Allocates; free with vx_re2_pattern_free. */
int vx_re2_translate(const char *pattern, size_t len, vx_re2_pattern *out,
                     char *err, size_t errlen);
void vx_re2_pattern_free(vx_re2_pattern *p);

#endif
