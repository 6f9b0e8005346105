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

if ! command -v node >/dev/null 2>&1; then
  echo "e2e: node is not installed; skipped"
  exit 77
fi
if [ ! -x "$vexild" ]; then
  echo "e2e: no vexild at $vexild (build first, or pass its path)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/@openfeature/ofrep-provider" ]; then
  echo "e2e: installing the locked npm packages"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vexil-e2e.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

admin_token="e2e-admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
VEXIL_ADMIN_TOKEN=$admin_token "$vexild" --listen 127.0.0.1:0 \
  --data-dir "$tmp/data" --plugin-dir "$plugins" --log-level info \
  2>"$tmp/vexild.log" &
pid=$!

# The port the daemon bound: its log says "(port N)".
port=""
i=0
while [ $i -lt 200 ]; do
  port=$(sed -n 's/.*listening on .*(port \([0-9][0-9]*\)).*/\1/p' \
    "$tmp/vexild.log" | head -n 1)
  [ -n "$port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    break
  fi
  sleep 0.05
  i=$((i + 1))
done
if [ -z "$port" ]; then
  echo "e2e: vexild did not start; its log:" >&2
  cat "$tmp/vexild.log" >&2
  exit 1
fi
base="http://127.0.0.1:$port"
i=0
until node -e "fetch('$base/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"; do
  i=$((i + 1))
  if [ $i -ge 100 ]; then
    echo "e2e: $base/readyz never answered 200; log:" >&2
    cat "$tmp/vexild.log" >&2
    exit 1
  fi
  sleep 0.1
done

status=0
VEXIL_URL=$base VEXIL_ADMIN_TOKEN=$admin_token \
  node --test "$here/openfeature.test.mjs" || status=$?

kill -TERM "$pid"
if ! wait "$pid"; then
  echo "e2e: vexild did not exit cleanly; its log:" >&2
  cat "$tmp/vexild.log" >&2
  [ $status -eq 0 ] && status=1
fi
pid=""
if [ $status -ne 0 ]; then
  echo "e2e: failed; the daemon's log:" >&2
  cat "$tmp/vexild.log" >&2
fi
exit $status
