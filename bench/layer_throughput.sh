#!/usr/bin/env bash
# Layer engine throughput and memory, in one run:
#   1. single-core SHA-256 throughput (openssl speed -evp sha256, 16 KiB blocks);
#   2. building a 1 GiB incompressible file plus a small code tree into a blob store,
#      uncompressed (how weights are stored by default), and the ratio to (1);
#   3. peak RSS (GNU time) while building a 4 GiB file the same way.
# Targets: (2) >= 0.5 x (1); (3) < 100 MiB.
#
# Usage: bench/layer_throughput.sh [RUNS]   (default 3 runs of (2); the median is reported)
# Scratch files (about 10 GiB) go under $STOWAGE_BENCH_DIR, else $TMPDIR, else /tmp; put them on
# the disk where blob stores live (not tmpfs) for figures that mean something.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${STOWAGE_BUILD_DIR:-$root/build}"
runs="${1:-3}"
cmake --build "$build" --target layer_bench >&2
bench="$build/bench/layer_bench"
[ -x /usr/bin/time ] || { echo "layer_throughput: needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${STOWAGE_BENCH_DIR:-${TMPDIR:-/tmp}}/stowage-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# openssl prints "sha256 ... <rate for 16384-byte blocks>k" in units of 1000 bytes/s.
sha_rate() { openssl speed "$@" -seconds 3 -evp sha256 2>/dev/null | awk '/^sha256/ {sub(/k$/, "", $NF); printf "%.0f", $NF / 1000}'; }
sha_cpu=$(sha_rate)             # per CPU second of the one thread (openssl's default)
sha_wall=$(sha_rate -elapsed)   # per wall-clock second, under the same load as the build

echo "preparing sources in $work" >&2
mkdir -p "$work/src1/app" "$work/src4"
head -c 1G /dev/urandom > "$work/src1/model.safetensors"
for i in $(seq 1 200); do head -c 4096 /dev/urandom | base64 > "$work/src1/app/module_$i.py"; done
cp -r "$work/src1/app" "$work/src4/app"
for i in 1 2 3 4; do cat "$work/src1/model.safetensors"; done > "$work/src4/model.safetensors"
sync

bytes=0
elapsed=()
cpu=()
for run in $(seq 1 "$runs"); do
  rm -rf "$work/store"
  /usr/bin/time -f "%U %S" -o "$work/time" "$bench" "$work/store" "$work/src1" none > "$work/out"
  read -r seconds bytes _ digest < "$work/out"
  read -r user sys < "$work/time"
  elapsed+=("$seconds")
  cpu+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')")
  echo "run $run: ${seconds} s wall, ${cpu[-1]} s CPU, $digest" >&2
done
median=$(printf '%s\n' "${elapsed[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
layer_rate=$(awk -v b="$bytes" -v s="$median" 'BEGIN {printf "%.0f", b / s / 1e6}')
median_cpu=$(printf '%s\n' "${cpu[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
layer_cpu_rate=$(awk -v b="$bytes" -v s="$median_cpu" 'BEGIN {printf "%.0f", b / s / 1e6}')

rm -rf "$work/store"
/usr/bin/time -v "$bench" "$work/store" "$work/src4" none > "$work/out4" 2> "$work/time4"
read -r seconds4 bytes4 _ _ < "$work/out4"
rss_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time4")

cat <<REPORT
machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)
sha256 single core:           ${sha_cpu} MB/s per CPU second, ${sha_wall} MB/s wall-clock
layer build, 1 GiB + tree:    ${layer_rate} MB/s (median of ${runs}: ${elapsed[*]} s wall; CPU ${cpu[*]} s; ${bytes} tar bytes)
layer build per CPU second:   ${layer_cpu_rate} MB/s (tar bytes / median CPU time of both threads)
ratio to sha256 (target 0.5): wall-clock build / CPU-second sha256 $(awk -v l="$layer_rate" -v s="$sha_cpu" 'BEGIN {printf "%.2f", l / s}'); wall / wall $(awk -v l="$layer_rate" -v s="$sha_wall" 'BEGIN {printf "%.2f", l / s}'); CPU-second / CPU-second $(awk -v l="$layer_cpu_rate" -v s="$sha_cpu" 'BEGIN {printf "%.2f", l / s}')
layer build, 4 GiB + tree:    ${seconds4} s, peak RSS $((rss_kib / 1024)) MiB (target < 100 MiB)
REPORT
