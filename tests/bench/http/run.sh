#!/bin/sh
# run.sh - the HTTP benchmark of issue 3, end to end, on 127.0.0.1 only.
#
#   tests/bench/http/run.sh [BUILD_DIR]        (default: build-bench)
#
# BUILD_DIR is a meson build of this repository (release or
# debugoptimized; run.sh prints which). Everything listens on 127.0.0.1,
# on ports the kernel picks. With wrk (-t1 -cCONNS, ofrep.lua):
#
#   1. OFREP single evaluation (POST /ofrep/v1/evaluate/flags/KEY) on
#      daemon A, next to the civetweb ceiling (ceiling.c: the same civetweb
#      options, a handler that only answers the same body bytes);
#   2. OFREP bulk over 100 mixed flags (POST /ofrep/v1/evaluate/flags),
#      next to its own ceiling;
#   3. the single evaluation on daemon S, which has the same flags and
#      STREAMS event streams held open (hold_streams.c) all along.
#   Each run goes ceiling, A, S, bulk ceiling, A bulk, so that compared
#   figures are taken moments apart; the median of RUNS runs is reported,
#   with the server's CPU time per request (/proc/PID/stat).
#   4. toggle visibility (toggle_latency.c) at 100 flags on daemon A, then
#      on a fresh daemon B with FLAGS flags: VmRSS after the import, the
#      toggles, VmRSS again and after a restart on the same database.
#
# Prints a markdown table at the end. Takes about 2 minutes with the
# defaults. Knobs (environment):
#   DURATION=5     seconds per wrk run      RUNS=3      runs (median taken)
#   CONNS=32       wrk connections          STREAMS=200 event streams
#   FLAGS=10000    flags for RSS and toggles TOGGLES=100 toggles measured
#   PIN=split      split: servers on CPU 0, wrk and the tools on CPU 1;
#                  none: no pinning
#   KEEP=1         keep the temporary folder (logs, databases, bodies)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-build-bench}
[ -d "$build" ] || build=$root/$build
build=$(cd "$build" && pwd)
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
CONNS=${CONNS:-32}
STREAMS=${STREAMS:-200}
FLAGS=${FLAGS:-10000}
TOGGLES=${TOGGLES:-100}
PIN=${PIN:-split}

vexild=$build/daemon/vexild
plugins=$build/plugins
tools=$build/tests/bench/http
for f in "$vexild" "$tools/ceiling" "$tools/gen_state" "$tools/toggle_latency" \
  "$tools/hold_streams"; do
  if [ ! -x "$f" ]; then
    echo "run.sh: $f is missing: meson setup $build --buildtype=release &&" \
      "meson compile -C $build" >&2
    exit 2
  fi
done

if ! command -v wrk >/dev/null 2>&1; then
  echo "run.sh: wrk is missing: installing it (apt-get install -y wrk)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y wrk >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
for p in curl taskset; do
  command -v $p >/dev/null 2>&1 || { echo "run.sh: $p is missing" >&2; exit 2; }
done

ncpu=$(nproc)
if [ "$PIN" = split ] && [ "$ncpu" -ge 2 ]; then
  srv="taskset -c 0"
  cli="taskset -c 1"
  pinning="servers on CPU 0, wrk and the tools on CPU 1 (taskset)"
else
  srv=""
  cli=""
  pinning="no pinning ($ncpu CPUs shared)"
fi

buildtype=$(sed -n 's/^buildtype *= *//p' "$build/meson-private/cmd_line.txt" \
  2>/dev/null || true)
[ -n "$buildtype" ] || buildtype=$(meson introspect --buildoptions "$build" |
  python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"][0])')

tmp=$(mktemp -d /tmp/vexil-bench-http.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "run.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ADMIN=bench-admin-token-0123456789
json_h="Content-Type: application/json"

# wait_line FILE PATTERN: waits (10 s at most) for a line in FILE.
wait_line() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 200 ]; then
      echo "run.sh: timed out waiting for '$2' in $1:" >&2
      cat "$1" >&2
      exit 1
    fi
    sleep 0.05
  done
}

