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

if ! command -v node >/dev/null 2>&1; then
  echo "ui: node is not installed; skipped"
  exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "ui: no chromium at $chromium (sh .ci/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -x "$vexild" ]; then
  echo "ui: no vexild at $vexild (build first, or pass its path)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "ui: installing the locked npm packages"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$shots"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vexil-ui.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

admin_token="ui-admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
VEXIL_ADMIN_TOKEN=$admin_token "$vexild" --listen 127.0.0.1:0 \
  --data-dir "$tmp/data" --plugin-dir "$plugins" --plugin-dir "$extra" \
  --log-level info \
  2>"$tmp/vexild.log" &
pid=$!

# The port the daemon bound: its log says "(port N)".
port=""
i=0
while [ $i -lt 200 ]; do
  port=$(sed -n 's/.*listening on .*(port \([0-9][0-9]*\)).*/\1/p' \
    "$tmp/vexild.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
  i=$((i + 1))
done
if [ -z "$port" ]; then
  echo "ui: vexild did not start; its log:" >&2
  cat "$tmp/vexild.log" >&2
  exit 1
fi
base="http://127.0.0.1:$port"
i=0
until node -e "fetch('$base/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"; do
  i=$((i + 1))
  if [ $i -ge 100 ]; then
    echo "ui: $base/readyz never answered 200; log:" >&2
    cat "$tmp/vexild.log" >&2
    exit 1
  fi
  sleep 0.1
done

status=0
VEXIL_URL=$base VEXIL_ADMIN_TOKEN=$admin_token VX_SHOTS=$shots \
  VX_CHROMIUM=$chromium node --test --test-concurrency=1 \
  "$here/ui.test.mjs" || status=$?

kill -TERM "$pid"
if ! wait "$pid"; then
  echo "ui: vexild did not exit cleanly; its log:" >&2
  cat "$tmp/vexild.log" >&2
  [ $status -eq 0 ] && status=1
fi
pid=""
if [ $status -ne 0 ]; then
  echo "ui: failed; the daemon's log:" >&2
  tail -n 100 "$tmp/vexild.log" >&2
fi
exit $status
