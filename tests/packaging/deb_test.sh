#!/usr/bin/env bash
# The Debian package, end to end (ctest packaging.deb):
#   deb_test.sh BUILD_DIR [COMPONENT...]     (COMPONENT: the optional ones built)
#
# 1. Builds it with CPack from BUILD_DIR, into a temporary directory.
# 2. Checks what it declares: its name and version (the CLI's --version), a
#    Depends naming the Debian package of every shared library that the
#    `riverqueue` tool links (objdump's NEEDED, each owner found with dpkg -S)
#    and libpq-dev and libssl-dev, which the static library needs at link time;
#    and that it holds the library, the headers (version.hpp and the JSON
#    adapters included), the CMake package, riverqueue.pc, the tool and its
#    bash completion.
# 3. Installs it, saying which way:
#    - as root with CI=true (CI's machine, new for each run): `dpkg -i` into
#      the machine, where /usr/bin/riverqueue, /usr/lib/cmake/riverqueue and
#      /usr/lib/pkgconfig/riverqueue.pc are found without any path given; the
#      package is removed again at the end unless it was installed before;
#    - otherwise: `dpkg -x` into a temporary root, so that nothing on the
#      machine changes; CMake and pkg-config are pointed at it
#      (CMAKE_PREFIX_PATH, PKG_CONFIG_SYSROOT_DIR).
# 4. Runs the installed tool: --version, unique-key, and migrate and insert
#    against PostgreSQL; sources the installed bash completion and completes.
# 5. Builds the outside project tests/consumer/project against the installed
#    package with find_package and with `pkg-config --cflags --libs
#    riverqueue` (tests/consumer/consume.sh) and runs both against PostgreSQL.
#
# The database: DATABASE_URL, else RIVERQUEUE_TEST_DATABASE_URL (ctest's
# throwaway server, the postgres fixture).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
consumer=$(cd "$here/../consumer" && pwd)
build_dir=$1
shift
components=("$@")
database=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database (DATABASE_URL or RIVERQUEUE_TEST_DATABASE_URL)}}
work=$(mktemp -d /tmp/riverqueue-deb.XXXXXX)
installed_here=""
cleanup() {
  if [ -n "$installed_here" ]; then
    dpkg -r riverqueue >/dev/null || echo "deb: could not remove the riverqueue package" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

script_name=deb
# shellcheck source=../support/script_helpers.sh
source "$here/../support/script_helpers.sh"

for tool in cpack dpkg-deb dpkg-shlibdeps objdump pkg-config psql; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs what this test needs)"
done

