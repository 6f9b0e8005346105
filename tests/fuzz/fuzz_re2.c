/*
 * fuzz_re2 - the RE2 shim's pattern check (daemon/re2_shim.cc) and, for a
 * pattern it accepts, compilation through the interning layer (regex.c)
 * and searches. The first byte's low bit is caseInsensitive, the rest is
 * the pattern. A refused pattern must come with a "REGEX: " message that
 * is valid UTF-8 (it is sent in JSON) whenever the pattern is.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ofrep.h"
#include "re2_shim.h"
#include "regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  bool ci = data[0] & 1;
  const char *p = (const char *)data + 1;
  size_t len = size - 1;
  char err[256];
  int rc = vx_re2_check(p, len, ci, err, sizeof err);
  if (rc != 0) {
    if (strncmp(err, "REGEX: ", 7) != 0 ||
        (vx_utf8_valid(p, len) && !vx_utf8_valid(err, strlen(err))))
      abort();
    return 0;
  }
  vx_regex *a = NULL, *b = NULL;
  if (vx_regex_compile(p, len, ci, &a, err, sizeof err) != 0 ||
      vx_regex_compile(p, len, ci, &b, err, sizeof err) != 0 || a != b)
    abort(); /* the check said yes; equal patterns share one program */
  static const char *const subjects[] = {
      "", "a", "jane@example.com", "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5",
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxz"};
  for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++)
    vx_regex_search(a, subjects[i], strlen(subjects[i]));
  vx_regex_search(a, p, len);
  vx_regex_free(a);
  vx_regex_free(b);
  return 0;
}
