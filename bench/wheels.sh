#!/usr/bin/env bash
# bench/wheels.sh [WORKDIR]: install a lock of 50 generated wheels (>= 500 MiB) from a local
# PEP 503 index, stowage vs `pip install --no-deps --target`, side by side with hyperfine.
# Both sides have warm download caches: stowage's wheel store is filled by a first build;
# pip's HTTP cache by a first install. Each timed stowage run starts with no layer cache
# entries but the imported base's (only the downloads and the base are kept), so it reads,
# verifies, tars, hashes and compresses every wheel; each pip run starts from an empty target
# directory (FIRST_INSTALL=1: see below). BASELINE=/path/to/an/older/stowage adds that binary to the same hyperfine run
# (its unpacked-wheel directories, <cache>/wheels/installed, are removed before each run).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init wheels "${1:-}"
bench_base
work=$workdir
base=$base_tar
python=/usr/bin/python3
if [ ! -s "$work/house/requirements.lock" ]; then
  "$python" "$root/tests/python/wheelhouse.py" bench "$work/house" 50 520
fi
du -sh "$work/house/files" >&2
port=$(free_port)
# python3 -m http.server, with a listen backlog of 128 instead of socketserver's 5: stowage
# fetches 8 index pages at once, and a full backlog drops connection attempts, which the
# client's TCP retries only after a second (a real index has a real backlog).
"$python" -c 'import functools, http.server as h, sys
h.ThreadingHTTPServer.request_queue_size = 128
h.test(HandlerClass=functools.partial(h.SimpleHTTPRequestHandler, directory=sys.argv[2]),
       ServerClass=h.ThreadingHTTPServer, port=int(sys.argv[1]), bind="127.0.0.1")' \
  "$port" "$work/house" >"$work/http.log" 2>&1 &
bench_pids+=($!)
trap bench_cleanup EXIT
sleep 1
index="http://127.0.0.1:$port/simple"
mkdir -p "$work/project"
cp "$work/house/requirements.lock" "$work/project/"
cat >"$work/project/stowage.yaml" <<YAML
name: bench-wheels
base: rootfs:$base
python_requirements: requirements.lock
python_index: [$index]
YAML
cache="$work/cache"
# The layer records of the base alone: kept between runs, every other one is removed.
mkdir -p "$work/base-only"
printf 'name: bench-base\nbase: rootfs:%s\n' "$base" >"$work/base-only/stowage.yaml"
"$stowage" build "$work/base-only/stowage.yaml" --output "$work/base-out" --cache "$cache" --json \
  >"$work/base-only/result.json"
"$python" - "$work/base-only/result.json" "$cache/layers" >"$work/base-layers.txt" <<'PY'
import json, os, sys
base = {l["digest"] for l in json.load(open(sys.argv[1]))["layers"] if l["class"] == "base"}
for name in sorted(os.listdir(sys.argv[2])):
    if json.load(open(os.path.join(sys.argv[2], name))).get("digest") in base:
        print(name)
PY
forget="cd '$cache/layers' && ls | grep -vxFf '$work/base-layers.txt' | xargs -r rm -f; rm -rf '$cache/wheels/installed' '$work/out'"
# FIRST_INSTALL=1: also forget which wheels were verified against their RECORD, so every run
# hashes every file as the first build of a wheel does.
if [ -n "${FIRST_INSTALL:-}" ]; then forget="$forget '$cache/wheels/verified'"; fi
# Warm both download caches.
"$stowage" build "$work/project/stowage.yaml" --output "$work/out" --cache "$cache" >/dev/null
"$python" -m pip install -q --no-deps --target "$work/pip-target" -r "$work/project/requirements.lock" \
  --index-url "$index" --cache-dir "$work/pip-cache"
baseline=()
if [ -n "${BASELINE:-}" ]; then
  baseline=(--prepare "$forget" -n "stowage (baseline)"
    "'$BASELINE' build '$work/project/stowage.yaml' --output '$work/out' --cache '$cache'")
fi
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "$work/result.md" \
  --prepare "$forget" \
  -n stowage "'$stowage' build '$work/project/stowage.yaml' --output '$work/out' --cache '$cache'" \
  "${baseline[@]}" \
  --prepare "rm -rf '$work/pip-target'" \
  -n pip "'$python' -m pip install -q --no-deps --target '$work/pip-target' -r '$work/project/requirements.lock' --index-url '$index' --cache-dir '$work/pip-cache'"
cat "$work/result.md"
