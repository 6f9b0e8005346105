/*
 * fuzz_ip - IP addresses and CIDR ranges (sdk/ip.c). The input is one
 * text, or a range and an address separated by a newline. An address that
 * parses is also a one-host range that contains it.
 */
#include <stdlib.h>
#include <string.h>

#include <vexil/sdk.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const char *nl = memchr(s, '\n', size);
  size_t la = nl != NULL ? (size_t)(nl - s) : size;
  vx_ip ip;
  vx_cidr range;
  int rc_range = vx_cidr_parse(s, la, &range);
  if (vx_ip_parse(s, la, &ip) == 0 &&
      (rc_range != 0 || vx_cidr_contains(&range, &ip) != 1))
    abort();
  if (nl != NULL && rc_range == 0 &&
      vx_ip_parse(nl + 1, size - la - 1, &ip) == 0)
    vx_cidr_contains(&range, &ip);
  return 0;
}
