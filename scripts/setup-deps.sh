#!/usr/bin/env bash
# Installs every Debian package that building and testing stowage needs.
# Safe to run repeatedly: it only calls apt when something is missing.
set -euo pipefail

build_pkgs=(
  cmake ninja-build g++ pkg-config git
  libarchive-dev libssl-dev libcurl4-openssl-dev libzstd-dev zlib1g-dev zstd tar
  nlohmann-json3-dev libyaml-cpp-dev catch2 libcli11-dev libfmt-dev libtomlplusplus-dev
)
test_pkgs=(
  docker-registry skopeo umoci runc containerd mmdebstrap apache2-utils
  python3 python3-pip python3-pip-whl python3-setuptools-whl python3-sklearn openssl curl hyperfine
  python3-yaml python3-jsonschema time
  # scripts/check-format.sh
  clang-format
  # scripts/sanitize.sh: ASan+UBSan build and libFuzzer targets (fuzz/) need clang's runtimes.
  clang libclang-rt-14-dev
)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The Kubernetes manifest tests validate with npm packages (tests/kube/node/package-lock.json)
# run on node. A node from elsewhere (e.g. NodeSource, which bundles npm) is used as it is;
# Debian's own packages are installed only when the commands are missing.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q >&2
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
