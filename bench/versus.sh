#!/usr/bin/env bash
# bench/versus.sh OLD_STOWAGE [WORKDIR]: this checkout's stowage against another build of it
# (OLD_STOWAGE, e.g. a binary built from an earlier commit), side by side in one hyperfine run
# per case, so that a change that should not cost speed (a restructure, a refactor) is shown
# not to. Cases, on the rebuild bench's recipe (a WEIGHT_MIB model in 2 files, DEP_FILES small
# dependency files, code, a Debian base tarball):
#   cold build to a layout   every run from an empty cache (base import, every layer built)
#   warm rebuild             after a one-line code change (the code and meta layers rebuilt)
#   plan                     with a warm cache
# Both binaries get caches of their own. Prints hyperfine's tables and NEW/OLD ratios of the
# means (below 1: the new binary is faster); docs/performance.md records the results.
set -euo pipefail
old=$(realpath "${1:?usage: bench/versus.sh OLD_STOWAGE [WORKDIR]}")
[ -x "$old" ] || { echo "bench: $old is not an executable" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init versus "${2:-}"
bench_content "${WEIGHT_MIB:-512}" "${DEP_FILES:-5000}" "${DEP_MIB:-100}"
bench_base
bench_start_run
bench_project bench-versus "rootfs:$base_tar"
cat "$content"/weights/* >/dev/null # page cache, as for every later run

flip="$run/flip.sh"
cat >"$flip" <<'SH'
#!/bin/sh
# Changes one line of the serving code (alternating, so every run is a real change).
f=$1
if grep -q 'VERSION = "0"' "$f"; then sed -i 's/VERSION = "0"/VERSION = "1"/' "$f"
else sed -i 's/VERSION = "[0-9]*"/VERSION = "0"/' "$f"; fi
SH
chmod +x "$flip"

# versus NAME PREPARE_NEW PREPARE_OLD COMMAND: hyperfine with the new and the old binary, each
# with its own cache and layout (COMMAND is `build` or `plan`).
versus() {
  local name=$1 prep_new=$2 prep_old=$3 command=$4 new_args old_args
  new_args="'$recipe' --cache '$run/cache-new'"
  old_args="'$recipe' --cache '$run/cache-old'"
  if [ "$command" = build ]; then
    new_args+=" --output '$run/out-new'"
    old_args+=" --output '$run/out-old'"
  fi
  echo "bench: $name" >&2
  hyperfine --warmup "${WARMUP:-1}" --runs "${RUNS:-5}" --export-json "$run/$name.json" \
    --export-markdown "$run/$name.md" \
    --prepare "$prep_new" -n "new: $name" "'$stowage' $command $new_args" \
    --prepare "$prep_old" -n "old: $name" "'$old' $command $old_args" >&2
}

versus cold_build "rm -rf '$run/cache-new' '$run/out-new'" "rm -rf '$run/cache-old' '$run/out-old'" build
versus warm_rebuild "$flip '$run/project/app/main.py'" "$flip '$run/project/app/main.py'" build
versus plan true true plan

mean() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("%.4f %.4f" % (r[0]["mean"], r[1]["mean"]))' "$1"; }
{
  echo "## versus.sh results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  echo
  echo "new: $stowage; old: $old"
  echo
  for name in cold_build warm_rebuild plan; do
    cat "$run/$name.md"
    echo
  done
  echo "| case | new mean (s) | old mean (s) | new / old |"
  echo "|:---|---:|---:|---:|"
  for name in cold_build warm_rebuild plan; do
    read -r n o < <(mean "$run/$name.json")
    echo "| $name | $n | $o | $(ratio "$n" "$o") |"
  done
} | tee "$run/report.md"
[ "${KEEP:-0}" = 1 ] || rm -rf "$run/cache-new" "$run/cache-old" "$run/out-new" "$run/out-old"
