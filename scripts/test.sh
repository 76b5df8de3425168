#!/usr/bin/env bash
# Set-up, build, then every test (unit and end-to-end) through ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
cd "$build"
exec ctest --output-on-failure -j "$(nproc)" "$@"
