#!/bin/sh
# vexil-plugin, the author's tool: `check` on good and ABI-broken modules,
# `test` on passing cases, on failing ones (each failure printed, exit 1)
# and on a malformed cases file (exit 2).
# usage: test_vexil_plugin.sh VEXIL_PLUGIN PLUGIN_DIR FIXTURE_DIR CASES_DIR
#          FAULTY_FIXTURE_DIR
set -u
tool=$1 plugins=$2 fixtures=$3 cases=$4 faulty=$5
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failures=0
fail() { echo "FAIL: $*"; sed 's/^/    | /' "$out"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# run EXPECTED_STATUS ARGS...: runs the tool, output in $out
run() {
  want=$1
  shift
  "$tool" "$@" >"$out" 2>&1
  got=$?
  [ "$got" -eq "$want" ] || { fail "vexil-plugin $* exited $got, expected $want"; return 1; }
}
has() { grep -qF -- "$1" "$out" || { fail "output lacks: $1"; return 1; }; }

run 0 check "$plugins/flexible_rollout.so" &&
  has "name:        flexibleRollout" && has "kind:        split" &&
  has "rollout              percentage required" &&
  has "abi:         1.0 (host 1.0)" && has "no problem found" &&
  ok "check prints the descriptor and the parameter table"

run 1 check "$fixtures/bad_major.so" &&
  has "REFUSED $fixtures/bad_major.so: abi_major is 2, host supports 1" &&
  ok "check refuses an ABI-broken module as the daemon does, naming both values"

run 1 check "$fixtures/no_entry.so" && has "vexil_strategy_entry is missing" &&
  ok "check refuses a module without the entry point"

run 1 check "$fixtures/small_size.so" && has "size is 16" &&
  ok "check refuses a descriptor too small for its minor"

run 1 check /nonexistent/plugin.so &&
  has "REFUSED /nonexistent/plugin.so: cannot read: No such file or directory" &&
  ok "check reports a file it cannot read"

printf 'not a shared object' >"$out.so"
run 1 check "$out.so" && has "dlopen failed" &&
  ok "check reports a file dlopen refuses"
rm -f "$out.so"

run 0 test "$plugins/user_with_id.so" "$cases/user_with_id.json" &&
  has "ok   a listed user is on" && has "userWithId: 3 passed, 0 failed" &&
  ok "test runs passing cases and refused parameters"

for p in time_window ramp_rollout; do
  run 0 test "$plugins/$p.so" "$cases/$p.json" && has " passed, 0 failed" &&
    ok "test: the $p cases pass"
done

run 1 test "$plugins/user_with_id.so" "$cases/failing.json" &&
  has "ok   passes" &&
  has "FAIL wrong expectation: expected on, got off (context {\"userId\":\"mallory\"})" &&
  has "FAIL refused parameters: the parameters were refused: missing parameter userIds" &&
  has "FAIL accepted though said refused: the parameters were accepted" &&
  has "FAIL refused with another message: refused with \"missing parameter userIds\"" &&
  has "userWithId: 1 passed, 4 failed" &&
  ok "test prints each failure and exits 1"

run 1 test "$plugins/flexible_rollout.so" "$cases/user_with_id.json" &&
  has "FAIL the cases are for \"userWithId\", the plugin is \"flexibleRollout\"" &&
  ok "test checks the cases are for this plugin"

run 2 test "$plugins/user_with_id.so" "$cases/malformed.json" &&
  has "malformed.json:2:0:" && ok "test reports a malformed cases file with its line"

run 1 test "$fixtures/bad_magic.so" "$cases/user_with_id.json" &&
  has "REFUSED" && ok "test refuses a module check refuses"

run 1 check "$faulty/evaluate_segv.so" &&
  has "REFUSED $faulty/evaluate_segv.so: killed by SIGSEGV (Segmentation fault) in evaluate" &&
  ok "check refuses a module that crashes in the pre-load check, as the daemon does"

run 1 check "$faulty/ctor_exit.so" &&
  has "exited with status 3 in dlopen (the module's constructors) during the pre-load check" &&
  ok "check refuses a module that exits in its constructor"

run 0 check "$faulty/compile_abort.so" && has "pre-load check: passed" &&
  ok "check passes a module whose compile only fails on some parameters"

run 1 test "$faulty/compile_abort.so" "$cases/boom.json" &&
  has "killed by SIGABRT (Aborted) in compile (flag test-flag in cases[1], strategies[0])" &&
  ok "test runs the pre-load check with the cases' parameters"

run 1 test "$faulty/einval.so" "$cases/einval.json" &&
  has "FAIL any user: evaluate returned -1 (EINVAL), neither 1 nor 0" &&
  ok "test reports an evaluate that returns an error"

run 2 frobnicate && has "usage:" && ok "an unknown command prints the usage"

[ $failures -eq 0 ] && echo "all vexil-plugin checks passed"
exit $failures
