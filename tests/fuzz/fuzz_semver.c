/*
 * fuzz_semver - semantic versions (sdk/semver.c). The input is one version,
 * or two separated by a newline; versions that parse must compare as an
 * order does: equal to themselves, and a < b exactly when b > a.
 */
#include <stdlib.h>
#include <string.h>

#include <vexil/sdk.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const char *nl = memchr(s, '\n', size);
  size_t la = nl != NULL ? (size_t)(nl - s) : size;
  vx_semver a, b;
  int ra = vx_semver_parse(s, la, &a);
  int rb = nl != NULL ? vx_semver_parse(nl + 1, size - la - 1, &b) : -1;
  if (ra == 0 && vx_semver_cmp(&a, &a) != 0)
    abort();
  if (ra == 0 && rb == 0) {
    int ab = vx_semver_cmp(&a, &b), ba = vx_semver_cmp(&b, &a);
    if (ab < -1 || ab > 1 || ab != -ba)
      abort();
  }
  return 0;
}
