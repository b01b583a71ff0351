#!/usr/bin/env bash
# Runs every benchmark contender in one run on one fresh local PostgreSQL and
# writes docs/benchmarks.md and docs/benchmarks.png:
#
#   bench/run.sh          # BENCH_REPS=5 repetitions of everything (about 12 minutes on 2 cores)
#   bench/run.sh work     # only the worker benchmark (about 5 minutes); the report
#                         # keeps the insert results of the last full run
#   bench/run.sh cli      # only the command-line tool's rows (about 2 minutes): the
#                         # insert results of the last full run are kept, the CLI's
#                         # and the baselines they are compared with are measured anew
#
# The worker benchmark (bench/cpp/worker_bench.cpp against River Go's client in
# bench/go/work): BENCH_WORK_JOBS (20,000) jobs inserted before the workers
# start, worked by no-op workers on one queue, timed from start until the
# last job is completed, with River's default fetch_cooldown (100 ms) and
# with 1 ms; its results go to bench/out/work.jsonl with the machine's load.
# BENCH_BUILD_DIR overrides the C++ build directory (build-bench).
#
# Builds what it needs: the C++ contenders (Release, in build-bench/), River
# Go's (bench/go), River Rust's (bench/rust, when cargo is there) and a venv
# with the pinned Python packages (bench/.venv).
# Every contender truncates river_job before its timed section and reports
# wall time, its own CPU time and the server's (bench/server_cpu.sql); the
# raw results go to bench/out/results.jsonl, which bench/report.py turns into
# the report.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=${BENCH_REPS:-5}
mode=${1:-all}
case $mode in all | work | cli) ;; *) echo "usage: bench/run.sh [work|cli]" >&2; exit 2 ;; esac
work_jobs=${BENCH_WORK_JOBS:-20000}
build=${BENCH_BUILD_DIR:-$root/build-bench}
out=$root/bench/out
mkdir -p "$out"
[ "$mode" != all ] || : >"$out/results.jsonl"
[ "$mode" = cli ] || : >"$out/work.jsonl"

echo "bench: building (Release)" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ "$mode" = work ]; then
  cmake --build "$build" --target riverqueue_worker_bench >/dev/null
elif [ "$mode" = cli ]; then
  cmake --build "$build" --target riverqueue_bench riverqueue_cli riverqueue_worker_bench >/dev/null
else
  cmake --build "$build" --target riverqueue_bench riverqueue_cpu_per_job riverqueue_async_bench riverqueue_worker_bench \
    riverqueue_cli >/dev/null
  (cd "$root/bench/go" && go build -o "$build/riverbench" .)
  # River's Rust client, when cargo is there (its crates from crates.io,
  # pinned by bench/rust/Cargo.lock).
  if command -v cargo >/dev/null; then
    (cd "$root/bench/rust" && CARGO_TARGET_DIR="$build/rust-target" cargo build --release --locked -q)
  fi
fi
(cd "$root/bench/go" && go build -o "$build/riverbench_work" ./work)
if [ ! -x "$root/bench/.venv/bin/python" ]; then python3 -m venv "$root/bench/.venv"; fi
"$root/bench/.venv/bin/pip" install -q --disable-pip-version-check -r "$root/bench/python/requirements.txt"

pg_dir=$(mktemp -d /tmp/riverqueue-bench-pg.XXXXXX)
trap '"$root/scripts/local-postgres.sh" stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
url=$(DATABASE_URL='' "$root/scripts/local-postgres.sh" start "$pg_dir")
psql "$url" -qX -v ON_ERROR_STOP=1 -f "$root/bench/server_cpu.sql"
export BENCH_SERVER_CPU=1

cpp=$build/bin/riverqueue_bench
gobench=$build/riverbench
rustbench=$build/rust-target/release/riverbench-rust
rust() {  # rust CONTENDER JOBS: River's Rust client, when it was built
  if [ -x "$rustbench" ]; then run "$rustbench" "$url" "" "$@"; fi
}
python=("$root/bench/.venv/bin/python" "$root/bench/python/bench.py")
worker=$build/bin/riverqueue_worker_bench
gowork=$build/riverbench_work
cli=$build/bin/riverqueue
"$worker" "$url" "" migrate

run() {  # run PROGRAM... : appends its JSON line to the results
  "$@" | tee -a "$out/results.jsonl" >&2
}

