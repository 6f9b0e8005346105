#!/bin/sh
# The 1.0 sizes stay what 1.0 plugins were built with when a later minor
# appends a field: a copy of the public headers gets one more callback at
# the end of vx_strategy_descriptor and of vx_host_api (what a 1.1 release
# would do), and a program built against that copy must still see
# VX_DESCRIPTOR_SIZE_V1_0 and VX_HOST_API_SIZE_V1_0 at their 1.0 values,
# below the grown structs' sizes.
# usage: test_abi_freeze.sh CC INCLUDE_DIR
set -eu
cc=$1
inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/vexil"
cp "$inc"/vexil/*.h "$tmp/vexil/"
h="$tmp/vexil/strategy.h"
sed -i 's|^  void (\*free_instance)(void \*module_state, void \*instance);$|&\n  int (*appended_in_1_1)(void);|' "$h"
sed -i 's|^  uint32_t (\*random_u32)(void);$|&\n  int (*appended_in_1_1)(void);|' "$h"
if [ "$(grep -c appended_in_1_1 "$h")" != 2 ]; then
  echo "FAIL could not append a field to both structs of $h"
  exit 1
fi
cat >"$tmp/t.c" <<'C'
#include <stdio.h>
#include <vexil/sdk.h>
#include <vexil/strategy.h>
int main(void) {
  size_t d = VX_DESCRIPTOR_SIZE_V1_0, h = VX_HOST_API_SIZE_V1_0;
  size_t want_d = sizeof(void *) == 8 ? 104 : 56;
  size_t want_h = sizeof(void *) == 8 ? 64 : 36;
  vx_host_api host = {.size = (uint32_t)VX_HOST_API_SIZE_V1_0};
  int ok = d == want_d && d < sizeof(vx_strategy_descriptor) &&
           h == want_h && h < sizeof(vx_host_api) &&
           !VX_HOST_HAS(&host, appended_in_1_1);
  printf("%s descriptor 1.0 %zu (grown struct %zu), host table 1.0 %zu "
         "(grown struct %zu)\n", ok ? "ok" : "FAIL", d,
         sizeof(vx_strategy_descriptor), h, sizeof(vx_host_api));
  return ok ? 0 : 1;
}
C
"$cc" -std=c17 -Wall -Wextra -Werror -I"$tmp" "$tmp/t.c" -o "$tmp/t"
"$tmp/t"
