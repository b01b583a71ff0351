#!/usr/bin/env bash
# The Conan 2 recipe (conanfile.py), `conan create` end to end (ctest packaging.conan):
#   conan_test.sh SOURCE_DIR BUILD_DIR
#
# - Conan from PyPI, pinned (conan==$conan_version), in a virtualenv kept in
#   BUILD_DIR/conan-venv; a Conan home (its local cache) made for this run.
# - No Conan remote is reachable here, so the dependencies come from the
#   system: small recipes for libpq, OpenSSL and Boost's headers that
#   describe what Debian installed (tests/packaging/conan/system, versions from
#   pkg-config and dpkg) are exported to the local cache, and the profile's
#   [replace_requires] puts them in place of Conan Center's libpq, openssl and
#   boost. Every command runs with --no-remote.
# - `conan create` with riverqueue/*:with_async=True: builds riverqueue
#   (version read from project(VERSION)) and riverqueue::async, packages
#   them, and runs test_package, which builds tests/consumer/project against
#   the package through CMakeDeps and runs it against PostgreSQL.
# - Checks the package holds both libraries and the headers, and no CMake or
#   pkg-config files of its own build (Conan writes consumers' from
#   package_info).
#
# The database: DATABASE_URL, else RIVERQUEUE_TEST_DATABASE_URL.
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
conan_version=2.34.0
database=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database (DATABASE_URL or RIVERQUEUE_TEST_DATABASE_URL)}}
work=$(mktemp -d /tmp/riverqueue-conan.XXXXXX)
trap 'rm -rf "$work"' EXIT
script_name=conan
quiet_log=$work/log  # conan create's output is read after it
# shellcheck source=../support/script_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/script_helpers.sh"

venv=$build_dir/conan-venv
if [ "$("$venv/bin/conan" --version 2>/dev/null)" != "Conan version $conan_version" ]; then
  rm -rf "$venv"
  quietly python3 -m venv "$venv" || fail "python3 -m venv failed"
  quietly "$venv/bin/pip" install --quiet "conan==$conan_version" || fail "pip install conan==$conan_version failed"
fi
conan=$venv/bin/conan
export CONAN_HOME=$work/home
echo "conan: $("$conan" --version), local cache $CONAN_HOME"
quietly "$conan" profile detect || fail "conan profile detect failed"

# The system's libraries, as Conan packages of the local cache.
libpq=$(pkg-config --modversion libpq) || fail "no libpq.pc (libpq-dev)"
openssl=$(pkg-config --modversion libcrypto) || fail "no libcrypto.pc (libssl-dev)"
boost=$(dpkg-query -W -f='${Version}' libboost1.81-dev 2>/dev/null | sed -E 's/^([0-9]+\.[0-9]+)\..*/\1.0/') ||
  fail "no libboost1.81-dev"
for dep in "libpq $libpq" "openssl $openssl" "boost $boost"; do
  set -- $dep
  quietly "$conan" export "$source_dir/tests/packaging/conan/system/$1" --version "$2" ||
    fail "exporting the system $1 $2 failed"
done
cat >"$work/profile" <<EOF
include(default)
[settings]
compiler.cppstd=20
[replace_requires]
libpq/*: libpq/$libpq@system
openssl/*: openssl/$openssl@system
boost/*: boost/$boost@system
[conf]
tools.build:jobs=2
tools.cmake.cmaketoolchain:user_presets=
tools.cmake.cmake_layout:test_folder=$work/test_package
EOF
echo "conan: dependencies from the system: libpq $libpq, openssl $openssl, boost $boost (headers)"

version=$(sed -nE 's/^project\(riverqueue VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$source_dir/CMakeLists.txt")
RIVERQUEUE_CONSUMER_DATABASE=$database quietly "$conan" create "$source_dir" -pr "$work/profile" \
  -o "riverqueue/*:with_async=True" --build=missing --no-remote || fail "conan create failed"
grep -q "riverqueue $version (headers $version)" "$work/log" || fail "test_package did not print riverqueue $version"
grep -q "migrated consumer_conan_[0-9]* to version [0-9]*; inserted job" "$work/log" ||
  fail "test_package did not insert a job into PostgreSQL"
grep -q "riverqueue::async consumer built" "$work/log" || fail "test_package did not run the riverqueue::async consumer"
sed -n '/Testing the package: Executing test/,$p' "$work/log" | grep -E "^(riverqueue|migrated|&kind)" | sed 's/^/conan: test_package: /'

# What the package holds.
package=$("$conan" cache path "riverqueue/$version:$("$conan" list "riverqueue/$version:*" --format=json |
  python3 -c 'import json,sys; d=json.load(sys.stdin)["Local Cache"]; r=next(iter(d.values()))["revisions"]; print(next(iter(next(iter(r.values()))["packages"])))')")
for file in lib/libriverqueue.a lib/libriverqueue_async.a include/riverqueue/riverqueue.hpp \
  include/riverqueue/version.hpp include/riverqueue/async_client.hpp include/riverqueue/json/nlohmann.hpp; do
  [ -f "$package/$file" ] || fail "the package has no $file"
done
[ ! -e "$package/lib/libriverqueue_pqxx.a" ] || fail "the package has riverqueue::pqxx, which it does not declare"
[ ! -e "$package/lib/cmake" ] && [ ! -e "$package/lib/pkgconfig" ] || fail "the package keeps its build's CMake or pkg-config files"
echo "conan: ok (riverqueue/$version with riverqueue::async, dependencies from the system, no remote)"
