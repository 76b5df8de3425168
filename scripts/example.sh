#!/usr/bin/env bash
# The main job on examples/iris-cpu, end to end: set up and build stowage, make the base image
# (Debian bookworm with python3, by mmdebstrap; cached after the first run), train the model,
# then build, push and write the Kubernetes manifests, and say how to run what was pushed.
#
# Registry: $STOWAGE_REGISTRY (HOST[:PORT][/NAMESPACE]) when set; otherwise a local
# docker-registry is started on 127.0.0.1 (a free port, storage in stowage-out/registry/).
# That registry KEEPS RUNNING after this script, so the image can be pulled; later runs reuse
# it. Stop it with:  scripts/example.sh --stop-registry
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/stowage-out/iris-cpu"
registry_dir="$root/stowage-out/registry"

local_registry_running() {
  [ -s "$registry_dir/pid" ] && [ -s "$registry_dir/port" ] &&
    kill -0 "$(cat "$registry_dir/pid")" 2>/dev/null &&
    curl -fs -o /dev/null "http://127.0.0.1:$(cat "$registry_dir/port")/v2/"
}

if [ "${1:-}" = "--stop-registry" ]; then
  if local_registry_running; then
    kill "$(cat "$registry_dir/pid")"
    echo "stopped the local registry (pid $(cat "$registry_dir/pid"))" >&2
  else
    echo "no local registry is running" >&2
  fi
  rm -f "$registry_dir/pid" "$registry_dir/port"
  exit 0
fi

# The example needs the binary only; scripts/test.sh builds the tests and fuzzers.
"$root/scripts/build.sh" stowage
build="${STOWAGE_BUILD_DIR:-$root/build}"
stowage="$build/cli/stowage"
example="$root/examples/iris-cpu"

"$root/scripts/make-base.sh" "$example/.stowage-base/bookworm-python3.tar" python3
if [ ! -s "$example/model/iris-logreg.json" ]; then
  # Debian's interpreter: python3-sklearn is installed for it, not for any other python3 on PATH.
  /usr/bin/python3 "$example/train.py" "$example/model" >&2
fi

registry_flags=()
if [ -n "${STOWAGE_REGISTRY:-}" ]; then
  registry="$STOWAGE_REGISTRY"
  case "$registry" in
    127.* | localhost* | \[::1\]*) registry_flags=(--insecure-registry "${registry%%/*}") ;;
  esac
else
  if ! local_registry_running; then
    mkdir -p "$registry_dir/storage"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$registry_dir/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $registry_dir/storage}
http:
  addr: 127.0.0.1:$port
EOF
    nohup docker-registry serve "$registry_dir/config.yml" >"$registry_dir/registry.log" 2>&1 &
    echo $! >"$registry_dir/pid"
    echo "$port" >"$registry_dir/port"
    for _ in $(seq 100); do
      local_registry_running && break
      sleep 0.1
    done
    local_registry_running || { cat "$registry_dir/registry.log" >&2; exit 1; }
    echo "example: started docker-registry on 127.0.0.1:$port (pid $(cat "$registry_dir/pid"))" >&2
  fi
  registry="127.0.0.1:$(cat "$registry_dir/port")"
  registry_flags=(--insecure-registry "$registry")
fi

tag=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo dev)
"$stowage" plan "$example/stowage.yaml" >&2
ref=$("$stowage" build "$example/stowage.yaml" --push "$registry/ml/iris-cpu:$tag" \
  "${registry_flags[@]}" --manifests "$out/k8s" | tail -n 1)
pinned="$registry/ml/iris-cpu@${ref##*@}"

plain_http=""
[ ${#registry_flags[@]} -gt 0 ] && plain_http="--plain-http "
cat <<EOF

Pushed: $ref
Kubernetes manifests: $out/k8s (pinned to $pinned)

Run it with containerd, as a node would (as root):
  ctr images pull ${plain_http}$pinned
  ctr run --rm --net-host --env PORT=8080 $pinned iris-cpu    # Ctrl-C stops it
  # in another terminal:
  curl -s localhost:8080/healthz
  curl -s -X POST localhost:8080/predict -d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
Deploy it (the cluster's nodes must reach $registry):
  kubectl apply -k $out/k8s
EOF
if [ -z "${STOWAGE_REGISTRY:-}" ]; then
  echo "The local registry keeps running (pid $(cat "$registry_dir/pid")); stop it with: scripts/example.sh --stop-registry"
fi
