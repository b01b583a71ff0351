#!/usr/bin/env bash
# Runs the worker benchmark's C++ side (bench/cpp/worker_bench.cpp) on 50 jobs
# against the test database and checks that it printed its result line and
# left every job completed (no timing is judged).
set -euo pipefail
binary=$1 schema=$2
url=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database}}
out=$("$binary" "$url" "$schema" ours_work 50 100)
echo "$out"
grep -q '"contender":"ours_work","jobs":50,' <<<"$out"
count=$(psql "$url" -XAtc "SELECT count(*) FROM \"$schema\".river_job WHERE state = 'completed' AND attempt = 1")
[ "$count" = 50 ] || { echo "expected 50 completed rows, found $count" >&2; exit 1; }
