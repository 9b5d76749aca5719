#!/usr/bin/env bash
# One command to build Magpie and run it on its embedded defaults: data in ./data
# (SQLite settings DB, Maildir store, self-signed TLS made on first start), standard
# ports (25, 587, 465; needs root or CAP_NET_BIND_SERVICE). Extra arguments go to
# `magpie`, e.g. scripts/run.sh -c magpie.toml serve
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAGPIE_TESTS=OFF >/dev/null
ninja -C build-release magpie
if (($#)); then
  exec build-release/magpie "$@"
fi
exec build-release/magpie serve
