#!/usr/bin/env bash
# Installs the manifest validator's npm packages (tests/kube/node/package-lock.json, exact
# versions and integrity hashes) into DEST/node_modules with `npm ci`. Skipped when DEST
# already holds an install of the same lock file. Used by ctest as the kube_validator fixture.
set -euo pipefail
src=$(cd "$(dirname "$0")/node" && pwd)
dest=${1:?usage: install-validator.sh DEST}
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "install-validator: $tool is missing (scripts/setup-deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$dest"
if [ -d "$dest/node_modules" ] && cmp -s "$src/package-lock.json" "$dest/installed-lock.json"; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)
cp "$src/package-lock.json" "$dest/installed-lock.json"
