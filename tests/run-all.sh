#!/bin/sh
# The test command: installs what is missing, builds warning-free with
# -Wall -Wextra -Werror, and runs the whole suite twice: a normal build and
# one with AddressSanitizer and UndefinedBehaviorSanitizer. A third build,
# with clang, runs each fuzzer of tests/fuzz for a few seconds
# (docs/fuzzing.md).
set -eu
cd "$(dirname "$0")/.."
sh .ci/install-deps.sh

setup() { # dir, options...
  dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" --werror "$@" >/dev/null
  else
    meson setup "$dir" --werror "$@" >/dev/null
  fi
}

summary() { # dir: prints "name: N passed, N failed" from meson's log
  python3 - "$1" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1] + "/meson-logs/testlog.json"):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r["result"] != "SKIP": bad += 1
print(f"{sys.argv[1]}: {ok} passed, {bad} failed")
PY
}

status=0
echo "== normal build =="
setup build
meson compile -C build
meson test -C build --print-errorlogs --num-processes 2 || status=1
summary build

echo "== sanitizer build (address, undefined) =="
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
VEXIL_NO_DLCLOSE=1 \
  meson test -C build-asan --print-errorlogs --num-processes 2 \
    --timeout-multiplier 3 || status=1
summary build-asan

echo "== fuzzing build (clang, libFuzzer, address, undefined) =="
if [ -f build-fuzz/build.ninja ]; then
  meson setup --reconfigure build-fuzz >/dev/null
else
  CC=clang CXX=clang++ meson setup build-fuzz --werror -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C build-fuzz
meson test -C build-fuzz --print-errorlogs --num-processes 2 || status=1
summary build-fuzz

ok=0
failed=0
for dir in build build-asan build-fuzz; do
  ok=$((ok + $(summary $dir | sed 's/.*: \([0-9]*\) passed.*/\1/')))
  failed=$((failed + $(summary $dir | sed 's/.*passed, \([0-9]*\) failed/\1/')))
done
echo "total: $ok passed, $failed failed"
exit $status
