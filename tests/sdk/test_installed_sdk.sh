#!/bin/sh
# The SDK as a plugin author gets it: `meson install` into a staging
# folder, then the out-of-tree example (examples/plugin-country) and the
# installed template are built from the staged headers, library and
# vexil-sdk.pc only (never from the source tree), their own tests run with
# the staged vexil-plugin, and the example is loaded into the running
# staged vexild by a reload, where a flag using it is evaluated.
# usage: test_installed_sdk.sh MESON BUILD_ROOT SOURCE_ROOT B_SANITIZE
set -eu
meson=$1 build=$2 src=$3 sanitize=$4
stage=$(mktemp -d /tmp/vexil-stage-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$stage"
}
trap cleanup EXIT
step() { echo "== $*"; }
die() { echo "FAIL: $*"; [ -f "$stage/vexild.log" ] && cat "$stage/vexild.log"; exit 1; }

step "meson install --destdir $stage"
"$meson" install -C "$build" --destdir "$stage" --no-rebuild --quiet >/dev/null
pc=$(find "$stage" -name vexil-sdk.pc)
[ -n "$pc" ] || die "no vexil-sdk.pc was installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
root=$stage$prefix
# Only the staged .pc is visible, and pkg-config maps its paths into the
# stage: no root needed, nothing of the source tree on the include path.
export PKG_CONFIG_LIBDIR="$(dirname "$pc")" PKG_CONFIG_PATH=""
export PKG_CONFIG_SYSROOT_DIR="$stage"
export PATH="$root/bin:$PATH"
[ "$(pkg-config --variable=abi_major vexil-sdk)" = 1 ] || die "abi_major"
pkg-config --variable=plugindir vexil-sdk | grep -q '/vexil/plugins$' ||
  die "plugindir is $(pkg-config --variable=plugindir vexil-sdk)"
[ "$(command -v vexil-plugin)" = "$root/bin/vexil-plugin" ] ||
  die "vexil-plugin is not the staged one"

opts="-Db_sanitize=$sanitize"
[ "$sanitize" = none ] || opts="$opts -Db_lundef=false"

# build NAME SOURCE_DIR: configure, compile and test one out-of-tree plugin
build_plugin() {
  step "build and test $1 from the installed SDK"
  cp -r "$2" "$stage/$1-src"
  # shellcheck disable=SC2086
  "$meson" setup "$stage/$1-build" "$stage/$1-src" --werror $opts >/dev/null ||
    die "meson setup of $1"
  "$meson" compile -C "$stage/$1-build" >/dev/null || die "compiling $1"
  if grep -q -e "-I$src/include" -e "-I$src/sdk" \
      "$stage/$1-build/compile_commands.json"; then
    die "$1 was compiled against the source tree"
  fi
  grep -q -e "-I$root/include" "$stage/$1-build/compile_commands.json" ||
    die "$1 was not compiled against the staged headers"
  "$meson" test -C "$stage/$1-build" --print-errorlogs >/dev/null ||
    { cat "$stage/$1-build/meson-logs/testlog.txt"; die "the tests of $1"; }
  echo "ok: $1 builds from the installed SDK and passes its tests"
}
build_plugin country "$src/examples/plugin-country"
build_plugin template "$root/share/vexil/template"

step "load the example into the running staged vexild"
plugindir=$(find "$stage" -type d -path '*/vexil/plugins' | head -n 1)
mkdir "$stage/extra"
export VEXIL_ADMIN_TOKEN=staged-admin-token-0123456789
"$root/bin/vexild" --listen 127.0.0.1:0 --data-dir "$stage/data" \
  --plugin-dir "$plugindir" --plugin-dir "$stage/extra" \
  >"$stage/vexild.out" 2>"$stage/vexild.log" &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' \
    "$stage/vexild.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || die "vexild did not start"
base="http://127.0.0.1:$port"
call() { # METHOD PATH [BODY]
  curl -sS -X "$1" -H "X-API-Key: $VEXIL_ADMIN_TOKEN" \
    -H 'Content-Type: application/json' ${3:+-d "$3"} "$base$2"
}
call GET /api/v1/admin/strategies | grep -q '"name": *"timeWindow"' ||
  die "the staged built-in plugins are not loaded"
# As an author would: install the module, then ask for a reload.
cp "$stage/country-build/country.so" "$stage/extra/"
call POST /api/v1/admin/plugins/reload | grep -q '"name": *"country"' ||
  die "the reload did not load country"
call GET /api/v1/admin/strategies/country | grep -q '"name": *"countries"' ||
  die "GET /api/v1/admin/strategies/country does not describe the plugin"
call POST /api/v1/admin/flags '{"key": "eu-banner", "environments":
  {"production": {"enabled": true, "strategies": [{"name": "country",
  "parameters": {"countries": "FR, DE"}}]}}}' | grep -q '"key": *"eu-banner"' ||
  die "a flag using country was not created"
call POST /api/v1/evaluate/eu-banner \
  '{"context": {"properties": {"country": "fr"}}}' |
  grep -q '"enabled": *true' || die "eu-banner is not on in FR"
call POST /api/v1/evaluate/eu-banner \
  '{"context": {"properties": {"country": "US"}}}' |
  grep -q '"enabled": *false' || die "eu-banner is not off in US"
call POST /api/v1/admin/flags '{"key": "bad", "environments": {"production":
  {"enabled": true, "strategies": [{"name": "country",
  "parameters": {"countries": "France"}}]}}}' |
  grep -q 'not a two-letter ISO 3166 code' ||
  die "the plugin's refusal did not reach the admin API"
echo "ok: the example is reloaded into vexild: listed, used by a flag, evaluated"
kill "$pid"
wait "$pid" || die "vexild did not stop cleanly"
pid=""
echo "all installed-SDK checks passed"
