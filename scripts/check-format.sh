#!/usr/bin/env bash
# Fails, listing the files, when clang-format (with the repository's .clang-format) would change
# any tracked .h or .cc file. Changes nothing: `clang-format -i FILE...` fixes the files listed.
# Arguments, when given, are the files to check instead of every tracked one.
# CLANG_FORMAT names another binary (the rules are written for Debian's clang-format 14).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
clang_format="${CLANG_FORMAT:-clang-format}"
if ! command -v "$clang_format" >/dev/null; then
  echo "check-format: $clang_format not found (scripts/setup-deps.sh installs it)" >&2
  exit 1
fi

files=()
if (($#)); then
  files=("$@")
else
  while IFS= read -r f; do
    [ -f "$f" ] && files+=("$f")  # tracked but deleted in the work tree: nothing to check
  done < <(git ls-files -- '*.h' '*.cc')
fi
((${#files[@]})) || { echo "check-format: no files to check" >&2; exit 1; }

# One clang-format run for all files (a process per file is several times slower on a busy
# machine). --style=file: the nearest .clang-format above each file, i.e. the repository's.
# Each violation is reported as "FILE:LINE:COL: error: code should be clang-formatted".
status=0
output=$(printf '%s\0' "${files[@]}" |
  xargs -0 "$clang_format" --style=file --dry-run -Werror 2>&1) || status=$?
mapfile -t bad < <(grep -E '^.+:[0-9]+:[0-9]+: error: code should be clang-formatted' \
  <<<"$output" | sed -E 's/:[0-9]+:[0-9]+: error: .*//' | sort -u)
if ((status != 0 && ${#bad[@]} == 0)); then
  # Not a formatting verdict (a bad .clang-format, a missing file): show what clang-format said.
  echo "check-format: $clang_format failed:" >&2
  echo "$output" >&2
  exit 1
fi
if ((${#bad[@]})); then
  echo "check-format: ${#bad[@]} of ${#files[@]} files differ from what .clang-format asks" \
       "(fix: $clang_format -i FILE...):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted as .clang-format asks" >&2
