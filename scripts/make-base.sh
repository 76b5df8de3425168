#!/usr/bin/env bash
# make-base.sh OUT.tar [PACKAGE...]
# A Debian bookworm root file system with PACKAGEs, as an uncompressed tar for `base: rootfs:`.
# Made once with mmdebstrap (no daemon, no chroot left behind) and reused while OUT.tar exists.
set -euo pipefail
out=$1
shift
if [ -f "$out" ] && [ -s "$out" ]; then
  exit 0
fi
mkdir -p "$(dirname "$out")"
include=$(IFS=,; echo "$*")
tmp="$out.tmp-$$"
trap 'rm -f "$tmp"' EXIT
echo "make-base: mmdebstrap bookworm with ${include:-nothing extra} (about 20 s)" >&2
mmdebstrap --quiet --format=tar --variant=essential ${include:+--include="$include"} bookworm "$tmp" >&2
mv "$tmp" "$out"
trap - EXIT
