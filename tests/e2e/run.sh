#!/bin/sh
# End-to-end: the real OpenFeature server SDK and its OFREP provider (npm)
# against a real vexild. Starts the daemon on a free loopback port with a
# temporary data folder and VEXIL_ADMIN_TOKEN, runs `node --test` (which
# imports its flags through the admin API), stops the daemon.
#
#   tests/e2e/run.sh [VEXILD [PLUGIN_DIR]]
# or VX_VEXILD / VX_PLUGIN_DIR in the environment; defaults: the build/
# folder. Exits 77 (skipped) when node is not installed; installs the
# locked packages (npm ci) when node_modules is missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vexild=${1:-${VX_VEXILD:-$root/build/daemon/vexild}}
plugins=${2:-${VX_PLUGIN_DIR:-$root/build/plugins}}

. "$root/tests/support/node.sh"
vx_node_packages e2e "$here" @openfeature/ofrep-provider
. "$root/tests/support/daemon.sh"
vx_daemon_start e2e "$vexild" --plugin-dir "$plugins" || exit 1

status=0
VEXIL_URL=$vx_base VEXIL_ADMIN_TOKEN=$vx_admin_token \
  node --test "$here/openfeature.test.mjs" || status=$?

vx_daemon_stop || [ $status -ne 0 ] || status=1
if [ $status -ne 0 ]; then
  echo "e2e: failed; the daemon's log:" >&2
  vx_daemon_log_tail 100
fi
exit $status
