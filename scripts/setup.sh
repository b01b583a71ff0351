#!/usr/bin/env bash
# Installs what the project needs (Debian 12 packages, Go modules) and builds it.
#
#   scripts/setup.sh [BUILD_DIR] [extra cmake arguments...]
#
# Safe to run again: it installs only what is missing and rebuilds incrementally.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$root/build}
shift || true

packages=(
  build-essential cmake ninja-build pkg-config
  libpq-dev postgresql-15 postgresql-client-15
  libboost1.81-dev libboost-json1.81-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev libpqxx-dev nlohmann-json3-dev
  pgbouncer openssl
  golang-go jq
  clang-14 libclang-rt-14-dev
  python3-venv
)

missing=()
for package in "${packages[@]}"; do
  # golang-go is only needed when no Go toolchain is on PATH. clang-14 and its
  # libFuzzer (libclang-rt-14-dev) are for scripts/fuzz.sh only.
  if [ "$package" = golang-go ] && command -v go >/dev/null 2>&1; then continue; fi
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Go modules for the interop tests and River's harness (module proxy only).
if [ -f "$root/interop/go.mod" ]; then
  (cd "$root/interop" && go mod download)
  (cd "$root/interop/river011" && go mod download)
fi

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
