#!/usr/bin/env bash
# The command-line tool's benchmark rows on 50 jobs (bench/run.sh cli_run):
# the bench's JSON Lines go through `riverqueue insert-many` on one path, and
# every job must be stored with the args psql's \copy floor is given. No
# timing is judged.
set -euo pipefail
bench=$1 cli=$2 schema=$3 how=$4
url=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?no test database}}
flags=()
[ "$how" = fast ] && flags=(--fast)
work=$(mktemp -d "${TMPDIR:-/tmp}/cli_smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Both files first: the bench binary migrates and empties river_job each time.
"$bench" "$url" "$schema" jsonl_rows 50 >"$work/jobs.jsonl"
"$bench" "$url" "$schema" copy_rows 50 | cut -f1 >"$work/args.copy"
out=$("$cli" insert-many "${flags[@]}" --database-url "$url" --schema "$schema" "$work/jobs.jsonl")
echo "$out"
grep -q '"inserted":50,"duplicates":0,"seconds":' <<<"$out"
missing=$(psql "$url" -XAtq -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE want (args jsonb);
\copy want FROM '$work/args.copy'
SELECT count(*) FROM want w
 WHERE NOT EXISTS (SELECT 1 FROM "$schema".river_job j WHERE j.args = w.args AND j.kind = 'bench_job');
SQL
)
[ "$missing" = 0 ] || { echo "$missing of the bench's 50 jobs are not stored as the tool was given them" >&2; exit 1; }
