#!/bin/sh
# instructions.sh - instructions per OFREP single evaluation inside the
# request callback (civetweb's begin_request), for vexild and for the
# civetweb ceiling, counted by callgrind: repeatable where timings on a
# shared machine are not.
#
#   tests/bench/http/instructions.sh [BUILD_DIR]     (default: build-bench)
#
# Needs valgrind and wrk. Everything listens on 127.0.0.1. Prints one line
# per server: requests, instructions in the callback, per request.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-bench}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vexil-instr.XXXXXX")
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
admin=instr-admin-token-0123456789
path=/ofrep/v1/evaluate/flags/bench-rollout-00001

wait_for() { # FILE TEXT
  i=0
  until grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 600 ] || { echo "instructions.sh: no '$2' in $1" >&2; exit 1; }
    sleep 0.1
  done
}

# count NAME CALLBACK BASE TOKEN: wrk for 5 s, then the callgrind dump.
count() {
  callgrind_control -z "$pid" >/dev/null 2>&1
  n=$(wrk -t1 -c4 -d5s -s "$here/ofrep.lua" "$3" -- "$path" "$4" |
    sed -n 's/^WRK .*requests=\([0-9]*\).*/\1/p')
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  ir=$(callgrind_annotate --inclusive=yes "$tmp/$1.out.1" 2>/dev/null |
    grep "???:$2 " | head -1 | awk '{ gsub(",", "", $1); print $1 }')
  echo "$1: $n requests, $ir instructions in $2, $((ir / n)) per request"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

VEXIL_NO_DLCLOSE=1 VEXIL_ADMIN_TOKEN=$admin valgrind --tool=callgrind --max-threads=5000 \
  --callgrind-out-file="$tmp/vexild.out" --toggle-collect=dispatch \
  "$build/daemon/vexild" --listen 127.0.0.1:0 --data-dir "$tmp/d" \
  --plugin-dir "$build/plugins" >"$tmp/v.out" 2>"$tmp/v.err" &
pid=$!
wait_for "$tmp/v.out" "listening on http://"
base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/v.out" | head -1)
until curl -sf "$base/readyz" >/dev/null; do sleep 0.2; done
"$build/tests/bench/http/gen_state" 100 >"$tmp/state.json"
curl -sf -X POST -H "Authorization: Bearer $admin" --data-binary @"$tmp/state.json" \
  "$base/api/v1/admin/import?format=unleash&environment=production&mode=replace" >/dev/null
secret=$(curl -sf -X POST -H "Authorization: Bearer $admin" \
  -d '{"name":"b","role":"client","environment":"production"}' \
  "$base/api/v1/admin/tokens" | sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p')
ctx='{"context":{"targetingKey":"user-0","email":"user0@example.com","appVersion":"2.0.0","country":"C00","age":18}}'
curl -sf -X POST -H "Authorization: Bearer $secret" -d "$ctx" "$base$path" >"$tmp/body"
count vexild dispatch "$base" "$secret"

valgrind --tool=callgrind --callgrind-out-file="$tmp/ceiling.out" \
  --toggle-collect=answer "$build/tests/bench/http/ceiling" \
  --listen 127.0.0.1:0 --threads 272 --body "$tmp/body" \
  >"$tmp/c.out" 2>"$tmp/c.err" &
pid=$!
wait_for "$tmp/c.out" "listening on http://"
base=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$tmp/c.out")
sleep 1
count ceiling answer "$base" "$secret"
