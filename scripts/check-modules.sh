#!/usr/bin/env bash
# Fails when a module includes a module it may not, naming FILE:LINE and the forbidden edge.
# A module is a top-level folder, one CMake library (stowage_<folder>) and one namespace;
# docs/architecture.md draws the picture. Lower modules never include higher ones.
# Also refused: quoted includes that climb out of a folder ("../x.h"), which would hide an edge,
# and a module's CMakeLists.txt linking a stowage_<module> library it may not include.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The allowed graph: MODULE: the modules its files may include (besides its own).
# Keep it in step with docs/architecture.md.
allowed_graph='
core:
net:       core
layers:    core
registry:  core net layers
cache:     core layers
recipes:   core
knowledge: core recipes
python:    core recipes knowledge net layers
debian:    core recipes knowledge net layers
kube:      core recipes knowledge layers
builder:   core net layers registry cache recipes knowledge python debian kube
cli:       core net layers registry cache recipes knowledge python debian kube builder
'

declare -A allowed=()
modules=()
while read -r line; do
  [ -n "$line" ] || continue
  module=${line%%:*}
  modules+=("$module")
  allowed[$module]=" ${line#*:} "
done <<<"$allowed_graph"

is_module() { [[ -v allowed[$1] ]]; }
# "layers may include core", for messages.
may_use() {
  local uses
  uses=$(echo ${allowed[$1]})
  echo "$1 may include ${uses:-no other module}"
}

failures=0
fail() {
  echo "$1" >&2
  failures=$((failures + 1))
}

checked=0
present=0
for module in "${modules[@]}"; do
  [ -d "$module" ] || continue  # a module still to come (debian/)
  present=$((present + 1))
  # FILE:LINE:#include "PATH"
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    path=
    [[ ${rest#*:} =~ \"([^\"]*)\" ]] && path=${BASH_REMATCH[1]}
    checked=$((checked + 1))
    if [[ $path == *../* || $path == ..* ]]; then
      fail "$file:$line: includes \"$path\": name headers from the root (\"module/file.h\")"
      continue
    fi
    target=${path%%/*}
    [[ $path == */* ]] && is_module "$target" || continue  # a system or third-party header
    [ "$target" = "$module" ] && continue
    if [[ ${allowed[$module]} != *" $target "* ]]; then
      fail "$file:$line: $module -> $target is not allowed (\"$path\"; $(may_use "$module"))"
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' --include='*.h' --include='*.cc' \
             "$module" || true)

  # The link line says the same thing as the includes: stowage_<module> names in CMakeLists.txt.
  cmake_file="$module/CMakeLists.txt"
  [ -f "$cmake_file" ] || continue
  while IFS= read -r hit; do
    line=${hit%%:*}
    for lib in $(grep -oE 'stowage_[a-z_]+' <<<"${hit#*:}"); do
      target=${lib#stowage_}
      is_module "$target" || continue
      [ "$target" = "$module" ] && continue
      if [[ ${allowed[$module]} != *" $target "* ]]; then
        fail "$cmake_file:$line: $module -> $target is not allowed (links $lib; $(may_use "$module"))"
      fi
    done
  done < <(grep -nE 'stowage_[a-z_]+' "$cmake_file" || true)
done

if ((failures)); then
  echo "check-modules: $failures forbidden edge(s); the allowed graph is in scripts/check-modules.sh" >&2
  exit 1
fi
echo "check-modules: $checked includes in $present modules follow the allowed graph" >&2
