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
# build: its plugins are taken from next to it).
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
root=$(cd "$here/../../.." && pwd)
# The slow connections and the daemon's own sockets: well above 2 N.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
. "$root/tests/support/daemon.sh"
# shellcheck disable=SC2086
vx_daemon_start slow "$vexild" --plugin-dir "$plugins" $ARGS
pid=$vx_pid
base=$vx_base
"$tools/gen_state" 100 >"$vx_tmp/state.json"
admin() { # PATH [curl args...]: POST with the admin token, prints the body
  p=$1
  shift
  curl -sSf -X POST -H "Authorization: Bearer $vx_admin_token" "$@" "$base$p"
}
admin '/api/v1/admin/import?format=unleash&environment=production&mode=replace' \
  --data-binary @"$vx_tmp/state.json" >/dev/null
secret=$(admin /api/v1/admin/tokens \
  -d '{"name":"slow","role":"client","environment":"production"}' |
  sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p')
path=/ofrep/v1/evaluate/flags/bench-rollout-00001
echo "vexild: $vexild, $(grep -o '[0-9]* worker threads' "$vx_log" | head -1); args: ${ARGS:-none}; N=$N, ${SECONDS_} s per mode"
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
