#!/usr/bin/env bash
# Runs an example program against the test database, inside its own schema:
#   run_example.sh SCHEMA PROGRAM [ARGS...]
# The example sees DATABASE_URL with search_path set to SCHEMA.
set -euo pipefail
schema=$1
shift
base=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database}}
case "$base" in
  postgres://*|postgresql://*)
    case "$base" in *\?*) sep='&' ;; *) sep='?' ;; esac
    url="${base}${sep}options=-csearch_path%3D${schema}" ;;
  *) url="$base options='-csearch_path=${schema}'" ;;
esac
psql "$base" -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA IF NOT EXISTS \"${schema}\"" >/dev/null
DATABASE_URL=$url "$@"
