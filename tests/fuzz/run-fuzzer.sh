#!/bin/sh
# run-fuzzer.sh FUZZER SECONDS [LIBFUZZER OPTIONS...]
#
# Runs one libFuzzer harness of the fuzzing build (build-fuzz/tests/fuzz/
# fuzz_NAME) for SECONDS, starting from its committed corpus
# (tests/fuzz/corpus/NAME) and regressions (tests/fuzz/regressions/NAME).
# New inputs go to a work folder, never into the committed ones:
#   $VX_FUZZ_WORK/NAME/corpus      what the fuzzer learnt (kept across runs)
#   $VX_FUZZ_WORK/NAME/artifacts   crash-*, leak-*, timeout-* inputs
# ($VX_FUZZ_WORK defaults to fuzz-work next to the fuzzer.) Exits non-zero
# when the fuzzer found a crash; docs/fuzzing.md says what to do then.
set -eu
exe=$1
seconds=$2
shift 2
name=$(basename "$exe")
name=${name#fuzz_}
here=$(cd "$(dirname "$0")" && pwd)
work=${VX_FUZZ_WORK:-$(cd "$(dirname "$exe")" && pwd)/fuzz-work}/$name
mkdir -p "$work/corpus" "$work/artifacts"
case $name in # the dictionary of its input's vocabulary, if it has one
  config | re2) dict="$here/$name.dict" ;;
  ofrep_scan | context | flag | segment | variant | unleash_import)
    dict="$here/vexil.dict" ;;
  *) dict= ;;
esac
if [ -n "$dict" ]; then
  set -- -dict="$dict" "$@"
fi
exec "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
  -print_final_stats=1 -error_exitcode=1 -artifact_prefix="$work/artifacts/" \
  "$@" \
  "$work/corpus" "$here/corpus/$name" "$here/regressions/$name"
