#!/bin/sh
# Every built-in plugin exports exactly one symbol, vexil_strategy_entry,
# and needs nothing from the daemon (no undefined symbol outside libc/libm).
# usage: check_exports.sh PLUGIN.so...
status=0
for so in "$@"; do
  exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
    grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$')
  if [ "$exported" != "vexil_strategy_entry" ]; then
    echo "FAIL $so exports: $(echo "$exported" | tr '\n' ' ')"
    status=1
  fi
  needed=$(objdump -p "$so" | awk '$1 == "NEEDED" {print $2}' |
    grep -v -E '^(libc|libm)\.so' | grep -v -E '^(libasan|libubsan)')
  if [ -n "$needed" ]; then
    echo "FAIL $so needs: $needed"
    status=1
  fi
done
[ $status -eq 0 ] && echo "$# plugins export only vexil_strategy_entry"
exit $status
