#!/usr/bin/env bash
# bench/push.sh [WORKDIR]: stowage push against skopeo copy (docs/performance.md). Push a 1 GiB
# image from an OCI layout to a loopback docker-registry with `stowage push` and with `skopeo copy
# --preserve-digests`, side by side with hyperfine. Before every run the registry's storage is
# emptied (repositories and blobs), so every run uploads every byte. The layout is stowage's own
# build of 1 GiB of incompressible weights (2 files, stored uncompressed) and a few small files;
# `base: scratch`.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init push "${1:-}"
bench_content "${WEIGHT_MIB:-1024}" 50 1
bench_start_run
trap 'bench_cleanup; [ "${KEEP:-0}" = 1 ] || rm -rf "$run/registry" "$run/layout" "$run/cache"' EXIT
cp -al "$content/weights" "$content/deps" "$run/project/"
cat >"$run/project/stowage.yaml" <<YAML
name: bench-push
base: scratch
model:
  - {src: weights/, dst: /models}
code:
  - {src: deps/, dst: /app}
YAML
"$stowage" build "$run/project/stowage.yaml" --cache "$run/cache" --output "$run/layout" >/dev/null
du -sh --apparent-size "$run/layout" >&2
cat "$run"/layout/blobs/sha256/* >/dev/null  # page cache, for both tools

start_registry "$run/registry"
empty="rm -rf '$REGISTRY_STORAGE/docker'"
hyperfine --runs "${RUNS:-5}" --export-markdown "$run/hyperfine.md" --export-json "$run/hyperfine.json" \
  --prepare "$empty" \
  -n "stowage push" "'$stowage' push '$run/layout' '$REGISTRY/bench:1' --insecure-registry '$REGISTRY'" \
  -n "skopeo copy" "skopeo copy -q --dest-tls-verify=false --preserve-digests 'oci:$run/layout:latest' 'docker://$REGISTRY/bench:1'" >&2
# Both pushed the same image: the same manifest digest.
s_digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/bench:1")
eval "$empty"
"$stowage" push "$run/layout" "$REGISTRY/bench:1" --insecure-registry "$REGISTRY" >/dev/null 2>&1
k_digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/bench:1")
[ "$s_digest" = "$k_digest" ] || { echo "bench: digests differ: $s_digest $k_digest" >&2; exit 1; }
{
  echo "## push.sh results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  echo
  cat "$run/hyperfine.md"
} | tee "$run/report.md"
