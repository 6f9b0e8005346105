/*
 * re2_shim.cc - see re2_shim.h. The only C++ in the daemon: RE2 objects
 * behind an opaque pointer, no exception ever crosses into C.
 */
#include "re2_shim.h"

#include <cstdio>
#include <cstring>
#include <new>

#include <re2/re2.h>

#include <vexil/error.h>

struct vx_re2 {
  re2::RE2 re;
  vx_re2(re2::StringPiece p, const re2::RE2::Options &o) : re(p, o) {}
};

static_assert(VX_RE2_MAX_MEM == 8 << 20, "explain() says 8 MiB");

namespace {

re2::RE2::Options options(bool case_insensitive) {
  re2::RE2::Options o;
  o.set_encoding(re2::RE2::Options::EncodingUTF8);
  o.set_case_sensitive(!case_insensitive);
  o.set_never_capture(true); /* a search only says yes or no */
  o.set_log_errors(false);   /* errors are returned, not printed */
  o.set_max_mem(VX_RE2_MAX_MEM);
  return o;
}

/* What RE2 refused, in words, and the error code it becomes. */
struct why {
  int rc;
  const char *text;
};

why explain(re2::RE2::ErrorCode code, const std::string &arg) {
  using R = re2::RE2;
  switch (code) {
  case R::ErrorBadEscape:
    if (arg.size() == 2 && arg[1] >= '1' && arg[1] <= '9')
      return {VX_EUNSUPPORTED, "backreferences are not supported (RE2 syntax)"};
    return {VX_EPARSE, "invalid escape sequence"};
  case R::ErrorBadCharClass:
    return {VX_EPARSE, "invalid character class"};
  case R::ErrorBadCharRange:
    return {VX_EPARSE, "invalid character class or range"};
  case R::ErrorMissingBracket:
    return {VX_EPARSE, "missing closing ]"};
  case R::ErrorMissingParen:
    return {VX_EPARSE, "missing closing parenthesis"};
  case R::ErrorUnexpectedParen:
    return {VX_EPARSE, "unexpected closing parenthesis"};
  case R::ErrorTrailingBackslash:
    return {VX_EPARSE, "trailing backslash"};
  case R::ErrorRepeatArgument:
    return {VX_EPARSE, "nothing to repeat"};
  case R::ErrorRepeatSize:
    return {VX_EPARSE, "invalid repetition count (a minimum over its maximum, "
                       "or over 1000 in all)"};
  case R::ErrorRepeatOp:
    return {VX_EPARSE, "invalid repetition operator"};
  case R::ErrorBadPerlOp:
    if (arg.size() >= 3 && (arg[2] == '=' || arg[2] == '!'))
      return {VX_EUNSUPPORTED, "lookahead is not supported (RE2 syntax)"};
    if (arg.size() >= 3 && arg[2] == '<')
      return {VX_EUNSUPPORTED, "lookbehind and (?<name>) are not supported "
                               "(RE2 syntax; name a group with (?P<name>))"};
    if (arg.size() >= 3 && arg[2] == '>')
      return {VX_EUNSUPPORTED, "atomic groups are not supported (RE2 syntax)"};
    return {VX_EUNSUPPORTED, "group or flag syntax RE2 does not support"};
  case R::ErrorBadUTF8:
    return {VX_EPARSE, "invalid UTF-8"};
  case R::ErrorBadNamedCapture:
    return {VX_EPARSE, "invalid group name"};
  case R::ErrorPatternTooLarge:
    return {VX_ETOOBIG, "pattern too large (its program needs more than "
                        "8 MiB)"};
  default:
    return {VX_EPARSE, "invalid pattern"};
  }
}

/* At most max bytes of s, cut before a UTF-8 continuation byte so that
 * the message stays valid UTF-8 when the pattern is. */
int quoted_len(const std::string &s, size_t max) {
  size_t n = s.size() < max ? s.size() : max;
  while (n > 0 && n < s.size() && (s[n] & 0xC0) == 0x80)
    n--;
  return (int)n;
}

void describe(const re2::RE2 &re, int *rc, char *err, size_t errlen) {
  why w = explain(re.error_code(), re.error_arg());
  *rc = w.rc;
  if (err == nullptr || errlen == 0)
    return;
  const std::string &arg = re.error_arg();
  if (arg.empty())
    snprintf(err, errlen, "REGEX: %s", w.text);
  else
    snprintf(err, errlen, "REGEX: %s: %.*s", w.text, quoted_len(arg, 40),
             arg.data());
}

} // namespace

extern "C" int vx_re2_compile(const char *pattern, size_t len,
                              bool case_insensitive, vx_re2 **out, char *err,
                              size_t errlen) {
  *out = nullptr;
  if (err != nullptr && errlen > 0)
    err[0] = '\0';
  if (pattern == nullptr)
    pattern = "";
  if (len > VX_RE2_MAX_PATTERN) {
    if (err != nullptr && errlen > 0)
      snprintf(err, errlen, "REGEX: pattern longer than %d bytes",
               VX_RE2_MAX_PATTERN);
    return VX_ETOOBIG;
  }
  vx_re2 *re = nullptr;
  try {
    re = new vx_re2(re2::StringPiece(pattern, len), options(case_insensitive));
    if (!re->re.ok()) {
      int rc;
      describe(re->re, &rc, err, errlen);
      delete re;
      return rc;
    }
    /* The first search makes the DFA (and for a pattern anchored at the
     * end, compiles the reverse program): done here, not on a request. */
    (void)re->re.Match(re2::StringPiece(), 0, 0, re2::RE2::UNANCHORED, nullptr,
                       0);
  } catch (const std::bad_alloc &) {
    delete re;
    if (err != nullptr && errlen > 0)
      snprintf(err, errlen, "REGEX: out of memory");
    return VX_ENOMEM;
  }
  *out = re;
  return 0;
}

extern "C" int vx_re2_check(const char *pattern, size_t len,
                            bool case_insensitive, char *err, size_t errlen) {
  vx_re2 *re;
  int rc = vx_re2_compile(pattern, len, case_insensitive, &re, err, errlen);
  vx_re2_free(re);
  return rc;
}

extern "C" int vx_re2_search(const vx_re2 *re, const char *subject,
                             size_t len) {
  if (subject == nullptr)
    len = 0;
  try {
    return re->re.Match(re2::StringPiece(subject, len), 0, len,
                        re2::RE2::UNANCHORED, nullptr, 0)
               ? 1
               : 0;
  } catch (const std::bad_alloc &) {
    return VX_ENOMEM;
  }
}

extern "C" void vx_re2_free(vx_re2 *re) {
  delete re;
}
