#!/bin/sh
# run.sh - the web UI's first page, measured (first_page.mjs) against a
# real vexild with FLAGS flags of the HTTP benchmark's four shapes.
#
#   tests/bench/ui/run.sh [BUILD_DIR]          (default: build-bench)
#   FLAGS="100 1000" ROUNDS=20 (defaults)
# Uses tests/ui's playwright-core (npm ci there when missing) and Debian's
# chromium. Everything is on 127.0.0.1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build-bench}" && pwd)
FLAGS=${FLAGS:-100 1000}
. "$root/tests/support/node.sh"
vx_node_packages ui-bench "$root/tests/ui" playwright-core
# The import of 10,000 flags is larger than the default body limit.
export VEXIL_BODY_LIMIT=67108864
. "$root/tests/support/daemon.sh"
for n in $FLAGS; do
  vx_daemon_start ui-bench "$build/daemon/vexild" --plugin-dir "$build/plugins"
  "$build/tests/bench/http/gen_state" "$n" >"$vx_tmp/state.json"
  curl -sSf -X POST -H "X-API-Key: $vx_admin_token" \
    -H 'Content-Type: application/json' --data-binary @"$vx_tmp/state.json" \
    "$vx_base/api/v1/admin/import?format=unleash&environment=production&mode=replace" \
    >/dev/null
  printf 'flags=%s ' "$n"
  VEXIL_URL=$vx_base VEXIL_ADMIN_TOKEN=$vx_admin_token \
    node "$here/first_page.mjs"
  vx_daemon_stop
  rm -rf "$vx_tmp/data"
done
