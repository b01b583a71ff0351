#!/usr/bin/env bash
# The soak test (issue: hardening), not part of CI: 4 threads of the client and
# 64 coroutines of the asynchronous client insert plain and unique jobs for
# SECONDS (default 600) while their backends are terminated every
# KILL_EVERY_MS (default 3000); then the table is checked against what each
# call said (bench/cpp/soak.cpp). Builds first; starts a throwaway PostgreSQL
# when DATABASE_URL is not set.
#
#   scripts/soak.sh [SECONDS] [KILL_EVERY_MS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-600}
kill_every=${2:-3000}
build=${RIVERQUEUE_SOAK_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" "$build" >/dev/null
cmake --build "$build" --target riverqueue_soak >/dev/null
url=${DATABASE_URL:-}
if [ -z "$url" ]; then
  pg_dir=$(mktemp -d /tmp/riverqueue-soak-XXXXXX)
  trap '"$root/scripts/local-postgres.sh" stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
  url=$("$root/scripts/local-postgres.sh" start "$pg_dir")
fi
"$build/bin/riverqueue_soak" "$url" riverqueue_soak "$seconds" "$kill_every"
