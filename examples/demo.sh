#!/bin/sh
# The run command: installs what is missing, builds, and runs vexild on an
# embedded default (127.0.0.1:8080, a SQLite file under ./data, the
# built-in plugins) with a few demo flags. Prints the UI address and the
# admin token. Stop it with Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
sh .ci/install-deps.sh build
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
mkdir -p data
# The admin token is made on the first start; keep it for the next ones.
if [ -z "${VEXIL_ADMIN_TOKEN:-}" ]; then
  if [ ! -f data/admin-token ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' |
      sed 's/^/vx_/' > data/admin-token)
  fi
  VEXIL_ADMIN_TOKEN=$(cat data/admin-token)
fi
export VEXIL_ADMIN_TOKEN
echo "web UI: http://127.0.0.1:8080/ (sign in with the admin token)"
echo "admin token: $VEXIL_ADMIN_TOKEN"
echo "try: curl -s -H \"X-API-Key: \$(cat data/admin-token)\" -d '{\"context\":{\"targetingKey\":\"user-4\"}}' http://127.0.0.1:8080/ofrep/v1/evaluate/flags/new-checkout"
exec build/daemon/vexild --data-dir data --demo "$@"