# start_vexild NAME [VAR=VALUE...]: starts a daemon on a free port with a
# database in $tmp/NAME; sets $pid and $base.
start_vexild() {
  name=$1
  shift
  mkdir -p "$tmp/$name"
  env VEXIL_ADMIN_TOKEN=$ADMIN "$@" $srv "$vexild" --listen 127.0.0.1:0 \
    --data-dir "$tmp/$name" --plugin-dir "$plugins" --log-level info \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids="$pids $pid"
  wait_line "$tmp/$name.out" "listening on http://"
  base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/$name.out" |
    head -1)
  i=0
  until curl -sf "$base/readyz" >/dev/null; do
    i=$((i + 1))
    [ $i -lt 200 ] || { echo "run.sh: $name not ready" >&2; exit 1; }
    sleep 0.05
  done
}

# start_ceiling NAME BODYFILE: sets $pid and $base.
start_ceiling() {
  $srv "$tools/ceiling" --listen 127.0.0.1:0 --threads "$threads" \
    --body "$2" >"$tmp/$1.out" 2>"$tmp/$1.err" &
  pid=$!
  pids="$pids $pid"
  wait_line "$tmp/$1.out" "listening on http://"
  base=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$tmp/$1.out")
}

admin() { # METHOD PATH [curl args...]: prints the body, fails on >= 400
  m=$1
  p=$2
  shift 2
  curl -sS -f -X "$m" -H "Authorization: Bearer $ADMIN" "$@" "$base$p"
}

