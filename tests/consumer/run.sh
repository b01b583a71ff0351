#!/usr/bin/env bash
# Installs the built library to a temporary prefix and builds and runs an
# outside project against it with
#   find_package(riverqueue CONFIG REQUIRED COMPONENTS <the components built>)
# and one program per component, so that a component that was built but
# cannot be consumed (not installed, not exported, a dependency the package
# config does not find) fails the test.
#   run.sh BUILD_DIR [COMPONENT...]    (COMPONENT: async, pqxx)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=$1
shift
components=("$@")
work=$(mktemp -d /tmp/riverqueue-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "consumer: $*" >&2
  exit 1
}
# Runs a command quietly, printing its output if it fails.
quietly() {
  local log=$work/log
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
}

quietly cmake --install "$build_dir" --prefix "$work/prefix" || fail "cmake --install failed"
if grep -rl "libpq-fe.h" "$work/prefix/include"; then
  fail "a public header includes libpq-fe.h"
fi

# The components the package installs are exactly the ones that were built.
config_dir=$(dirname "$(find "$work/prefix" -name riverqueueConfig.cmake -print -quit)")
[ -f "$config_dir/riverqueueConfig.cmake" ] || fail "no riverqueueConfig.cmake installed"
installed=$(find "$config_dir" -name 'riverqueue?*Targets.cmake' -printf '%f\n' |
  sed -n 's/^riverqueue\(.*\)Targets\.cmake$/\1/p' | tr '[:upper:]' '[:lower:]' | sort | tr '\n' ' ')
expected=$(printf '%s\n' "${components[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
[ "$installed" = "$expected" ] ||
  fail "components built: '${expected% }', components installed: '${installed% }'"

component_list=$(IFS=';'; echo "${components[*]}")
echo "consumer: find_package(riverqueue CONFIG REQUIRED COMPONENTS ${components[*]:-(none)})"
quietly cmake -S "$here/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  "-DRIVERQUEUE_COMPONENTS=$component_list" || fail "configuring the outside project failed"
quietly cmake --build "$work/build" || fail "building the outside project failed"
"$work/build/consumer"
for component in "${components[@]}"; do
  "$work/build/consumer_$component" || fail "consumer_$component failed"
done

# A component the package does not have is an error, not silence.
if quietly cmake -S "$here/project" -B "$work/build-unknown" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  "-DRIVERQUEUE_COMPONENTS=no_such_component" 2>/dev/null; then
  fail "find_package(riverqueue REQUIRED COMPONENTS no_such_component) succeeded"
fi
echo "consumer: ok"
