#!/usr/bin/env bash
# Installs the built library to a temporary prefix and builds and runs an
# outside project against it (consume.sh) with
#   find_package(riverqueue CONFIG REQUIRED COMPONENTS <the components built>)
# and one program per component, so that a component that was built but
# cannot be consumed (not installed, not exported, a dependency the package
# config does not find) fails the test; then with pkg-config (riverqueue.pc,
# naming that prefix).
#   run.sh BUILD_DIR [COMPONENT...]    (COMPONENT: async, pqxx)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=$1
shift
components=("$@")
work=$(mktemp -d /tmp/riverqueue-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT

script_name=consumer
# shellcheck source=../support/script_helpers.sh
source "$here/../support/script_helpers.sh"

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

"$here/consume.sh" find_package "$work/prefix" "$work" "${components[@]}"
# The same prefix without CMake: riverqueue.pc, written at install time for it.
pc=$(find "$work/prefix" -name riverqueue.pc -print -quit)
[ -n "$pc" ] || fail "no riverqueue.pc installed"
grep -qx "prefix=$work/prefix" "$pc" || fail "riverqueue.pc does not name the prefix installed to: $(head -1 "$pc")"
PKG_CONFIG_PATH=$(dirname "$pc") "$here/consume.sh" pkg-config "" "$work/pkg-config"

# A component the package does not have is an error, not silence.
if quietly cmake -S "$here/project" -B "$work/build-unknown" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  "-DRIVERQUEUE_COMPONENTS=no_such_component" 2>/dev/null; then
  fail "find_package(riverqueue REQUIRED COMPONENTS no_such_component) succeeded"
fi
echo "consumer: ok"
