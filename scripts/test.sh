#!/usr/bin/env bash
# Set-up, build, then every test (unit and end-to-end) through ctest; then the hardening pass
# (scripts/sanitize.sh): the same suite under ASan+UBSan, and the fuzz targets for a bounded
# time, when STOWAGE_SANITIZE_PASS=1. It is opt-in until its run time and results on a fresh
# machine are measured (issue 8).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" "$@")
if [ "${STOWAGE_SANITIZE_PASS:-0}" = 1 ]; then
  "$root/scripts/sanitize.sh" "$@"
fi
