#!/usr/bin/env bash
# Sets everything up and runs the demo. Uses DATABASE_URL when set; otherwise
# starts a throwaway local PostgreSQL (stopped again at the end).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" "$root/build"

if [ -z "${DATABASE_URL:-}" ]; then
  pg_dir=$(mktemp -d /tmp/riverqueue-demo-pg.XXXXXX)
  trap '"$root/scripts/local-postgres.sh" stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
  DATABASE_URL=$("$root/scripts/local-postgres.sh" start "$pg_dir")
  export DATABASE_URL
  echo "demo: started a throwaway PostgreSQL at $DATABASE_URL"
fi
"$root/build/bin/example_demo" "$DATABASE_URL"
