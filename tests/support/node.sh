# node.sh - the npm packages of a test folder (sourced, POSIX sh).
#
#   . tests/support/node.sh
#   vx_node_packages NAME DIR MODULE
#       exits 77 (meson's "skipped") when node is not installed; runs
#       `npm ci` in DIR (its committed package-lock.json) when
#       DIR/node_modules/MODULE is missing.
vx_node_packages() {
  if ! command -v node >/dev/null 2>&1; then
    echo "$1: node is not installed; skipped"
    exit 77
  fi
  if [ ! -d "$2/node_modules/$3" ]; then
    echo "$1: installing the locked npm packages"
    (cd "$2" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
