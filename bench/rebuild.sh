#!/usr/bin/env bash
# bench/rebuild.sh [WORKDIR]: warm rebuilds and plan times (docs/performance.md). A recipe with
# a 2 GiB model (2 files) and 5,000 small dependency files: a cold build to a layout (one run,
# fresh cache), then with hyperfine a warm rebuild after a one-line code change (each run flips
# the line, so each run rebuilds the code layer and the image) and `stowage plan`. Targets:
# warm < 0.5 s and < 5% of cold; plan < 0.2 s.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init rebuild "${1:-}"
bench_content "${WEIGHT_MIB:-2048}" "${DEP_FILES:-5000}" "${DEP_MIB:-200}"
bench_base
bench_start_run
bench_project bench-rebuild "rootfs:$base_tar"
cat "$content"/weights/* >/dev/null  # page cache, as for every later run

echo "bench: cold build" >&2
# Cold: an empty cache, so this includes importing the base tarball (zstd of ~100 MiB).
measure cold_build "$stowage" build "$recipe" --cache "$run/cache" --output "$run/out"
cold=$(seconds_of cold_build)

flip="$run/flip.sh"
cat >"$flip" <<'SH'
#!/bin/sh
# Changes one line of the serving code (alternating, so every run is a real change).
f=$1
if grep -q 'VERSION = "0"' "$f"; then sed -i 's/VERSION = "0"/VERSION = "1"/' "$f"
else sed -i 's/VERSION = "[0-9]*"/VERSION = "0"/' "$f"; fi
SH
chmod +x "$flip"
echo "bench: warm rebuilds and plan (hyperfine)" >&2
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$run/hyperfine.json" \
  --export-markdown "$run/hyperfine.md" \
  --prepare "$flip '$run/project/app/main.py'" \
  -n "warm rebuild after a one-line change" \
  "'$stowage' build '$recipe' --cache '$run/cache' --output '$run/out'" \
  --prepare "true" \
  -n "stowage plan" "'$stowage' plan '$recipe' --cache '$run/cache'" >&2
warm=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$run/hyperfine.json")
plan=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][1]["mean"])' "$run/hyperfine.json")
measure warm_rss "$stowage" build "$recipe" --cache "$run/cache" --output "$run/out"
{
  echo "## rebuild.sh results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  echo
  cat "$run/hyperfine.md"
  echo
  echo "| check | measured | target | |"
  echo "|:---|---:|---:|:---|"
  echo "| cold build to a layout (1 run) | $cold s, peak RSS $(rss_mib_of cold_build) MiB | | |"
  echo "| warm rebuild after a one-line change (mean) | $warm s | < 0.5 s | $(awk -v v="$warm" 'BEGIN {print (v < 0.5 ? "met" : "NOT met")}') |"
  echo "| warm / cold | $(awk -v w="$warm" -v c="$cold" 'BEGIN {printf "%.1f%%", 100 * w / c}') | < 5% | $(awk -v w="$warm" -v c="$cold" 'BEGIN {print (w < 0.05 * c ? "met" : "NOT met")}') |"
  echo "| stowage plan (mean) | $plan s | < 0.2 s | $(awk -v v="$plan" 'BEGIN {print (v < 0.2 ? "met" : "NOT met")}') |"
} | tee "$run/report.md"
[ "${KEEP:-0}" = 1 ] || rm -rf "$run/cache" "$run/out"
