#!/usr/bin/env bash
# The vcpkg overlay port (ports/riverqueue) run on this source tree (ctest packaging.vcpkg_port):
#   vcpkg_port_test.sh SOURCE_DIR
#
# The vcpkg tool and vcpkg's ports cannot be had where the project is tested,
# so tests/packaging/vcpkg/run_portfile.cmake runs the portfile as vcpkg
# would, with the helper functions it calls doing what vcpkg documents and
# vcpkg's checks of the finished package, against the system's dependencies.
#
# 1. Which components each feature set builds (configure only): none without
#    features, only the tool with [tools] (its Boost.JSON does not bring
#    riverqueue::async along).
# 2. riverqueue[async,pqxx,tools] for x64-linux-dynamic: a shared-library
#    build. The package has the shared libraries, the CMake package in
#    share/riverqueue, a relocated riverqueue.pc (libpq and libcrypto in
#    Requires.private), the tool in tools/riverqueue with its completion.
# 3. The package moved to another directory (as vcpkg copies it from
#    packages/ into installed/), the outside project tests/consumer/project
#    built against it with find_package (every component) and with
#    pkg-config, and run against PostgreSQL; the tool's --version.
#
# The database: DATABASE_URL, else RIVERQUEUE_TEST_DATABASE_URL.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$1" && pwd)
consumer=$(cd "$here/../consumer" && pwd)
database=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database (DATABASE_URL or RIVERQUEUE_TEST_DATABASE_URL)}}
work=$(mktemp -d /tmp/riverqueue-vcpkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
script_name=vcpkg
# shellcheck source=../support/script_helpers.sh
source "$here/../support/script_helpers.sh"
version=$(sed -nE 's/^project\(riverqueue VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$source_dir/CMakeLists.txt")

# run_port LINKAGE FEATURES [CONFIGURE_ONLY]: the portfile, its output in $work/port.log.
run_port() {
  cmake -DPORT_DIR="$source_dir/ports/riverqueue" -DWORK_DIR="$work/vcpkg" -DLIBRARY_LINKAGE="$1" \
    -DFEATURES="$2" -DCONFIGURE_ONLY="${3:-OFF}" -P "$here/vcpkg/run_portfile.cmake" >"$work/port.log" 2>&1
}
build_tree=$work/vcpkg/buildtrees/riverqueue/x64-linux-rel
# The optional targets the configured build has (none: an empty line).
targets_of() {
  local all
  all=$(cd "$build_tree" && ninja -t targets all) || fail "ninja -t targets failed in $build_tree"
  { grep -oE '^(riverqueue_async|riverqueue_pqxx|riverqueue_cli): ' <<<"$all" || true; } | tr -d ': ' | sort | tr '\n' ' '
}

# 1. Components per feature set.
for case in ":" "tools:riverqueue_cli "; do
  features=${case%%:*} expected=${case#*:}
  if run_port static "$features" ON || ! grep -q "CONFIGURE_ONLY: stopped after vcpkg_cmake_configure" "$work/port.log"; then
    cat "$work/port.log" >&2
    fail "configuring riverqueue[$features] failed"
  fi
  got=$(targets_of)
  [ "$got" = "$expected" ] || fail "riverqueue[$features] builds '$got', expected '$expected'"
  echo "vcpkg: riverqueue[${features:-core}] builds ${expected:-the library alone}"
done

# 2. The shared build with every feature.
run_port dynamic "async;pqxx;tools" || { cat "$work/port.log" >&2; fail "the portfile failed"; }
grep -E "vcpkg_cmake_configure:|packaged" "$work/port.log" | sed 's/^-- /vcpkg: /'
packaged=$work/vcpkg/packages/riverqueue_x64-linux-dynamic
for file in lib/libriverqueue.so lib/libriverqueue_async.so lib/libriverqueue_pqxx.so \
  share/riverqueue/riverqueueConfig.cmake share/riverqueue/riverqueueTargets.cmake \
  share/riverqueue/riverqueueAsyncTargets.cmake share/riverqueue/riverqueuePqxxTargets.cmake \
  share/riverqueue/copyright lib/pkgconfig/riverqueue.pc include/riverqueue/version.hpp \
  include/riverqueue/async_client.hpp include/riverqueue/pqxx.hpp include/riverqueue/json/nlohmann.hpp \
  tools/riverqueue/riverqueue share/riverqueue/bash-completion/completions/riverqueue; do
  [ -e "$packaged/$file" ] || fail "the package has no $file"
done
for gone in lib/cmake bin share/bash-completion; do
  [ ! -e "$packaged/$gone" ] || fail "the package still has $gone"
done
pc=$packaged/lib/pkgconfig/riverqueue.pc
grep -qx 'prefix=${pcfiledir}/../..' "$pc" || fail "riverqueue.pc is not relocatable: $(grep '^prefix=' "$pc")"
grep -qx 'Requires.private: libpq libcrypto' "$pc" || fail "a shared riverqueue.pc must have libpq and libcrypto in Requires.private"

# 3. Moved, as vcpkg installs it, then consumed.
installed=$work/installed/x64-linux-dynamic
mkdir -p "$work/installed"
mv "$packaged" "$installed"
export RIVERQUEUE_CONSUMER_VERSION=$version RIVERQUEUE_CONSUMER_DATABASE=$database
# libriverqueue_async.so needs libriverqueue.so, which the consumer's RUNPATH
# does not reach for it (RUNPATH is not transitive): LD_LIBRARY_PATH, as for
# any shared library outside the loader's paths.
LD_LIBRARY_PATH=$installed/lib "$consumer/consume.sh" find_package "$installed" "$work/find_package" async pqxx
libs=$(PKG_CONFIG_PATH=$installed/lib/pkgconfig pkg-config --libs riverqueue)
[[ " $libs " != *" -lpq "* ]] || fail "pkg-config --libs riverqueue names -lpq for the shared library: $libs"
PKG_CONFIG_PATH=$installed/lib/pkgconfig LD_LIBRARY_PATH=$installed/lib \
  "$consumer/consume.sh" pkg-config "" "$work/pkg-config"
tool_version=$(LD_LIBRARY_PATH=$installed/lib "$installed/tools/riverqueue/riverqueue" --version)
[ "$tool_version" = "riverqueue $version" ] || fail "tools/riverqueue/riverqueue --version: $tool_version"
echo "vcpkg: ok (riverqueue[async,pqxx,tools]:x64-linux-dynamic from the portfile, consumed with find_package and pkg-config)"
