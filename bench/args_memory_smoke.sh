#!/usr/bin/env bash
# Runs the args-memory benchmark on a 1 MiB args value on one path against the
# test database and checks the row holds the whole value (no memory figure is
# judged here: bench/run.sh reports them).
set -euo pipefail
binary=$1 schema=$2 path=$3
url=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database}}
# The schema is this test's own: start it afresh, so that a rerun against the
# same database counts only its own row.
psql "$url" -XqAtc "DROP SCHEMA IF EXISTS \"$schema\" CASCADE" 2>/dev/null
out=$("$binary" "$url" "$schema" "$path" 1)
echo "$out"
grep -q "\"path\":\"$path\",\"args_mib\":1," <<<"$out"
length=$(psql "$url" -XAtc "SELECT length(args->>'blob') FROM \"$schema\".river_job WHERE kind = 'args_memory'")
[ "$length" = 1048576 ] || { echo "expected a 1048576-byte blob, found '$length'" >&2; exit 1; }
