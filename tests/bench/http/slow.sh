#!/bin/sh
# slow.sh - a normal client's latency while N slow connections are held
# (slow_clients.c), for each kind of slow client, against one vexild with
# its default settings, on 127.0.0.1.
#
#   tests/bench/http/slow.sh [BUILD_DIR]       (default: build-bench)
#
# Knobs (environment): N=1000 slow connections, SECONDS=30 per mode,
# MODES="idle headers body body-token", ARGS="" extra vexild arguments
# (e.g. "--threads 16"), VEXILD=path another vexild to measure (an older
# build: its plugins are taken from next to it), KEEP=1 keeps the
# temporary folder.
# Prints one SLOW line per mode (see slow_clients.c), then vexild's
# threads and VmRSS at the end of the last mode.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-bench}" && pwd)
N=${N:-1000}
SECONDS_=${SECONDS:-30}
MODES=${MODES:-idle headers body body-token}
ARGS=${ARGS:-}
tools=$build/tests/bench/http
vexild=${VEXILD:-$build/daemon/vexild}
plugins=$(cd "$(dirname "$vexild")/../plugins" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vexil-slow.XXXXXX")
pid=""
cleanup() {
  [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  if [ "${KEEP:-0}" = 1 ]; then echo "slow.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
admin=slow-admin-token-0123456789
# The slow connections and the daemon's own sockets: well above 2 N.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# shellcheck disable=SC2086
VEXIL_ADMIN_TOKEN=$admin "$vexild" --listen 127.0.0.1:0 \
  --data-dir "$tmp/d" --plugin-dir "$plugins" $ARGS \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
until grep -q "listening on http://" "$tmp/out" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 200 ] || { echo "slow.sh: vexild did not start" >&2; cat "$tmp/err" >&2; exit 1; }
  sleep 0.05
done
base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/out" | head -1)
until curl -sf "$base/readyz" >/dev/null; do sleep 0.05; done
"$tools/gen_state" 100 >"$tmp/state.json"
curl -sSf -X POST -H "Authorization: Bearer $admin" --data-binary @"$tmp/state.json" \
  "$base/api/v1/admin/import?format=unleash&environment=production&mode=replace" >/dev/null
secret=$(curl -sSf -X POST -H "Authorization: Bearer $admin" \
  -d '{"name":"slow","role":"client","environment":"production"}' \
  "$base/api/v1/admin/tokens" | sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p')
path=/ofrep/v1/evaluate/flags/bench-rollout-00001
echo "vexild: $vexild, $(grep -o '[0-9]* worker threads' "$tmp/err" | head -1); args: ${ARGS:-none}; N=$N, ${SECONDS_} s per mode"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
port=${base##*:}
for mode in $MODES; do
  "$tools/slow_clients" 127.0.0.1 "$port" "$mode" "$N" "$SECONDS_" "$path" "$secret"
  threads=$(sed -n 's/^Threads:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
  rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
  # Let the daemon drop what the last mode left.
  sleep 3
done
echo "vexild at the end: $threads threads, VmRSS $rss kB"
