#!/usr/bin/env bash
# bench/compare.sh [WORKDIR]: stowage vs buildah, side by side in one run, on one loopback
# docker-registry, against the targets in docs/performance.md. Same base (pushed to the registry
# once, referenced by both), same content: 2 GiB of incompressible weights in 2 files, 5,000 small
# Python files (~200 MiB), a small code tree. Also measures the limits in the same run: SHA-256,
# zstd and file-read throughput over the same bytes, and the registry's ingest floor (curl -T of the
# weights).
#
# Multi-GB steps are single cold runs (each starts from empty caches and a new repository);
# repeating them with hyperfine would take many minutes per sample. Run the script more than
# once to see the spread. The content stays in the page cache (it is read once before any
# timed step), so every tool reads it from memory.
#
# Environment: WEIGHT_MIB (2048), DEP_FILES (5000), DEP_MIB (200) size the content; KEEP=1
# keeps the work directory's caches and registry storage afterwards.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v buildah >/dev/null; then
  echo "bench: installing buildah (a bench-only dependency)" >&2
  apt-get install -y -qq buildah >/dev/null
fi
bench_init compare "${1:-}"
bench_content "${WEIGHT_MIB:-2048}" "${DEP_FILES:-5000}" "${DEP_MIB:-200}"
bench_base

# Every run starts from nothing but the content and the base tarball.
bench_start_run
trap 'bench_cleanup; [ "${KEEP:-0}" = 1 ] || rm -rf "$run/buildah" "$run/registry" "$run/cache-"* "$run/layout"' EXIT
start_registry "$run/registry"
echo "bench: registry at $REGISTRY, work in $run" >&2
reg_flags=(--insecure-registry "$REGISTRY")

# The base, pushed once; both tools reference it in the registry (stowage mounts its layer).
mkdir -p "$run/base"
printf 'name: bench-base\nbase: rootfs:%s\n' "$base_tar" >"$run/base/stowage.yaml"
"$stowage" build "$run/base/stowage.yaml" --cache "$run/cache-base" --compression gzip \
  --push "$REGISTRY/base:1" "${reg_flags[@]}" >/dev/null

