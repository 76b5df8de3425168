#!/usr/bin/env bash
# The hardening pass of the test suite (docs/security.md, "Sanitizers and fuzzing in CI"): builds
# stowage and every test with clang, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-asan/, together with the libFuzzer targets of fuzz/, then runs every test there (each fuzz
# target fuzzes for STOWAGE_FUZZ_SECONDS, 20 by default). Arguments go to ctest (e.g. -L fuzz, -LE
# e2e).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-deps.sh"
build="${STOWAGE_ASAN_BUILD_DIR:-$root/build-asan}"
plain="${STOWAGE_BUILD_DIR:-$root/build}"
# -O0 by default: it halves the compile time of the ASan build (measured: docs/security.md),
# and the suite spends its time in other programs, I/O and uninstrumented system libraries.
# For long fuzzing sessions STOWAGE_SANITIZE_OPT=-O1 doubles the fuzzers' speed (the test cases
# and CLI11's command files stay at -O0, see tests/ and cli/). Line tables are all the
# reports need. The mmdebstrap bases that tests make are shared with the plain build.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="${STOWAGE_SANITIZE_OPT:--O0} -gline-tables-only" \
  -DSTOWAGE_SANITIZE=ON -DSTOWAGE_FUZZ=ON -DSTOWAGE_FUZZ_SECONDS="${STOWAGE_FUZZ_SECONDS:-20}" \
  -DSTOWAGE_TEST_CACHE="$plain/test-bases" >/dev/null
cmake --build "$build" -j "$(nproc)" >&2
# ctest starts the longest tests first when it knows their times; on a first run, the plain
# pass's times are the best guess (the fuzz tests, unknown there, fill in at the end).
costs=Testing/Temporary/CTestCostData.txt
if [ ! -f "$build/$costs" ] && [ -f "$plain/$costs" ]; then
  mkdir -p "$(dirname "$build/$costs")"
  cp "$plain/$costs" "$build/$costs"
fi
# A sanitizer report makes the process (a test, or a stowage it runs) exit 86: tests that expect
# a clean failure (exit 1) cannot mistake a report for one.
export ASAN_OPTIONS="exitcode=86:detect_leaks=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
cd "$build"
exec ctest --output-on-failure -j "$(nproc)" "$@"
