#!/bin/sh
# Browser tests of the web UI: Debian's chromium driven by playwright-core
# (npm; no browser download) against a real vexild. Starts the daemon on a
# free loopback port with a temporary data folder and VEXIL_ADMIN_TOKEN,
# runs `node --test` on ui.test.mjs, stops the daemon. Screenshots (one or
# more per test) go to SHOTS. EXTRA_PLUGINS is a folder with the test
# plugin uiShowcase (showcase_plugin.c), which the UI must render without
# knowing it.
#
#   tests/ui/run.sh [VEXILD [PLUGIN_DIR [SHOTS [EXTRA_PLUGINS]]]]
# or VX_VEXILD / VX_PLUGIN_DIR / VX_SHOTS / VX_EXTRA_PLUGINS; defaults: the
# build/ folder.
# Exits 77 (skipped) when node is not installed; installs the locked
# packages (npm ci) when node_modules is missing. chromium is installed by
# .ci/install-deps.sh, so a missing one is a failure, not a skip.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vexild=${1:-${VX_VEXILD:-$root/build/daemon/vexild}}
plugins=${2:-${VX_PLUGIN_DIR:-$root/build/plugins}}
shots=${3:-${VX_SHOTS:-$root/build/tests/ui/screenshots}}
extra=${4:-${VX_EXTRA_PLUGINS:-$root/build/tests/ui}}
chromium=${VX_CHROMIUM:-/usr/bin/chromium}

. "$root/tests/support/node.sh"
vx_node_packages ui "$here" playwright-core
if [ ! -x "$chromium" ]; then
  echo "ui: no chromium at $chromium (sh .ci/install-deps.sh installs it)" >&2
  exit 1
fi
mkdir -p "$shots"

. "$root/tests/support/daemon.sh"
vx_daemon_start ui "$vexild" --plugin-dir "$plugins" --plugin-dir "$extra" ||
  exit 1

status=0
VEXIL_URL=$vx_base VEXIL_ADMIN_TOKEN=$vx_admin_token VX_SHOTS=$shots \
  VX_CHROMIUM=$chromium node --test --test-concurrency=1 \
  "$here/ui.test.mjs" || status=$?

vx_daemon_stop || [ $status -ne 0 ] || status=1
if [ $status -ne 0 ]; then
  echo "ui: failed; the daemon's log:" >&2
  vx_daemon_log_tail 100
fi
exit $status
