#!/bin/sh
# rss.sh - VmRSS of vexild with N flags: empty, 0.5 s after the import,
# after a toggle and the list of all flags, and after a restart on the
# same database (flags read from SQLite).
#
#   tests/bench/http/rss.sh [BUILD_DIR [N]]    (default: build-bench 10000)
set -eu
build=$(cd "${1:-build-bench}" && pwd)
n=${2:-10000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vexil-rss.XXXXXX")
pid=""
trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$build/tests/bench/http/gen_state" "$n" >"$tmp/state.json"
admin=rss-admin-token-0123456789
start() {
  : >"$tmp/out"
  env VEXIL_ADMIN_TOKEN=$admin VEXIL_BODY_LIMIT=67108864 \
    "$build/daemon/vexild" --listen 127.0.0.1:0 --data-dir "$tmp/d" \
    --plugin-dir "$build/plugins" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  until grep -q "listening on http://" "$tmp/out" 2>/dev/null; do sleep 0.05; done
  base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/out" | head -1)
  until curl -sf "$base/readyz" >/dev/null; do sleep 0.05; done
}
stop() { kill "$pid"; wait "$pid" || true; pid=""; }
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$pid/status"; }
admin_call() { curl -sS -f -H "Authorization: Bearer $admin" "$@" >/dev/null; }
start
empty=$(rss)
admin_call -X POST --data-binary @"$tmp/state.json" \
  "$base/api/v1/admin/import?format=unleash&environment=production&mode=replace"
sleep 0.5
loaded=$(rss)
admin_call -X POST "$base/api/v1/admin/flags/bench-default-00000/environments/production/off"
admin_call "$base/api/v1/admin/flags?archived=any"
sleep 0.5
after=$(rss)
stop
start
sleep 0.5
restart=$(rss)
stop
echo "flags=$n empty=${empty}kB loaded=${loaded}kB after_toggle_and_list=${after}kB restart=${restart}kB"
