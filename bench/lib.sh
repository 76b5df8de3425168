# Helpers shared by the bench scripts (sourced, not run).
# shellcheck shell=bash
# Everything listens on 127.0.0.1 only and is stopped by the caller's EXIT trap (bench_cleanup).

bench_pids=()

# bench_init NAME [WORKDIR]: what every bench script starts from. Sets root (the checkout),
# build ($STOWAGE_BUILD_DIR, default $root/build), stowage (the binary, which must be built
# already) and workdir (WORKDIR, default $build/bench-NAME; created, kept between runs).
bench_init() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build="${STOWAGE_BUILD_DIR:-$root/build}"
  stowage="$build/cli/stowage"
  workdir=$(realpath -m "${2:-$build/bench-$1}")
  [ -x "$stowage" ] || { echo "bench: build stowage first ($stowage)" >&2; exit 1; }
  mkdir -p "$workdir"
}

# bench_content WEIGHT_MIB DEP_FILES DEP_MIB: generated weights, dependency files and code in
# $workdir/content (bench/make_content.py; kept between runs). Sets content.
bench_content() {
  content=$workdir/content
  python3 "$root/bench/make_content.py" "$content" "$1" "$2" "$3"
}

# bench_base: the Debian bookworm base tarball with python3, made once per build directory
# (shared with the tests). Sets base_tar.
bench_base() {
  base_tar="$build/test-bases/bookworm-python3.tar"
  "$root/scripts/make-base.sh" "$base_tar" python3
}

# bench_project NAME BASE: $run/project/stowage.yaml on BASE (a recipe's `base:`) with the
# content: the weights as the model, the dependency files as a dependencies layer, the code.
# The content is hard-linked, not symlinked: stowage refuses links that leave the recipe's
# directory. Sets recipe.
bench_project() {
  cp -al "$content/weights" "$content/deps" "$run/project/"
  cp -r "$content/app" "$run/project/app"
  recipe=$run/project/stowage.yaml
  cat >"$recipe" <<YAML
name: $1
base: $2
model:
  - {src: weights/, dst: /models}
code:
  - {src: deps/, dst: /usr/lib/python3/dist-packages, class: dependencies}
  - {src: app/, dst: /app}
YAML
}

# bench_start_run: a fresh run directory, $workdir/run, with an empty project/ in it; it becomes
# the current directory (stowage writes its Kubernetes manifests under ./stowage-out) and where
# measure() puts its files. Sets run, WORK and RESULTS (emptied).
bench_start_run() {
  run=$workdir/run
  rm -rf "$run"
  mkdir -p "$run/project"
  WORK=$run
  RESULTS=$run/results.txt
  : >"$RESULTS"
  cd "$run" || exit 1
}

bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry DIR: a docker-registry on a free loopback port with storage in DIR/storage.
# Sets REGISTRY (host:port) and REGISTRY_STORAGE.
start_registry() {
  local dir=$1 port
  port=$(free_port)
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: stowage-bench-secret
YAML
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  bench_pids+=($!)
  for _ in $(seq 100); do
    if curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; then
      REGISTRY=127.0.0.1:$port
      REGISTRY_STORAGE=$dir/storage
      return 0
    fi
    sleep 0.1
  done
  echo "bench: docker-registry did not start (see $dir/registry.log)" >&2
  return 1
}

# blob_sizes: "digest size" of every blob the registry stores, sorted.
blob_sizes() {
  local d=$REGISTRY_STORAGE/docker/registry/v2/blobs/sha256
  [ -d "$d" ] || return 0
  find "$d" -name data -type f -printf '%h %s\n' | sed 's|.*/||' | sort
}

# new_blob_bytes BEFORE AFTER: bytes of the blobs in AFTER (blob_sizes output) not in BEFORE.
new_blob_bytes() {
  comm -13 "$1" "$2" | awk '{s += $2} END {printf "%.0f\n", s}'
}

# measure NAME CMD...: runs CMD under /usr/bin/time, appends "NAME seconds max_rss_kib cpu_seconds" to
# $RESULTS. CMD's stdout goes to $WORK/NAME.out, its stderr to $WORK/NAME.err.
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || {
    echo "bench: $name failed:" >&2
    tail -20 "$WORK/$name.err" >&2
    return 1
  }
  echo "$name $(awk '{printf "%s %s %.2f", $1, $2, $3 + $4}' "$WORK/$name.time")" >>"$RESULTS"
  echo "  $name: $(cut -d' ' -f1 "$WORK/$name.time") s, peak RSS $(($(cut -d' ' -f2 "$WORK/$name.time") / 1024)) MiB" >&2
}

# seconds_of NAME / rss_mib_of NAME: from $RESULTS.
seconds_of() { awk -v n="$1" '$1 == n {print $2}' "$RESULTS"; }
cpu_of() { awk -v n="$1" '$1 == n {print $4}' "$RESULTS"; }
rss_mib_of() { awk -v n="$1" '$1 == n {printf "%.0f\n", $3 / 1024}' "$RESULTS"; }

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
# mibps BYTES SECONDS
mibps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.0f", (s > 0 ? b / 1048576 / s : 0)}'; }

# curl_upload REPO FILE DIGEST: monolithic blob upload as the distribution spec describes it
# (POST a session, PUT the bytes with ?digest=), the way every client's fast path works.
curl_upload() {
  local repo=$1 file=$2 digest=$3 location sep
  location=$(curl -fsS -X POST -D - -o /dev/null "http://$REGISTRY/v2/$repo/blobs/uploads/" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "location" {print $2}')
  case $location in http*) ;; *) location="http://$REGISTRY$location" ;; esac
  case $location in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -fsS -o /dev/null -H 'Content-Type: application/octet-stream' -T "$file" \
    "$location${sep}digest=$digest"
}
