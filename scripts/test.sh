#!/usr/bin/env bash
# Set-up, build, then every test (unit and end-to-end) through ctest in build/; then the
# hardening pass (scripts/sanitize.sh, issue 8): stowage, its libraries and the same tests
# rebuilt with clang, AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/, every test
# run again there (the stowage binary that end-to-end tests run is the sanitized one), then
# each libFuzzer target of fuzz/ for STOWAGE_FUZZ_SECONDS. Nothing is left out of that pass;
# docs/security.md says what it covers and what it cannot.
# STOWAGE_SANITIZE_PASS=0 skips the hardening pass (a quicker local loop); arguments go to both
# ctest runs (e.g. -L e2e, -R push).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" "$@")
if [ "${STOWAGE_SANITIZE_PASS:-1}" != 0 ]; then
  "$root/scripts/sanitize.sh" "$@"
fi
