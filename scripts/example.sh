#!/usr/bin/env bash
# Set-up, build, then the main job on the example: build the iris model server image.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build="${STOWAGE_BUILD_DIR:-$root/build}"
stowage="$build/builder/stowage"
example="$root/examples/iris-cpu"
out="$root/stowage-out/iris-cpu"

"$root/scripts/make-base.sh" "$example/.stowage-base/bookworm-python3.tar" python3
if [ ! -s "$example/model/iris-logreg.json" ]; then
  # Debian's interpreter: python3-sklearn is installed for it, not for any other python3 on PATH.
  /usr/bin/python3 "$example/train.py" "$example/model" >&2
fi

"$stowage" plan "$example/stowage.yaml"
echo
"$stowage" build "$example/stowage.yaml" --output "$out/image"