# The worker benchmark: each repetition runs both sides with River's default
# fetch cooldown and with 1 ms, alternating which side goes first.
load() {  # load WHEN : appends the machine's load averages
  read -r one five fifteen _ </proc/loadavg
  echo "{\"load\":\"$1\",\"at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"averages\":[$one,$five,$fifteen]}" \
    | tee -a "$out/work.jsonl" >&2
}
work_benchmark() {
  # What the C++ side was built from: others may be changing src/ meanwhile.
  local commit changed
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  changed=$(git -C "$root" status --porcelain -- src include 2>/dev/null | wc -l)
  echo "{\"source\":\"$commit\",\"uncommitted_library_files\":$changed}" | tee -a "$out/work.jsonl" >&2
  load before
  for rep in $(seq "$reps"); do
    echo "bench: worker benchmark, repetition $rep of $reps" >&2
    for cooldown in 100 1; do
      if [ $((rep % 2)) = 1 ]; then sides=(ours go); else sides=(go ours); fi
      for side in "${sides[@]}"; do
        if [ "$side" = ours ]; then
          "$worker" "$url" "" ours_work "$work_jobs" "$cooldown" | tee -a "$out/work.jsonl" >&2
        else
          "$gowork" "$url" "" go_work "$work_jobs" "$cooldown" | tee -a "$out/work.jsonl" >&2
        fi
      done
    done
  done
  load after
}
report() {
  "$root/bench/.venv/bin/python" "$root/bench/report.py" "$out/results.jsonl" "$root/docs/benchmarks.md" \
    "$root/docs/benchmarks.png" "$out/work.jsonl"
  echo "bench: wrote docs/benchmarks.md and docs/benchmarks.png" >&2
}

if [ "$mode" = work ]; then
  [ -s "$out/results.jsonl" ] || echo "bench: no insert results from a full run; the report shows them as n/a" >&2
  [ -e "$out/results.jsonl" ] || : >"$out/results.jsonl"
  work_benchmark
  report
  exit 0
fi

"$cpp" "$url" "" migrate 0

# The COPY floor: psql's \copy of the same jobs, as (args, kind) rows, from a
# file. \timing times the COPY alone, not psql starting or connecting.
copy_floor() {  # copy_floor JOBS
  local jobs=$1 rows=$out/rows_$1.copy
  [ -s "$rows" ] || "$cpp" "$url" "" copy_rows "$jobs" >"$rows"
  # Prints the server's CPU seconds, "Time: N ms", and the CPU seconds again.
  psql "$url" -XAtq -v ON_ERROR_STOP=1 <<EOF >"$out/copy_floor.log"
TRUNCATE river_job;
SELECT public.bench_server_cpu_seconds();
\timing on
\copy river_job (args, kind) FROM '$rows'
\timing off
SELECT public.bench_server_cpu_seconds();
EOF
  awk -v jobs="$jobs" 'NR == 1 { before = $1 } NR == 2 { ms = $2 } NR == 3 { after = $1 }
    END { printf "{\"contender\":\"psql_copy_floor\",\"jobs\":%d,\"seconds\":%.6f,\"client_cpu_seconds\":null,\"server_cpu_seconds\":%.2f}\n",
          jobs, ms / 1000, after - before }' "$out/copy_floor.log" | tee -a "$out/results.jsonl" >&2
}

