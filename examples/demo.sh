#!/bin/sh
# The run command: installs what is missing, builds, and shows Vexil
# deciding the demo flags of examples/demo-state.json with the built-in
# plugins. (Until the HTTP daemon lands, this runs `vexild evaluate`.)
set -eu
cd "$(dirname "$0")/.."
sh .ci/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
for flag in new-checkout beta-banner button-colour legacy-search; do
  echo "== $flag"
  build/daemon/vexild evaluate --unleash-state examples/demo-state.json \
    --flag "$flag" --contexts examples/demo-contexts.jsonl
done