rss_kb() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
threads_of() { sed -n 's/^Threads:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; } # user system
hz=$(getconf CLK_TCK)

# bench LABEL PID URL PATH TOKEN SECONDS: one wrk run against the server
# PID; appends req/s, p99 latency and the server's CPU time per request
# (user + system, from /proc/PID/stat) to $tmp/LABEL.*. LABEL "-" is a
# warm-up: nothing is recorded.
bench() {
  t0=$(ticks "$2")
  out=$($cli wrk -t1 -c"$CONNS" -d"$6"s -s "$here/ofrep.lua" "$3" -- "$4" "$5")
  t1=$(ticks "$2")
  line=$(printf '%s\n' "$out" | grep '^WRK ') || {
    echo "run.sh: wrk printed no result:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  }
  case $line in
  *" errors=0 status_errors=0") ;;
  *)
    echo "run.sh: $1: wrk saw errors: $line" >&2
    exit 1
    ;;
  esac
  [ "$1" = - ] && return 0
  rps=$(printf '%s\n' "$line" | sed 's/.*rps=\([0-9.]*\).*/\1/')
  n=$(printf '%s\n' "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')
  p99=$(printf '%s\n' "$line" | sed 's/.*p99_us=\([0-9]*\).*/\1/')
  # user, system and total µs per request, and the share of a CPU
  set -- "$1" $(printf '%s %s\n' "$t0" "$t1" | awk -v hz="$hz" -v n="$n" \
    -v d="$6" '{ u = ($3 - $1) / hz; s = ($4 - $2) / hz;
    printf "%.1f %.1f %.1f %.0f", u * 1e6 / n, s * 1e6 / n, (u + s) * 1e6 / n,
      100 * (u + s) / d }')
  echo "$rps" >>"$tmp/$1.rps"
  echo "$p99" >>"$tmp/$1.p99"
  echo "$4" >>"$tmp/$1.cpu"
  printf '  %-22s %8.0f req/s  p99 %6d us  server %5.1f us CPU/req (user %4.1f + sys %4.1f; %s%% of a CPU)\n' \
    "$1" "$rps" "$p99" "$4" "$2" "$3" "$5"
}

median() { sort -n "$1" | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# Vexil HTTP benchmark"
echo "build: $build ($buildtype); wrk $(wrk -v 2>&1 | sed -n 's/^wrk [^0-9]*\([0-9][0-9.]*\).*/\1/p' | head -1)"
echo "machine: $ncpu CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
  head -1), Linux $(uname -r)"
echo "pinning: $pinning; wrk -t1 -c$CONNS, ${DURATION} s per run, median of $RUNS"

# ---- daemons A and S: the same 100 mixed flags -------------------------
# A answers the throughput runs; S holds the event streams, and its runs
# alternate with A's so that both see the same moments of the machine.
"$tools/gen_state" 100 >"$tmp/state100.json"
# load_flags STATEFILE: imports into the daemon at $base; sets $secret to
# a new client token of production.
load_flags() {
  admin POST '/api/v1/admin/import?format=unleash&environment=production&mode=replace' \
    -H "$json_h" --data-binary @"$1" >/dev/null
  secret=$(admin POST /api/v1/admin/tokens -H "$json_h" \
    -d '{"name":"bench","role":"client","environment":"production"}' |
    sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p')
  [ -n "$secret" ] || { echo "run.sh: no client token" >&2; exit 1; }
}
start_vexild a
a_pid=$pid
a_base=$base
load_flags "$tmp/state100.json"
a_secret=$secret
start_vexild s
s_pid=$pid
s_base=$base
load_flags "$tmp/state100.json"
s_secret=$secret
# The ceilings get the pool vexild logs ("N worker threads": threads +
# max_streams, daemon/http.c).
threads=$(sed -n 's/.* \([0-9][0-9]*\) worker threads.*/\1/p' "$tmp/a.err" |
  head -1)
[ -n "$threads" ] || { echo "run.sh: vexild did not log its pool" >&2; exit 1; }

single=/ofrep/v1/evaluate/flags/bench-rollout-00001
bulk=/ofrep/v1/evaluate/flags
ctx='{"context":{"targetingKey":"user-0","email":"user0@example.com","appVersion":"2.0.0","country":"C00","age":18}}'
curl -sS -f -X POST -H "Authorization: Bearer $a_secret" -H "$json_h" \
  -d "$ctx" "$a_base$single" >"$tmp/single.body"
curl -sS -f -X POST -H "Authorization: Bearer $a_secret" -H "$json_h" \
  -d "$ctx" "$a_base$bulk" >"$tmp/bulk.body"
nflags=$(grep -o '"key":' "$tmp/bulk.body" | wc -l)
[ "$nflags" -eq 100 ] || { echo "run.sh: bulk has $nflags flags" >&2; exit 1; }
single_bytes=$(wc -c <"$tmp/single.body")
bulk_bytes=$(wc -c <"$tmp/bulk.body")
echo "single answer body: $single_bytes bytes; bulk: $bulk_bytes bytes (100 flags)"

start_ceiling ceil1 "$tmp/single.body"
c1_base=$base
c1_pid=$pid
start_ceiling ceil100 "$tmp/bulk.body"
c100_base=$base
c100_pid=$pid
echo "civetweb pool: $threads threads in vexild and in both ceilings"

echo "opening $STREAMS event streams on daemon S"
$cli "$tools/hold_streams" 127.0.0.1 "${s_base##*:}" "$s_secret" "$STREAMS" \
  >"$tmp/streams.out" 2>"$tmp/streams.err" &
hs_pid=$!
pids="$pids $hs_pid"
wait_line "$tmp/streams.out" "STREAMS open="
grep -q "STREAMS open=$STREAMS\$" "$tmp/streams.out" || {
  echo "run.sh: not every stream opened: $(cat "$tmp/streams.out")" >&2
  cat "$tmp/streams.err" >&2
  exit 1
}
gauge=$(curl -sf "$s_base/metrics" |
  sed -n 's/^vexil_open_streams \([0-9]*\).*/\1/p' || true)
echo "daemon S counts ${gauge:-?} open streams"

echo "warm-up (1 s each)"
bench - "$c1_pid" "$c1_base" "$single" "$a_secret" 1
bench - "$a_pid" "$a_base" "$single" "$a_secret" 1
bench - "$s_pid" "$s_base" "$single" "$s_secret" 1
bench - "$c100_pid" "$c100_base" "$bulk" "$a_secret" 1
bench - "$a_pid" "$a_base" "$bulk" "$a_secret" 1
r=1
while [ $r -le "$RUNS" ]; do
  echo "run $r/$RUNS"
  bench ceiling-single "$c1_pid" "$c1_base" "$single" "$a_secret" "$DURATION"
  bench vexil-single "$a_pid" "$a_base" "$single" "$a_secret" "$DURATION"
  bench vexil-single-streams "$s_pid" "$s_base" "$single" "$s_secret" \
    "$DURATION"
  bench ceiling-bulk "$c100_pid" "$c100_base" "$bulk" "$a_secret" "$DURATION"
  bench vexil-bulk "$a_pid" "$a_base" "$bulk" "$a_secret" "$DURATION"
  r=$((r + 1))
done
s_rss_streams=$(rss_kb "$s_pid")
s_threads=$(threads_of "$s_pid")
kill "$hs_pid"
wait "$hs_pid" 2>/dev/null || true
still=$(sed -n 's/^STREAMS still_open=\([0-9]*\).*/\1/p' "$tmp/streams.out")
echo "streams still open after the runs: $still of $STREAMS"
[ "$still" = "$STREAMS" ] || { echo "run.sh: streams were closed" >&2; exit 1; }

echo "toggles at 100 flags (daemon A, for comparison): $TOGGLES"
$cli "$tools/toggle_latency" "$a_base" "$ADMIN" 100 "$TOGGLES" >"$tmp/toggle100.out"
tl100=$(grep '^TOGGLE ' "$tmp/toggle100.out")
echo "  $tl100"
kill "$a_pid" "$s_pid" "$c1_pid" "$c100_pid"
wait "$a_pid" "$s_pid" "$c1_pid" "$c100_pid" 2>/dev/null || true

# ---- daemon B: 10,000 flags -------------------------------------------
"$tools/gen_state" "$FLAGS" >"$tmp/state_big.json"
big_bytes=$(wc -c <"$tmp/state_big.json")
# The import document is larger than the default body limit (1 MiB).
start_vexild b VEXIL_BODY_LIMIT=67108864
b_pid=$pid
b_rss_empty=$(rss_kb "$b_pid")
t0=$(date +%s%N)
admin POST '/api/v1/admin/import?format=unleash&environment=production&mode=replace' \
  -H "$json_h" --data-binary @"$tmp/state_big.json" >/dev/null
t1=$(date +%s%N)
import_ms=$(((t1 - t0) / 1000000))
sleep 0.5
b_rss_loaded=$(rss_kb "$b_pid")
echo "$FLAGS flags imported ($big_bytes bytes) in $import_ms ms;" \
  "VmRSS $b_rss_empty kB empty, $b_rss_loaded kB loaded"
echo "toggles at $FLAGS flags: $TOGGLES"
$cli "$tools/toggle_latency" "$base" "$ADMIN" "$FLAGS" "$TOGGLES" \
  >"$tmp/toggle.out"
tl=$(grep '^TOGGLE ' "$tmp/toggle.out")
echo "  $tl"
b_rss_after=$(rss_kb "$b_pid")
kill "$b_pid"
wait "$b_pid" 2>/dev/null || true
# The same database at the next start: the flags are read from SQLite,
# with no import document in memory.
start_vexild b VEXIL_BODY_LIMIT=67108864
sleep 0.5
b_rss_restart=$(rss_kb "$pid")
echo "restarted on the same database: VmRSS $b_rss_restart kB"
kill "$pid"
wait "$pid" 2>/dev/null || true

# ---- the table ----------------------------------------------------------
get() { printf '%s\n' "$2" | sed "s/.* $1=\([0-9]*\).*/\1/"; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
fmt() { awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); n = length(s); o = "";
  for (i = 1; i <= n; i++) { o = o substr(s, i, 1);
    if ((n - i) % 3 == 0 && i < n) o = o "," } print o }'; }
# ratios A B: the run-by-run ratios A/B in %, "r1 / r2 / r3"
ratios() { paste -d' ' "$tmp/$1.rps" "$tmp/$2.rps" |
  awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), 100 * $1 / $2 }'; }
verdict() { awk -v x="$1" -v t="$2" -v le="${3:-}" 'BEGIN {
  if (le != "") print (x <= t) ? "met" : "**not met**";
  else print (x >= t) ? "met" : "**not met**" }'; }
c1=$(median "$tmp/ceiling-single.rps")
v1=$(median "$tmp/vexil-single.rps")
vs=$(median "$tmp/vexil-single-streams.rps")
c100=$(median "$tmp/ceiling-bulk.rps")
v100=$(median "$tmp/vexil-bulk.rps")
for x in ceiling-single vexil-single vexil-single-streams ceiling-bulk vexil-bulk; do
  eval "p99_$(echo $x | tr - _)=\$(ms \$(median \"\$tmp/$x.p99\"))"
  eval "cpu_$(echo $x | tr - _)=\$(median \"\$tmp/$x.cpu\")"
done
# The ratios are medians of the run-by-run ratios: each pair was measured
# moments apart, which cancels most of the drift of a shared machine.
pair_median() { paste -d' ' "$tmp/$1.rps" "$tmp/$2.rps" |
  awk '{ print 100 * $1 / $2 }' >"$tmp/$1.ratio"
  median "$tmp/$1.ratio" | awk '{ printf "%.0f", $1 }'; }
ratio1=$(pair_median vexil-single ceiling-single)
ratio100=$(pair_median vexil-bulk ceiling-bulk)
ratios_=$(pair_median vexil-single-streams vexil-single)
evals=$(awk -v a="$v100" 'BEGIN { printf "%.0f", a * 100 }')

echo
echo "| measure | Vexil | ceiling / reference | result | target |"
echo "|---|---|---|---|---|"
echo "| OFREP single: req/s; p99; server CPU per request | $(fmt "$v1"); $p99_vexil_single ms; $cpu_vexil_single µs | ceiling: $(fmt "$c1"); $p99_ceiling_single ms; $cpu_ceiling_single µs | $ratio1% of the ceiling (median of the runs: $(ratios vexil-single ceiling-single)) | ≥ 90%: $(verdict "$ratio1" 90) |"
echo "| OFREP bulk, 100 flags: req/s; p99; server CPU per request | $(fmt "$v100"); $p99_vexil_bulk ms; $cpu_vexil_bulk µs | ceiling: $(fmt "$c100"); $p99_ceiling_bulk ms; $cpu_ceiling_bulk µs | $(fmt "$evals") flag evaluations/s ($ratio100% of the ceiling) | ≥ 1,000,000/s: $(verdict "$evals" 1000000) |"
echo "| OFREP single with $STREAMS open event streams: req/s; p99; server CPU per request | $(fmt "$vs"); $p99_vexil_single_streams ms; $cpu_vexil_single_streams µs | without streams: $(fmt "$v1") | $ratios_% of the figure without (median of the runs: $(ratios vexil-single-streams vexil-single)) | ≥ 80%: $(verdict "$ratios_" 80) |"
echo "| toggle → first evaluation that sees it, $(fmt "$FLAGS") flags, $TOGGLES toggles | median $(ms "$(get visible_median_us "$tl")") ms, p99 $(ms "$(get visible_p99_us "$tl")") ms, max $(ms "$(get visible_max_us "$tl")") ms | 100 flags: median $(ms "$(get visible_median_us "$tl100")") ms, p99 $(ms "$(get visible_p99_us "$tl100")") ms | seen before the toggle's answer: $(get seen_before_answer "$tl")/$TOGGLES | ≤ 10 ms: $(verdict "$(get visible_p99_us "$tl")" 10000 le) (p99) |"
echo "| toggle request (admin API), $(fmt "$FLAGS") flags | median $(ms "$(get answer_median_us "$tl")") ms, p99 $(ms "$(get answer_p99_us "$tl")") ms | 100 flags: median $(ms "$(get answer_median_us "$tl100")") ms, p99 $(ms "$(get answer_p99_us "$tl100")") ms | | |"
echo "| VmRSS, $(fmt "$FLAGS") flags loaded | $(mb "$b_rss_loaded") MB after the import | empty: $(mb "$b_rss_empty") MB | after a restart on the same database: $(mb "$b_rss_restart") MB; after the toggles: $(mb "$b_rss_after") MB | ≤ 50 MB: $(verdict "$b_rss_loaded" 51200 le) |"
lowest() { sort -n "$tmp/$1.cpu" | head -1; }
echo
echo "Lowest server CPU per request over the runs (the least disturbed run): ceiling $(lowest ceiling-single) µs, Vexil $(lowest vexil-single) µs, Vexil with streams $(lowest vexil-single-streams) µs; bulk: ceiling $(lowest ceiling-bulk) µs, Vexil $(lowest vexil-bulk) µs."
echo "Answers: single $single_bytes bytes, bulk $bulk_bytes bytes of body. Daemon S with $STREAMS streams: $s_threads threads, VmRSS $(mb "$s_rss_streams") MB. Import of $FLAGS flags ($big_bytes bytes): $import_ms ms."
