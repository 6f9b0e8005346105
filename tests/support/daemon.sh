# daemon.sh - a real vexild for the test scripts (sourced, POSIX sh):
# started on a free loopback port with a temporary data folder and a
# known admin token, waited for until /readyz says 200, and stopped with
# SIGTERM, which must end it cleanly.
#
#   . tests/support/daemon.sh
#   vx_daemon_start NAME VEXILD [vexild options...]
#       sets vx_pid, vx_base (http://127.0.0.1:PORT), vx_admin_token,
#       vx_log (its log) and vx_tmp (removed at exit); returns non-zero,
#       after printing the log, when it does not start
#   vx_daemon_stop           1 when it did not exit cleanly (log printed)
#   vx_daemon_log_tail N     the last N lines of its log, to stderr

vx_pid=""
vx_tmp=$(mktemp -d "${TMPDIR:-/tmp}/vexil-test.XXXXXX")
vx_log="$vx_tmp/vexild.log"
vx_name="test"

vx_daemon_cleanup() {
  if [ -n "$vx_pid" ] && kill -0 "$vx_pid" 2>/dev/null; then
    kill -TERM "$vx_pid" 2>/dev/null || true
    wait "$vx_pid" 2>/dev/null || true
  fi
  rm -rf "$vx_tmp"
}
trap vx_daemon_cleanup EXIT INT TERM

vx_daemon_start() {
  vx_name=$1
  vexild=$2
  shift 2
  if [ ! -x "$vexild" ]; then
    echo "$vx_name: no vexild at $vexild (build first, or pass its path)" >&2
    return 1
  fi
  vx_admin_token="$vx_name-admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  VEXIL_ADMIN_TOKEN=$vx_admin_token "$vexild" --listen 127.0.0.1:0 \
    --data-dir "$vx_tmp/data" --log-level info "$@" 2>"$vx_log" &
  vx_pid=$!
  # The port the daemon bound: its log says "(port N)".
  port=""
  i=0
  while [ $i -lt 200 ]; do
    port=$(sed -n 's/.*listening on .*(port \([0-9][0-9]*\)).*/\1/p' \
      "$vx_log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$vx_pid" 2>/dev/null || break
    sleep 0.05
    i=$((i + 1))
  done
  if [ -z "$port" ]; then
    echo "$vx_name: vexild did not start; its log:" >&2
    cat "$vx_log" >&2
    return 1
  fi
  vx_base="http://127.0.0.1:$port"
  i=0
  until curl -sf "$vx_base/readyz" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -ge 100 ]; then
      echo "$vx_name: $vx_base/readyz never answered 200; log:" >&2
      cat "$vx_log" >&2
      return 1
    fi
    sleep 0.1
  done
}

vx_daemon_stop() {
  kill -TERM "$vx_pid"
  if ! wait "$vx_pid"; then
    vx_pid=""
    echo "$vx_name: vexild did not exit cleanly; its log:" >&2
    cat "$vx_log" >&2
    return 1
  fi
  vx_pid=""
}

vx_daemon_log_tail() {
  tail -n "$1" "$vx_log" >&2
}
