#!/usr/bin/env bash
# Sets everything up and runs the whole test suite:
#   1. a Release build (-O3, what users ship; GCC 12 warns more there) with
#      warnings as errors, and every ctest label (with fuzz: the fuzz targets
#      replaying their committed corpus, scripts/fuzz.sh fuzzes; packaging: the
#      Debian package, installed with dpkg -i when root with CI=true, and
#      Conan's `conan create` with Conan from PyPI);
#   2. a build with AddressSanitizer + UndefinedBehaviorSanitizer (unit, integration, faults);
#   3. a build with ThreadSanitizer for the concurrent parts.
# Tests start their own PostgreSQL unless DATABASE_URL is set.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)

# build_and_test BUILD_DIR "CTEST ARGS" [CMAKE ARGS...]
build_and_test() {
  local build_dir=$1 ctest_args=$2
  shift 2
  "$root/scripts/setup.sh" "$build_dir" -DRIVERQUEUE_WARNINGS_AS_ERRORS=ON "$@"
  # shellcheck disable=SC2086 # ctest_args is a list of words
  (cd "$build_dir" && ctest --output-on-failure -j "$jobs" $ctest_args)
}

echo "== Release build with warnings as errors; every test (the fuzz targets replaying their corpus among them)"
build_and_test "$root/build" "" -DCMAKE_BUILD_TYPE=Release -DRIVERQUEUE_FUZZ=ON

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: unit, integration and fault tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build_and_test "$root/build-asan" "-L ^(unit|integration|faults)$" -DCMAKE_BUILD_TYPE=Debug \
  -DRIVERQUEUE_SANITIZE=address,undefined -DRIVERQUEUE_BUILD_TOOLS=OFF

# The tools are built here for insert-many's read-ahead thread: its own tests
# (cli_input.) and the command-line tool's tests of a pipe that stalls.
echo "== ThreadSanitizer: the concurrent tests"
TSAN_OPTIONS=halt_on_error=1 \
  build_and_test "$root/build-tsan" \
  "-L ^(unit|integration|async|cli)$ -R (Concurrent|Pool|Notif|postgres|^async\.|^worker\.|^cli_input\.|WriterStalls|OnAPipe)" \
  -DCMAKE_BUILD_TYPE=Debug -DRIVERQUEUE_SANITIZE=thread -DRIVERQUEUE_BUILD_EXAMPLES=OFF
