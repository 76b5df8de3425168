#!/usr/bin/env bash
# The whole test run. First the source checks, which need no build and fail in seconds:
# scripts/check-format.sh (clang-format with .clang-format) and scripts/check-modules.sh (no
# module includes one it may not, docs/architecture.md). They run here rather than as ctest
# tests because they check the source tree, not a build: as tests they would wait for a long
# build before failing, run twice (in build/ and build-asan/), and fail a developer's
# `ctest -R push` loop over a line not yet formatted.
# Then set-up, build, and every test (unit and end-to-end) through ctest in build/; then the
# hardening pass (scripts/sanitize.sh): stowage, its libraries and the same tests rebuilt with
# clang, AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/, every test run again
# there (the stowage binary that end-to-end tests run is the sanitized one), then each
# libFuzzer target of fuzz/ for STOWAGE_FUZZ_SECONDS. Nothing is left out of that pass;
# docs/security.md says what it covers and what it cannot.
# STOWAGE_SANITIZE_PASS=0 skips the hardening pass (a quicker local loop); arguments go to both
# ctest runs (e.g. -L e2e, -R push).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-deps.sh"  # clang-format for the format check
"$root/scripts/check-format.sh"
"$root/scripts/check-modules.sh"
"$root/scripts/build.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" "$@")
if [ "${STOWAGE_SANITIZE_PASS:-1}" != 0 ]; then
  "$root/scripts/sanitize.sh" "$@"
fi