# 1. The package.
quietly cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/out" || fail "cpack failed"
debs=("$work/out"/*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "cpack made ${#debs[@]} packages, expected one .deb"
deb=${debs[0]}
echo "deb: built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# 2. What it declares and holds.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = riverqueue ] || fail "Package: $(field Package)"
version=$(field Version)
cli_version=$("$build_dir/bin/riverqueue" --version)
[ "$cli_version" = "riverqueue $version" ] || fail "package version $version, riverqueue --version says '$cli_version'"
depends=$(field Depends)
echo "deb: Version: $version; Depends: $depends"
depends_names=" $(echo "$depends" | tr ',|' '\n\n' | sed 's/(.*)//; s/:any//; s/ //g' | sed '/^$/d' | tr '\n' ' ') "
for needed in libpq-dev libssl-dev; do
  [[ $depends_names == *" $needed "* ]] || fail "Depends lacks $needed (the static library links libpq and libcrypto)"
done

mkdir -p "$work/contents"
dpkg-deb -x "$deb" "$work/contents"
for file in usr/bin/riverqueue usr/include/riverqueue/riverqueue.hpp usr/include/riverqueue/version.hpp \
  usr/include/riverqueue/json/nlohmann.hpp usr/include/riverqueue/json/boost_json.hpp \
  usr/share/bash-completion/completions/riverqueue; do
  [ -f "$work/contents/$file" ] || fail "the package has no /$file"
done
for pattern in libriverqueue.a riverqueueConfig.cmake riverqueueConfigVersion.cmake riverqueueTargets.cmake riverqueue.pc; do
  [ -n "$(find "$work/contents" -name "$pattern" -print -quit)" ] || fail "the package has no $pattern"
done
for component in "${components[@]}"; do
  [ -n "$(find "$work/contents" -name "libriverqueue_$component.a" -print -quit)" ] ||
    fail "the package has no libriverqueue_$component.a (the component $component was built)"
done
pc=$(find "$work/contents" -name riverqueue.pc -print -quit)
grep -qx "prefix=/usr" "$pc" || fail "riverqueue.pc in the package: $(head -1 "$pc"), expected prefix=/usr"
grep -qx "Version: $version" "$pc" || fail "riverqueue.pc's Version is not $version"

# Every shared library the tool links comes from a package it depends on.
# (The static archives link nothing by themselves; what they need at link
# time is libpq-dev's and libssl-dev's, checked above.)
needed=$(objdump -p "$work/contents/usr/bin/riverqueue" | awk '$1 == "NEEDED" {print $2}')
[ -n "$needed" ] || fail "objdump found no NEEDED entry in the tool"
resolved=$(ldd "$work/contents/usr/bin/riverqueue")
# dpkg knows a file by the path its package ships it at: /lib/... or /usr/lib/...
owner_of() {
  local path=$1 real
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "${path#/usr}" "/usr${path#/usr}" "${real#/usr}" "/usr${real#/usr}"; do
    dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  return 1
}
for library in $needed; do
  # ldd names a library "libx.so.1 => /path (...)", and the dynamic loader
  # (NEEDED when code uses thread-local storage) by its path alone.
  path=$(echo "$resolved" | awk -v lib="$library" '
    $1 == lib && $2 == "=>" {print $3; exit}
    $2 ~ /^\(/ && substr($1, length($1) - length(lib)) == "/" lib {print $1; exit}')
  [ -n "$path" ] && [ -e "$path" ] || fail "the tool needs $library, which this machine does not have"
  owner=$(owner_of "$path") || fail "no Debian package owns $path ($library)"
  [[ $depends_names == *" $owner "* ]] || fail "the tool needs $library from $owner, which Depends does not name"
  echo "deb: the tool needs $library: $owner, in Depends"
done

# 3. Installed.
if [ "$(id -u)" = 0 ] && [ "${CI:-}" = true ]; then
  mode="dpkg -i into this machine (root, CI=true)"
  if dpkg-query -W -f='${Status}' riverqueue 2>/dev/null | grep -q "install ok installed"; then
    fail "a riverqueue package is already installed on this machine; remove it (dpkg -r riverqueue) to run this test"
  fi
  quietly dpkg -i "$deb" || fail "dpkg -i failed"
  installed_here=yes
  root=""
  bin=/usr/bin/riverqueue
  [ "$(command -v riverqueue)" = /usr/bin/riverqueue ] || fail "riverqueue on PATH is $(command -v riverqueue), not /usr/bin/riverqueue"
  prefix=/usr
else
  mode="dpkg -x into $work/root (not root, or CI is not true: nothing is installed on the machine)"
  root=$work/root
  mkdir -p "$root"
  dpkg -x "$deb" "$root"
  bin=$root/usr/bin/riverqueue
  prefix=$root/usr
fi
echo "deb: installed with $mode"

# 4. The installed tool and its completion.
[ "$("$bin" --version)" = "riverqueue $version" ] || fail "installed riverqueue --version: $("$bin" --version)"
key=$("$bin" unique-key --kind deb_check --args '{"id":1}' --unique-by-args)
[[ $key == *'"key":"&kind=deb_check&args={\"id\":1}"'* ]] || fail "installed riverqueue unique-key printed $key"
schema="deb_cli_$$"
psql "$database" -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $schema" >/dev/null
drop_schema() { psql "$database" -qX -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
quietly "$bin" migrate up --database-url "$database" --schema "$schema" || { drop_schema; fail "installed riverqueue migrate up failed"; }
inserted=$("$bin" insert --database-url "$database" --schema "$schema" --kind deb_check --args '{"from":"deb"}') ||
  { drop_schema; fail "installed riverqueue insert failed"; }
drop_schema
[[ $inserted == *'"kind":"deb_check"'* && $inserted == *'"unique_skipped_as_duplicated":false'* ]] ||
  fail "installed riverqueue insert printed $inserted"
echo "deb: the installed tool migrated $schema and inserted a job"

completion=$root/usr/share/bash-completion/completions/riverqueue
completed=$(bash -c 'source "$1" && COMP_WORDS=(riverqueue insert-m) COMP_CWORD=1 && _riverqueue && echo "${COMPREPLY[*]}"' _ "$completion")
[ "$completed" = insert-many ] || fail "the installed completion completes 'riverqueue insert-m' to '$completed'"
completed=$(bash -c 'source "$1" && COMP_WORDS=(riverqueue migrate "") COMP_CWORD=2 && _riverqueue && echo "${COMPREPLY[*]}"' _ "$completion")
[ "$completed" = "up down list" ] || fail "the installed completion completes 'riverqueue migrate ' to '$completed'"
if [ -z "$root" ]; then
  # Where bash-completion itself looks, when it is installed.
  if [ -f /usr/share/bash-completion/bash_completion ]; then
    dir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)
    [ "$dir/riverqueue" = "$completion" ] || fail "bash-completion looks in $dir, the package installs $completion"
  fi
fi

# 5. The outside project, both ways, against PostgreSQL.
export RIVERQUEUE_CONSUMER_VERSION=$version RIVERQUEUE_CONSUMER_DATABASE=$database
if [ -z "$root" ]; then
  # Installed in /usr: found on CMake's and pkg-config's own search paths.
  "$consumer/consume.sh" find_package "" "$work/find_package" "${components[@]}"
  "$consumer/consume.sh" pkg-config "" "$work/pkg-config"
else
  "$consumer/consume.sh" find_package "$prefix" "$work/find_package" "${components[@]}"
  "$consumer/consume.sh" pkg-config "$root" "$work/pkg-config"
fi
echo "deb: ok ($mode)"
