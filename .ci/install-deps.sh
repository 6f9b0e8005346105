#!/bin/sh
# Installs the Debian 12 packages Vexil needs, if missing. Run as root on a
# fresh machine; a no-op when everything is there.
#   install-deps.sh        to build and test (tests/run-all.sh)
#   install-deps.sh build  to build and run (examples/demo.sh): no browser,
#                          no Node.js
set -eu
packages="meson ninja-build pkg-config gcc g++ libc6-dev python3
libsqlite3-dev libconfig-dev libcunit1-dev libcivetweb-dev
libjansson-dev libre2-dev libcurl4-openssl-dev curl tzdata"
# chromium: the web UI's browser tests (tests/ui) drive Debian's build
# through playwright-core, which downloads no browser of its own.
# nginx: tests/http/test_proxy.c runs vexild behind it with the
# recommended front-proxy configuration, examples/nginx-vexil.conf.
# clang and libclang-rt-14-dev (libFuzzer, clang's sanitizer runtimes):
# the fuzzing build of tests/fuzz (docs/fuzzing.md).
[ "${1:-test}" = build ] ||
  packages="$packages chromium nginx clang libclang-rt-14-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
# Node.js runs the end-to-end test with the real OpenFeature SDK (npm):
# Debian's nodejs/npm unless a node is already there.
if [ "${1:-test}" != build ]; then
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    missing="$missing nodejs npm"
fi
if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
