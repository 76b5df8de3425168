#!/usr/bin/env bash
# Installs missing packages, configures and builds stowage into ./build: everything (tests,
# fuzz replays, benchmarks), or only the targets named as arguments (scripts/example.sh builds
# just `stowage`). Re-running is cheap: apt is skipped when nothing is missing and ninja
# rebuilds only what changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-deps.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
# Configuring every time is cheap and picks up test and module folders added since.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTOWAGE_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)" ${1:+--target "$@"} >&2
