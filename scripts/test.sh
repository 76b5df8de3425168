#!/usr/bin/env bash
# Set-up, build, then every test (unit and end-to-end) through ctest; then the hardening pass
# (scripts/sanitize.sh): the same suite under ASan+UBSan, and the fuzz targets for a bounded
# time. STOWAGE_SKIP_SANITIZE=1 skips the second pass (quick local runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" "$@")
if [ "${STOWAGE_SKIP_SANITIZE:-0}" != 1 ]; then
  "$root/scripts/sanitize.sh" "$@"
fi
