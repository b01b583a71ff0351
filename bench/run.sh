#!/usr/bin/env bash
# Runs every benchmark contender in one run on one fresh local PostgreSQL and
# writes docs/benchmarks.md and docs/benchmarks.png.
#   bench/run.sh            (BENCH_REPS=5 by default)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=${BENCH_REPS:-5}
build=$root/build-bench
out=$root/bench/out
mkdir -p "$out"
: >"$out/results.jsonl"

echo "bench: building (Release)" >&2
CMAKE_BUILD_TYPE=Release "$root/scripts/setup.sh" "$build" >/dev/null
(cd "$root/bench/go" && go build -o "$build/riverbench" .)
if [ ! -x "$root/bench/.venv/bin/python" ]; then python3 -m venv "$root/bench/.venv"; fi
"$root/bench/.venv/bin/pip" install -q -r "$root/bench/python/requirements.txt"

pg_dir=$(mktemp -d /tmp/riverqueue-bench-pg.XXXXXX)
trap '"$root/scripts/local-postgres.sh" stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
url=$(DATABASE_URL= "$root/scripts/local-postgres.sh" start "$pg_dir")
"$build/bin/riverqueue" migrate up --database-url "$url" >/dev/null

run() {  # run PROGRAM... : one JSON line appended to the results
  "$@" | tee -a "$out/results.jsonl" >&2
}

cpp=$build/bin/riverqueue_bench
gobench=$build/riverbench
py="$root/bench/.venv/bin/python $root/bench/python/bench.py"
for rep in $(seq "$reps"); do
  echo "bench: repetition $rep of $reps" >&2
  for n in 2000; do
    run "$cpp" "$url" "" ours_insert $n
    run "$cpp" "$url" "" ours_insert_unique $n
    run "$cpp" "$url" "" libpq_insert_floor $n
    run "$gobench" "$url" "" go_insert $n
    run "$gobench" "$url" "" go_insert_unique $n
    run $py "$url" "" python_insert $n
  done
  for n in 1000 10000 100000; do
    run "$cpp" "$url" "" ours_insert_many $n
    run "$gobench" "$url" "" go_insert_many $n
  done
  run "$cpp" "$url" "" ours_insert_many_unique 10000
  run "$gobench" "$url" "" go_insert_many_unique 10000
  run $py "$url" "" python_insert_many 10000
  for n in 100000 1000000; do
    run "$cpp" "$url" "" ours_insert_many_fast $n
    run "$gobench" "$url" "" go_insert_many_fast $n
    # Floor: psql's COPY of the same rows from a file.
    [ -f "$out/rows_$n.copy" ] || "$cpp" "$url" "" copy_rows $n >"$out/rows_$n.copy"
    psql "$url" -qXc "TRUNCATE river_job"
    started=$(date +%s.%N)
    psql "$url" -qXc "\\copy river_job (args, kind) FROM '$out/rows_$n.copy'"
    ended=$(date +%s.%N)
    echo "{\"contender\":\"psql_copy_floor\",\"jobs\":$n,\"seconds\":$(python3 -c "print($ended - $started)")}" \
      | tee -a "$out/results.jsonl" >&2
  done
  run "$cpp" "$url" "" ours_insert_many_fast_stream 1000000
done

echo "bench: counting instructions per job with callgrind" >&2
instructions() {  # instructions WHAT ITERATIONS
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$build/bin/riverqueue_cpu_per_job" "$1" "$2" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for what in insert unique_key; do
  base=$(instructions $what 0)
  total=$(instructions $what 1000)
  echo "{\"callgrind\":\"$what\",\"instructions_per_job\":$(( (total - base) / 1000 ))}" | tee -a "$out/results.jsonl" >&2
done

"$root/bench/.venv/bin/python" "$root/bench/report.py" "$out/results.jsonl" "$root/docs/benchmarks.md" \
  "$root/docs/benchmarks.png"
echo "bench: wrote docs/benchmarks.md and docs/benchmarks.png" >&2
