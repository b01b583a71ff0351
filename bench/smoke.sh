#!/usr/bin/env bash
# Runs one benchmark contender on 50 jobs against the test database and checks
# that it printed its result line (no timing is judged).
set -euo pipefail
binary=$1 schema=$2 contender=$3
url=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database}}
out=$("$binary" "$url" "$schema" "$contender" 50)
echo "$out"
grep -q "\"contender\":\"$contender\",\"jobs\":50" <<<"$out"
count=$(psql "$url" -XAtc "SELECT count(*) FROM \"$schema\".river_job")
[ "$count" = 50 ] || { echo "expected 50 rows, found $count" >&2; exit 1; }