# The command-line tool on the same jobs, read from JSON Lines: `insert-many
# --fast` against psql's \copy of the same jobs (both read a file and send
# COPY data; the tool also parses JSON and runs River's checks), and
# `insert-many` against the library's insert_many of a batch built in memory.
# The tool's own "seconds" is timed from after it connected, reading included.
cli_run() {  # cli_run standard|fast JOBS
  local how=$1 jobs=$2 file=$out/jobs_$2.jsonl flags=() before after result client=null
  [ -s "$file" ] || "$cpp" "$url" "" jsonl_rows "$jobs" >"$file"
  [ "$how" = fast ] && flags=(--fast)
  psql "$url" -XAtq -v ON_ERROR_STOP=1 -c "TRUNCATE river_job"
  before=$(psql "$url" -XAtq -c "SELECT public.bench_server_cpu_seconds()")
  if [ -x /usr/bin/time ]; then
    result=$(/usr/bin/time -f '%U %S' -o "$out/cli_time.txt" "$cli" insert-many "${flags[@]}" --database-url "$url" "$file")
    client=$(awk '{ printf "%.2f", $1 + $2 }' "$out/cli_time.txt")
  else
    result=$("$cli" insert-many "${flags[@]}" --database-url "$url" "$file")
  fi
  after=$(psql "$url" -XAtq -c "SELECT public.bench_server_cpu_seconds()")
  local contender=cli_insert_many
  [ "$how" = fast ] && contender=cli_insert_many_fast
  sed -n 's/.*"inserted":\([0-9]*\).*"seconds":\([0-9.]*\).*/\1 \2/p' <<<"$result" |
    awk -v c="$contender" -v jobs="$jobs" -v client="$client" -v before="$before" -v after="$after" \
      '$1 == jobs { printf "{\"contender\":\"%s\",\"jobs\":%d,\"seconds\":%s,\"client_cpu_seconds\":%s,\"server_cpu_seconds\":%.2f}\n",
                    c, jobs, $2, client, after - before; found = 1 }
       END { if (!found) { print "bench: the tool did not insert every job" > "/dev/stderr"; exit 1 } }' |
    tee -a "$out/results.jsonl" >&2
}
cli_round() {
  cli_run fast 200000
  copy_floor 200000
  cli_run standard 100000
  # The library's insert_many of the same jobs, in the same round: recorded
  # under a name of its own, so that the main table keeps its own runs.
  "$cpp" "$url" "" ours_insert_many 100000 | sed 's/"contender":"ours_insert_many"/"contender":"ours_insert_many_beside_cli"/' |
    tee -a "$out/results.jsonl" >&2
}

if [ "$mode" = cli ]; then
  [ -s "$out/results.jsonl" ] || echo "bench: no insert results from a full run; the report shows them as n/a" >&2
  [ -e "$out/results.jsonl" ] || : >"$out/results.jsonl"
  # Only this mode's own runs of the contenders it compares count for them.
  python3 - "$out/results.jsonl" <<'PY'
import json, sys
path = sys.argv[1]
keep = [line for line in open(path)
        if json.loads(line).get("contender") not in ("cli_insert_many", "cli_insert_many_fast", "ours_insert_many_beside_cli")
        and (json.loads(line).get("contender"), json.loads(line).get("jobs")) != ("psql_copy_floor", 200000)]
open(path, "w").writelines(keep)
PY
  for rep in $(seq "$reps"); do
    echo "bench: command-line tool, repetition $rep of $reps" >&2
    cli_round
  done
  report
  exit 0
fi

for rep in $(seq "$reps"); do
  echo "bench: repetition $rep of $reps" >&2
  cli_round
  n=5000
  run "$cpp" "$url" "" ours_insert $n
  run "$cpp" "$url" "" ours_insert_unique $n
  run "$cpp" "$url" "" libpq_insert_floor $n
  run "$cpp" "$url" "" ours_insert_unnamed $n
  run "$build/bin/riverqueue_async_bench" "$url" "" ours_async_insert 20000 64
  run "$gobench" "$url" "" go_insert $n
  run "$gobench" "$url" "" go_insert_unique $n
  run "${python[@]}" "$url" "" python_insert $n
  rust rust_insert $n
  rust rust_insert_unique $n
  # A 1k batch takes a few tens of milliseconds: three samples per repetition.
  for round in 1 2 3; do
    run "$cpp" "$url" "" ours_insert_many 1000
    run "$gobench" "$url" "" go_insert_many 1000
    run "${python[@]}" "$url" "" python_insert_many 1000
    rust rust_insert_many 1000
    run "$cpp" "$url" "" libpq_insert_many_floor 1000
  done
  for n in 10000 100000; do
    run "$cpp" "$url" "" ours_insert_many $n
    run "$gobench" "$url" "" go_insert_many $n
    run "${python[@]}" "$url" "" python_insert_many $n
    rust rust_insert_many $n
    run "$cpp" "$url" "" libpq_insert_many_floor $n
  done
  copy_floor 100000
  run "$cpp" "$url" "" ours_insert_many_unique 10000
  run "$cpp" "$url" "" ours_insert_many_unnamed 10000
  run "$gobench" "$url" "" go_insert_many_unique 10000
  rust rust_insert_many_unique 10000
  for n in 100000 1000000; do
    run "$cpp" "$url" "" ours_insert_many_fast $n
    run "$gobench" "$url" "" go_insert_many_fast $n
    [ $n = 100000 ] || copy_floor $n  # the 100k floor ran above
  done
  run "$cpp" "$url" "" ours_insert_many_fast_stream 1000000
  run "$cpp" "$url" "" ours_insert_many_stream 1000000
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

work_benchmark
report
