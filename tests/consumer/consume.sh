#!/usr/bin/env bash
# Builds the outside project (project/) against an installed riverqueue and
# runs it: what run.sh does after `cmake --install`, and what
# tests/packaging/deb_test.sh does with the Debian package.
#
#   consume.sh find_package PREFIX WORK_DIR [COMPONENT...]
#       CMake: find_package(riverqueue CONFIG REQUIRED COMPONENTS ...) with
#       CMAKE_PREFIX_PATH=PREFIX; one program per component.
#   consume.sh pkg-config SYSROOT WORK_DIR
#       c++ -std=c++20 main.cpp $(pkg-config --cflags --libs riverqueue), with
#       riverqueue.pc found on pkg-config's own path (SYSROOT empty: installed
#       where it says), or under SYSROOT, the directory the package was
#       unpacked into (PKG_CONFIG_SYSROOT_DIR; the .pc names /usr).
#
# Environment:
#   RIVERQUEUE_CONSUMER_VERSION   the version the package must have (find_package
#                                 VERSION EXACT, pkg-config --modversion, riverqueue::version())
#   RIVERQUEUE_CONSUMER_DATABASE  a conninfo: the consumer also migrates a schema
#                                 of its own there, inserts a job and reads it back
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=$1
shift

script_name=consumer
# shellcheck source=../support/script_helpers.sh
source "$here/../support/script_helpers.sh"
# Runs the consumer program, against the database when one is given.
run_consumer() {
  local program=$1
  if [ -n "${RIVERQUEUE_CONSUMER_DATABASE:-}" ]; then
    "$program" "$RIVERQUEUE_CONSUMER_DATABASE" "consumer_$(basename "$program" | tr -c 'a-z0-9\n' _)_$$"
  else
    "$program"
  fi
}

case "$mode" in
  find_package)
    prefix=$1 work=$2
    shift 2
    components=("$@")
    component_list=$(IFS=';'; echo "${components[*]}")
    echo "consumer: find_package(riverqueue ${RIVERQUEUE_CONSUMER_VERSION:+${RIVERQUEUE_CONSUMER_VERSION} EXACT }CONFIG REQUIRED COMPONENTS ${components[*]:-(none)}) in $prefix"
    quietly cmake -S "$here/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
      "-DRIVERQUEUE_COMPONENTS=$component_list" \
      "-DRIVERQUEUE_EXPECTED_VERSION=${RIVERQUEUE_CONSUMER_VERSION:-}" || fail "configuring the outside project failed"
    quietly cmake --build "$work/build" || fail "building the outside project failed"
    run_consumer "$work/build/consumer" || fail "consumer failed"
    for component in "${components[@]}"; do
      "$work/build/consumer_$component" || fail "consumer_$component failed"
    done
    ;;
  pkg-config)
    sysroot=$1 work=$2
    if [ -n "$sysroot" ]; then
      pc=$(find "$sysroot" -name riverqueue.pc -print -quit)
      [ -n "$pc" ] || fail "no riverqueue.pc under $sysroot"
      export PKG_CONFIG_SYSROOT_DIR=$sysroot PKG_CONFIG_PATH
      PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
    fi
    version=$(pkg-config --modversion riverqueue) || fail "pkg-config does not find riverqueue"
    if [ -n "${RIVERQUEUE_CONSUMER_VERSION:-}" ] && [ "$version" != "$RIVERQUEUE_CONSUMER_VERSION" ]; then
      fail "pkg-config --modversion riverqueue: $version, expected $RIVERQUEUE_CONSUMER_VERSION"
    fi
    read -r -a flags <<<"$(pkg-config --cflags --libs riverqueue)"
    echo "consumer: c++ -std=c++20 main.cpp \$(pkg-config --cflags --libs riverqueue) = ${flags[*]}"
    defines=()
    [ -z "${RIVERQUEUE_CONSUMER_VERSION:-}" ] ||
      defines=("-DRIVERQUEUE_EXPECTED_VERSION=\"$RIVERQUEUE_CONSUMER_VERSION\"")
    mkdir -p "$work"
    quietly "${CXX:-c++}" -std=c++20 "${defines[@]}" "$here/project/main.cpp" -o "$work/consumer_pkg_config" \
      "${flags[@]}" || fail "building with pkg-config's flags failed"
    run_consumer "$work/consumer_pkg_config" || fail "consumer_pkg_config failed"
    ;;
  *)
    fail "unknown mode $mode (find_package or pkg-config)"
    ;;
esac