weights=("$content"/weights/*.safetensors)
weight_bytes=$(stat -c %s "${weights[@]}" | awk '{s += $1} END {printf "%.0f\n", s}')
all_bytes=$(du -sb --apparent-size "$content/weights" "$content/deps" "$content/app" |
  awk '{s += $1} END {printf "%.0f\n", s}')
dep_bytes=$(du -sb --apparent-size "$content/deps" | cut -f1)

echo "bench: limits" >&2
# File reads: the first pass also brings the content into the page cache for every later step.
cat "${weights[@]}" >/dev/null
measure read_weights bash -c 'cat "$@" >/dev/null' - "${weights[@]}"
measure read_deps bash -c "find '$content/deps' -type f -print0 | xargs -0 cat >/dev/null"
measure sha256_weights openssl dgst -sha256 "${weights[@]}"
# Writing the same bytes to the same file system, durably (blob stores fsync what they commit).
measure write_weights bash -c "cat \"\$@\" | dd of='$run/write-test' bs=1M conv=fsync status=none" - "${weights[@]}"
rm -f "$run/write-test"
openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | tail -1 >"$run/openssl-speed.txt"
tar -C "$content" -cf "$run/deps.tar" deps
measure zstd_deps_T1 zstd -3 -T1 -q -c "$run/deps.tar" -o /dev/null
measure zstd_deps_T0 zstd -3 -T0 -q -c "$run/deps.tar" -o /dev/null
measure zstd_weights_T0 bash -c "cat '${weights[0]}' | zstd -3 -T0 -q -c >/dev/null"
rm -f "$run/deps.tar"
# The registry's ingest floor: the weight bytes streamed by curl, one after the other (the
# floor the issue names) and both at once.
digests=()
for w in "${weights[@]}"; do digests+=("sha256:$(sha256sum "$w" | cut -d' ' -f1)"); done
t0=$(date +%s.%N)
for i in "${!weights[@]}"; do curl_upload floor-seq "${weights[$i]}" "${digests[$i]}"; done
t1=$(date +%s.%N)
echo "floor_seq $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') 0" >>"$RESULTS"
# New blobs cannot be told apart from the ones just stored, so the parallel floor uses a copy
# with one byte changed at the end (same size, new digest).
pdigests=()
for i in "${!weights[@]}"; do
  cp "${weights[$i]}" "$run/floor-$i"
  printf 'x' | dd of="$run/floor-$i" bs=1 seek=$(($(stat -c %s "$run/floor-$i") - 1)) conv=notrunc status=none
  pdigests+=("sha256:$(sha256sum "$run/floor-$i" | cut -d' ' -f1)")
done
t0=$(date +%s.%N)
pids=()
for i in "${!weights[@]}"; do
  curl_upload floor-par "$run/floor-$i" "${pdigests[$i]}" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(date +%s.%N)
echo "floor_par $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') 0" >>"$RESULTS"
rm -f "$run"/floor-*
echo "  registry floor: $(seconds_of floor_seq) s sequential, $(seconds_of floor_par) s parallel" >&2

# --- stowage -------------------------------------------------------------------------------
bench_project bench-compare "$REGISTRY/base:1"

echo "bench: stowage" >&2
blob_sizes >"$run/blobs-0"
measure stowage_cold_build_push "$stowage" build "$recipe" --cache "$run/cache-s" --json \
  --push "$REGISTRY/stowage:1" "${reg_flags[@]}"
blob_sizes >"$run/blobs-1"
sed -i 's/VERSION = "0"/VERSION = "1"/' "$run/project/app/main.py"
measure stowage_warm_build_push "$stowage" build "$recipe" --cache "$run/cache-s" --json \
  --push "$REGISTRY/stowage:1" "${reg_flags[@]}"
blob_sizes >"$run/blobs-2"
stowage_warm_bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["push"]["bytes_uploaded"])' \
  "$run/stowage_warm_build_push.out" 2>/dev/null || new_blob_bytes "$run/blobs-1" "$run/blobs-2")
sed -i 's/VERSION = "1"/VERSION = "0"/' "$run/project/app/main.py"
# The two halves on their own: build to a layout (fresh cache), then push that layout.
measure stowage_cold_build "$stowage" build "$recipe" --cache "$run/cache-l" --output "$run/layout" \
  "${reg_flags[@]}"
measure stowage_cold_push "$stowage" push "$run/layout" "$REGISTRY/stowage-layout:1" "${reg_flags[@]}"
measure stowage_plan "$stowage" plan "$recipe" --cache "$run/cache-l" "${reg_flags[@]}"

# --- buildah -------------------------------------------------------------------------------
echo "bench: buildah" >&2
mkdir -p "$run/bctx"
cp -al "$content/weights" "$content/deps" "$run/bctx/"
cp -r "$content/app" "$run/bctx/app"
cat >"$run/bctx/Containerfile" <<EOF
FROM $REGISTRY/base:1
COPY deps/ /usr/lib/python3/dist-packages/
COPY weights/model-00001.safetensors /models/
COPY weights/model-00002.safetensors /models/
COPY app/ /app/
EOF
bflags=(--storage-driver vfs --root "$run/buildah/root" --runroot "$run/buildah/run")
bud=(buildah "${bflags[@]}" bud --layers --isolation chroot --tls-verify=false -t bench:1
  -f "$run/bctx/Containerfile" "$run/bctx")
bpush=(buildah "${bflags[@]}" push --tls-verify=false bench:1 "docker://$REGISTRY/buildah:1")
blob_sizes >"$run/blobs-b0"
measure buildah_cold_build "${bud[@]}"
measure buildah_cold_push "${bpush[@]}"
blob_sizes >"$run/blobs-b1"
sed -i 's/VERSION = "0"/VERSION = "1"/' "$run/bctx/app/main.py"
measure buildah_warm_build "${bud[@]}"
measure buildah_warm_push "${bpush[@]}"
blob_sizes >"$run/blobs-b2"
buildah_warm_bytes=$(new_blob_bytes "$run/blobs-b1" "$run/blobs-b2")

# --- report --------------------------------------------------------------------------------
s() { seconds_of "$1"; }
add() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a + b}'; }
b_cold=$(add "$(s buildah_cold_build)" "$(s buildah_cold_push)")
b_warm=$(add "$(s buildah_warm_build)" "$(s buildah_warm_push)")
b_rss=$(for n in buildah_cold_build buildah_cold_push buildah_warm_build buildah_warm_push; do rss_mib_of $n; done | sort -n | tail -1)
s_rss=$(for n in stowage_cold_build_push stowage_warm_build_push stowage_cold_build stowage_cold_push; do rss_mib_of $n; done | sort -n | tail -1)
sha_mibps=$(mibps "$weight_bytes" "$(s sha256_weights)")
# Per CPU second: on a machine shared with other jobs, wall time measures the neighbours too.
sha_cpu_mibps=$(mibps "$weight_bytes" "$(cpu_of sha256_weights)")
# The hardware limit of a cold build to a layout: every content byte read and hashed once on
# one core (the weights are stored uncompressed; the dependencies' zstd runs on the other core).
limit_hash=$(awk -v b="$all_bytes" -v r="$sha_cpu_mibps" 'BEGIN {printf "%.2f", b / 1048576 / r}')
# ... and written once to disk: whichever is slower.
write_mibps=$(mibps "$weight_bytes" "$(s write_weights)")
limit_write=$(awk -v b="$all_bytes" -v r="$write_mibps" 'BEGIN {printf "%.2f", b / 1048576 / r}')
limit_build=$(awk -v a="$limit_hash" -v b="$limit_write" 'BEGIN {print (a > b ? a : b)}')
{
  echo "## compare.sh results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  echo
  echo "content: weights $((weight_bytes >> 20)) MiB in ${#weights[@]} files, deps $((dep_bytes >> 20)) MiB in $(find "$content/deps" -type f | wc -l) files, app $(find "$content/app" -type f | wc -l) files"
  echo
  echo "| step | stowage | buildah | buildah / stowage |"
  echo "|:---|---:|---:|---:|"
  echo "| cold build (stowage: to a layout) | $(s stowage_cold_build) s | $(s buildah_cold_build) s | $(ratio "$(s buildah_cold_build)" "$(s stowage_cold_build)") |"
  echo "| cold push (stowage: \`stowage push\` of that layout) | $(s stowage_cold_push) s | $(s buildah_cold_push) s | $(ratio "$(s buildah_cold_push)" "$(s stowage_cold_push)") |"
  echo "| cold build + push (stowage: one \`build --push\`) | $(s stowage_cold_build_push) s | $b_cold s | $(ratio "$b_cold" "$(s stowage_cold_build_push)") |"
  echo "| warm rebuild + push after a one-line change | $(s stowage_warm_build_push) s | $b_warm s | $(ratio "$b_warm" "$(s stowage_warm_build_push)") |"
  echo "| bytes uploaded by that rebuild | $stowage_warm_bytes | $buildah_warm_bytes | |"
  echo "| peak RSS of any step | $s_rss MiB | $b_rss MiB | |"
  echo "| CPU seconds (user + sys), cold build + push | $(add "$(cpu_of stowage_cold_build_push)" 0) | $(add "$(cpu_of buildah_cold_build)" "$(cpu_of buildah_cold_push)") | |"
  echo "| CPU seconds (user + sys), warm rebuild + push | $(cpu_of stowage_warm_build_push) | $(add "$(cpu_of buildah_warm_build)" "$(cpu_of buildah_warm_push)") | |"
  echo
  echo "limits, same run:"
  echo
  echo "| limit | figure |"
  echo "|:---|---:|"
  echo "| read weights (page cache) | $(mibps "$weight_bytes" "$(s read_weights)") MiB/s |"
  echo "| read 5,000 dependency files (page cache) | $(mibps "$dep_bytes" "$(s read_deps)") MiB/s |"
  echo "| SHA-256 of the weights (openssl dgst, 1 core) | $sha_mibps MiB/s wall, $sha_cpu_mibps MiB/s per CPU second |"
  echo "| openssl speed -evp sha256 (1 MiB blocks, 1 core) | $(awk '{v = $NF; sub(/k$/, "", v); printf "%.0f", v * 1000 / 1048576}' "$run/openssl-speed.txt") MiB/s |"
  echo "| zstd -3 of the deps tar, 1 thread | $(mibps "$dep_bytes" "$(s zstd_deps_T1)") MiB/s |"
  echo "| zstd -3 of the deps tar, all cores | $(mibps "$dep_bytes" "$(s zstd_deps_T0)") MiB/s |"
  echo "| zstd -3 of one weight file, all cores | $(mibps "$((weight_bytes / 2))" "$(s zstd_weights_T0)") MiB/s |"
  echo "| registry floor: curl -T of the weights, one after the other | $(s floor_seq) s ($(mibps "$weight_bytes" "$(s floor_seq)") MiB/s) |"
  echo "| registry floor: curl -T of the weights, both at once | $(s floor_par) s ($(mibps "$weight_bytes" "$(s floor_par)") MiB/s) |"
  echo "| write the weights to the same file system (dd conv=fsync) | $write_mibps MiB/s |"
  echo "| hardware limit of a cold build: all content hashed once (at openssl's rate per CPU second) | $limit_hash s |"
  echo "| hardware limit of a cold build: all content written once (at dd's rate) | $limit_write s |"
  echo
  echo "targets:"
  echo
  echo "| target | measured | |"
  echo "|:---|---:|:---|"
  t() { awk -v v="$1" -v lim="$2" -v op="$3" 'BEGIN {ok = (op == "<=" ? v <= lim : v >= lim); print (ok ? "met" : "NOT met")}'; }
  r1=$(ratio "$b_cold" "$(s stowage_cold_build_push)")
  r2=$(ratio "$(s stowage_cold_build_push)" "$(s floor_seq)")
  r2p=$(ratio "$(s stowage_cold_build_push)" "$(s floor_par)")
  r3=$(ratio "$b_warm" "$(s stowage_warm_build_push)")
  r4=$(ratio "$(s stowage_cold_build)" "$limit_build")
  echo "| cold build+push >= 3x faster than buildah | ${r1}x | $(t "$r1" 3 '>=') |"
  echo "| cold build+push <= 1.3x the registry floor (sequential curl) | ${r2}x | $(t "$r2" 1.3 '<=') |"
  echo "| (same, against the parallel curl floor) | ${r2p}x | $(t "$r2p" 1.3 '<=') |"
  echo "| warm rebuild+push >= 20x faster than buildah | ${r3}x | $(t "$r3" 20 '>=') |"
  echo "| warm rebuild+push < 1 s | $(s stowage_warm_build_push) s | $(t "$(s stowage_warm_build_push)" 1 '<=') |"
  echo "| cold build to a layout <= 2x the hardware limit (the slower of hashing and writing) | ${r4}x | $(t "$r4" 2 '<=') |"
  echo "| peak RSS < 150 MiB | $s_rss MiB | $(t "$s_rss" 150 '<=') |"
  echo "| stowage plan < 0.2 s | $(s stowage_plan) s | $(t "$(s stowage_plan)" 0.2 '<=') |"
} | tee "$run/report.md"
