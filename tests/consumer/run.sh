#!/usr/bin/env bash
# Installs the built library to a temporary prefix and builds and runs an
# outside project against it with find_package(riverqueue CONFIG REQUIRED).
#   run.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=$1
work=$(mktemp -d /tmp/riverqueue-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
if grep -rl "libpq-fe.h" "$work/prefix/include"; then
  echo "consumer: a public header includes libpq-fe.h" >&2
  exit 1
fi
cmake -S "$here/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
if [ -x "$work/build/consumer_pqxx" ]; then "$work/build/consumer_pqxx"; fi
