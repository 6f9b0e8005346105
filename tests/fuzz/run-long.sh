#!/bin/sh
# run-long.sh SECONDS [NAME...]
#
# Fuzzes each harness of tests/fuzz (or only those named: flag, re2, ...)
# for SECONDS, one after another, with the fuzzing build: set up and built
# here as build-fuzz if needed (clang; docs/fuzzing.md). What the fuzzers
# learn is kept in build-fuzz/tests/fuzz/fuzz-work/NAME/corpus and grows
# from run to run; inputs that crash land in .../NAME/artifacts/. Set
# FUZZ_JOBS=N to run N fuzzing processes per harness (libFuzzer -fork).
# Exits non-zero when any harness found a crash, after running them all.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:?usage: run-long.sh SECONDS [NAME...]}
shift
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz --werror -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C build-fuzz >/dev/null
names=${*:-}
if [ -z "$names" ]; then
  names=$(ls build-fuzz/tests/fuzz | sed -n 's/^fuzz_\([a-z0-9_]*\)$/\1/p')
fi
export VX_PLUGIN_DIR="$PWD/build-fuzz/plugins" VEXIL_NO_DLCLOSE=1
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
jobs=${FUZZ_JOBS:-1}
status=0
for name in $names; do
  echo "== $name: $seconds s"
  if [ "$jobs" -gt 1 ]; then
    set -- -fork="$jobs" -ignore_crashes=1
  else
    set --
  fi
  sh tests/fuzz/run-fuzzer.sh "build-fuzz/tests/fuzz/fuzz_$name" "$seconds" \
    "$@" 2>"build-fuzz/tests/fuzz/fuzz-$name.log" || status=1
  grep -E '^stat::number_of_executed_units|^Done' \
    "build-fuzz/tests/fuzz/fuzz-$name.log" || true
  ls "build-fuzz/tests/fuzz/fuzz-work/$name/artifacts/" 2>/dev/null || true
done
exit $status
