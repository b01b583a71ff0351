"""Turns bench/out/results.jsonl into docs/benchmarks.md and a PNG chart.

    python report.py RESULTS.jsonl OUT.md OUT.png [WORK.jsonl]

WORK.jsonl holds the worker benchmark's results (bench/run.sh writes
bench/out/work.jsonl): each side's runs and the machine's load before and
after. Appends bench/analysis.md (written by hand from the runs and profiles).
"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@dataclass
class Workload:
    label: str
    jobs: int
    ours: str
    go: str | None
    floor: str | None
    python: str | None
    rust: str | None = None


SINGLE = 5000  # jobs per single-insert run (bench/run.sh)
ASYNC_JOBS = 20000  # jobs per run of the asynchronous client (bench/run.sh)
ASYNC_COROUTINES = 64
WORKLOADS = [
    Workload("insert", SINGLE, "ours_insert", "go_insert", "libpq_insert_floor", "python_insert", "rust_insert"),
    Workload("insert, unique by args", SINGLE, "ours_insert_unique", "go_insert_unique", None, None,
             "rust_insert_unique"),
    Workload("insert_many 1k", 1000, "ours_insert_many", "go_insert_many", "libpq_insert_many_floor",
             "python_insert_many", "rust_insert_many"),
    Workload("insert_many 10k", 10000, "ours_insert_many", "go_insert_many", "libpq_insert_many_floor",
             "python_insert_many", "rust_insert_many"),
    Workload("insert_many 100k", 100000, "ours_insert_many", "go_insert_many", "libpq_insert_many_floor",
             "python_insert_many", "rust_insert_many"),
    Workload("insert_many 10k, unique by args", 10000, "ours_insert_many_unique", "go_insert_many_unique", None, None,
             "rust_insert_many_unique"),
    Workload("insert_many_fast 100k", 100000, "ours_insert_many_fast", "go_insert_many_fast", "psql_copy_floor", None),
    Workload("insert_many_fast 1M", 1000000, "ours_insert_many_fast", "go_insert_many_fast", "psql_copy_floor", None),
]
CONTENDERS = [("ours", "riverqueue-cpp"), ("go", "River Go"), ("floor", "floor"), ("python", "Python"),
              ("rust", "River Rust")]

# (workload, compared with, wanted ratio of our jobs/s to theirs), from the
# issue in force (speed, round two).
TARGETS = [
    ("insert_many 1k", "go", 1.3),
    ("insert_many 10k", "go", 1.3),
    ("insert_many 100k", "go", 1.3),
    ("insert_many 1k", "floor", 0.9),
    ("insert_many 10k", "floor", 0.9),
    ("insert_many 100k", "floor", 0.9),
    ("insert_many 10k, unique by args", "go", 1.3),
    ("insert", "floor", 0.95),
    ("insert", "go", 2.0),
    ("insert_many_fast 100k", "floor", 1.0),
    ("insert_many_fast 1M", "floor", 1.0),
]


@dataclass
class Measured:
    """One contender on one workload, over its repetitions."""
    rates: list  # jobs/s of each repetition
    wall_us: float  # median microseconds per job
    client_us: float | None  # median client CPU microseconds per job
    server_us: float | None  # median server CPU microseconds per job

    @property
    def rate(self):
        return statistics.median(self.rates)


def load(path):
    runs, callgrind = {}, {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if "callgrind" in record:
                callgrind[record["callgrind"]] = record["instructions_per_job"]
            else:
                runs.setdefault((record["contender"], record["jobs"]), []).append(record)
    return runs, callgrind


def measured(runs, contender, jobs):
    records = runs.get((contender, jobs)) if contender else None
    if not records:
        return None

    def per_job_us(key):
        values = [r[key] for r in records if r.get(key) is not None]
        return statistics.median(values) / jobs * 1e6 if values else None

    return Measured([jobs / r["seconds"] for r in records], per_job_us("seconds"), per_job_us("client_cpu_seconds"),
                    per_job_us("server_cpu_seconds"))


def rate_cell(m):
    if m is None:
        return "n/a"
    return f"{m.rate:,.0f} ({min(m.rates):,.0f}-{max(m.rates):,.0f}, n={len(m.rates)})"


def ratio(a, b):
    return None if a is None or b is None else a.rate / b.rate


def ratio_cell(a, b):
    r = ratio(a, b)
    return "n/a" if r is None else f"{r:.2f}x"


def us_cell(value):
    return "n/a" if value is None else f"{value:.1f}"


def count_cell(value):
    return "n/a" if value is None else f"{value:,}"


WORK_TARGET = 1.0  # wanted: our jobs worked per second / River Go's (issue 14)


def load_work(path):
    """The worker benchmark's runs by (contender, jobs, fetch cooldown), and the load records."""
    runs, loads = {}, []
    if path is None or not os.path.exists(path):
        return runs, loads
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if "load" in record or "source" in record:
                loads.append(record)
            else:
                runs.setdefault((record["contender"], record["jobs"], record["fetch_cooldown_ms"]), []).append(record)
    return runs, loads


def work_measured(records, key="seconds"):
    if not records:
        return None
    jobs = records[0]["jobs"]

    def per_job_us(field):
        values = [r[field] for r in records if r.get(field) is not None]
        return statistics.median(values) / jobs * 1e6 if values else None

    return Measured([jobs / r[key] for r in records], per_job_us(key), per_job_us("client_cpu_seconds"),
                    per_job_us("server_cpu_seconds"))


def lag_cell(records):
    """Median milliseconds from the last job's finalized_at to the poll seeing every row completed."""
    lags = [(r["seconds"] - r["finalized_seconds"]) * 1000 for r in records]
    return "n/a" if not lags else f"{statistics.median(lags):,.0f}"


def work_section(path):
    """The worker benchmark's part of the report: its tables and its target lines."""
    runs, loads = load_work(path)
    if not runs:
        return [], ["| jobs worked per second, River's defaults, vs go | >= 1.0x | n/a | not measured |"]
    settings = sorted({(jobs, cooldown) for (_, jobs, cooldown) in runs}, key=lambda s: (-s[1], s[0]))
    rows, costs, targets = [], [], []
    for jobs, cooldown in settings:
        ours_records = runs.get(("ours_work", jobs, cooldown), [])
        go_records = runs.get(("go_work", jobs, cooldown), [])
        sample = (ours_records or go_records)[0]
        ceiling = sample["max_workers"] / (cooldown / 1000)
        label = f"{jobs:,} jobs, fetch_cooldown {cooldown} ms" + (" (River's default)" if cooldown == 100 else "")
        ours, go = work_measured(ours_records), work_measured(go_records)
        ours_fin, go_fin = work_measured(ours_records, "finalized_seconds"), work_measured(go_records, "finalized_seconds")
        rows.append(f"| {label} | {rate_cell(ours)} | {rate_cell(go)} | {ratio_cell(ours, go)} | "
                    f"{lag_cell(ours_records)} | {lag_cell(go_records)} | {ratio_cell(ours_fin, go_fin)} | "
                    f"{ceiling:,.0f} |")
        for name, m in [("riverqueue-cpp", ours), ("River Go", go)]:
            if m is not None:
                costs.append(f"| {label} | {name} | {us_cell(m.wall_us)} | {us_cell(m.client_us)} | "
                             f"{us_cell(m.server_us)} |")
        got = ratio(ours, go)
        targets.append(f"| jobs worked per second, {label}, vs go | >= {WORK_TARGET}x | "
                       + ("n/a | not measured |" if got is None else
                          f"{got:.2f}x | {'met' if got >= WORK_TARGET else 'MISSED'} |"))
    load_cells = [f"{r['load']} ({r['at']}): {', '.join(f'{v:.2f}' for v in r['averages'])}"
                  for r in loads if "load" in r]
    source = next((r for r in loads if "source" in r), None)
    source_line = ("The C++ side was built from commit `" + source["source"] + "`"
                   + (f" with {source['uncommitted_library_files']} uncommitted files under src/ and include/ "
                      "(work in progress of the time)" if source["uncommitted_library_files"] else "")
                   + "." if source else "")
    md = [
        "## Working jobs: the worker runtime against River Go's client",
        "",
        "Jobs worked per second end to end (`bench/run.sh work`; `bench/cpp/worker_bench.cpp` against",
        "River Go v0.51.2's own client in `bench/go/work`, the module pinned by `bench/go/go.mod`), on the",
        "same PostgreSQL and the same job set: the jobs above (kind `bench_job`, queue `default`), inserted",
        "with each side's `insert_many_fast` / `InsertManyFast` before its client starts (not timed), then",
        "worked by a no-op worker on one queue with `max_workers` 100 (River's default). The clock starts",
        "just before `start()` / `Start` (connecting and starting the client's threads or goroutines are",
        "timed) and stops when a poll sees every job `completed` in the table: every 20 ms, on a",
        "connection of its own, an index-only `EXISTS` of jobs still `available` or `running`",
        "(sequential scans off on that session; a `count(*)` of 20,000 rows is a sequential scan of the",
        "whole table, 3-4 ms of server time a poll on a quiet machine of this kind, 8-16 ms under load,",
        "a sixth to a third of a core at that rate), then one count to check that all are `completed`. The",
        "latest `finalized_at` in the table (the worker's clock when the last job returned, the same",
        "machine's clock as the start) is not the end: the completer writes outcomes in batches, and",
        "when fetching outruns completing the rows are written well after their jobs ran. The table",
        "gives that lag, and the ratio of the rates the last `finalized_at` would give.",
        "",
        "Both sides keep their other defaults, which are the same: `poll_interval` / `FetchPollInterval`",
        "1 s, listening for insert notifications (they do not matter here: the jobs are there before the",
        "start, so the fetch loop decides), job timeout 1 min, outcomes written in batches by each side's",
        "completer (the C++ one flushes sooner than River's; see below), leader election and the leader's",
        "maintenance on (River Go always has them; C++ has them with `leader_election`), four pooled",
        "connections beside the listening one. The fetch cooldown",
        "(`fetch_cooldown` / `FetchCooldown`, the least time between two fetches of a queue) is the same",
        "on both sides: River's default, 100 ms, and 1 ms. The C++ worker is the dynamic form (it sees",
        "the raw JSON); River Go decodes every job's args into its struct, as it always does. Each",
        "repetition runs both sides, alternating which goes first; rates are medians with the lowest and",
        "highest in brackets.",
        "",
        "| workload | riverqueue-cpp | River Go | ours / Go | last finalized_at to all completed, ms: ours | Go "
        "| ours / Go by last finalized_at | fetch ceiling |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "The fetch ceiling is `max_workers` jobs per cooldown: a fetch asks for as many jobs as there are",
        "free slots, and after a full fetch both runtimes fetch again when a slot frees up, but no sooner",
        "than the cooldown after the previous fetch. With River's default cooldown both sides are held",
        "near it (no-op jobs take microseconds), so that row compares the timing of the two fetch loops",
        "more than their cost; the 1 ms row shows what each runtime costs per job.",
        "",
        "Per job, in microseconds (medians): wall time, the client process's CPU time (all threads, the",
        "poll included) and the whole server's, from the start until the poll saw every job completed.",
        "",
        "| workload | contender | wall | client CPU | server CPU |",
        "|---|---|---|---|---|",
        *costs,
        "",
        "Machine load (1, 5 and 15 minute averages from `/proc/loadavg`) around the worker benchmark: "
        + ("; ".join(load_cells) if load_cells else "not recorded") + ". " + source_line,
    ]
    return md, targets


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cores ({cpu}); "
            f"{pg}; {go}; Python {platform.python_version()}")


def chart(results, out_png, today):
    labels = [w.label for w in WORKLOADS]
    fig, ax = plt.subplots(figsize=(11, 7))
    width = 0.16
    for i, (key, name) in enumerate(CONTENDERS):
        values = [results[w.label][key].rate if results[w.label][key] else 0 for w in WORKLOADS]
        bars = ax.barh([y + i * width for y in range(len(labels))], values, height=width, label=name)
        ax.bar_label(bars, labels=[f"{v:,.0f}" if v else "" for v in values], fontsize=7, padding=2)
    ax.set_yticks([y + (len(CONTENDERS) - 1) / 2 * width for y in range(len(labels))])
    ax.set_yticklabels(labels)
    ax.set_xscale("log")
    ax.set_xlabel("jobs per second (median of the repetitions, log scale)")
    ax.invert_yaxis()
    ax.set_xlim(right=max(ax.get_xlim()[1], 1) * 1.5)  # room for the labels
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=len(CONTENDERS))
    ax.set_title(f"Inserting River jobs into one local PostgreSQL ({today})")
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)


def main():
    results_path, out_md, out_png = sys.argv[1:4]
    work_path = sys.argv[4] if len(sys.argv) > 4 else None
    runs, callgrind = load(results_path)
    work_md, work_targets = work_section(work_path)
    results = {w.label: {key: measured(runs, getattr(w, key), w.jobs) for key, _ in CONTENDERS} for w in WORKLOADS}

    table = []
    for w in WORKLOADS:
        r = results[w.label]
        table.append(f"| {w.label} | {rate_cell(r['ours'])} | {rate_cell(r['go'])} | {ratio_cell(r['ours'], r['go'])} | "
                     f"{rate_cell(r['floor'])} | {ratio_cell(r['ours'], r['floor'])} | {rate_cell(r['python'])} | "
                     f"{ratio_cell(r['ours'], r['python'])} | {rate_cell(r['rust'])} | "
                     f"{ratio_cell(r['ours'], r['rust'])} |")

    target_lines = []
    for label, against, wanted in TARGETS:
        got = ratio(results[label]["ours"], results[label][against])
        if got is None:
            target_lines.append(f"| {label} vs {against} | >= {wanted}x | n/a | not measured |")
        else:
            target_lines.append(f"| {label} vs {against} | >= {wanted}x | {got:.2f}x | "
                                f"{'met' if got >= wanted else 'MISSED'} |")

    # The asynchronous client: many coroutines on one pipelined connection,
    # against the synchronous client's single inserts of the same run.
    async_insert = measured(runs, "ours_async_insert", ASYNC_JOBS)
    async_ratio = ratio(async_insert, results["insert"]["ours"])
    target_lines.append(
        f"| async insert, {ASYNC_COROUTINES} coroutines on one connection, vs sync insert | >= 5.0x | "
        + ("n/a | not measured |" if async_ratio is None else
           f"{async_ratio:.2f}x | {'met' if async_ratio >= 5.0 else 'MISSED'} |"))
    # The command-line tool against what it is measured beside in the same
    # round (bench/run.sh cli_round).
    cli_lines = []
    for label, tool, baseline, baseline_name, jobs, wanted in [
        ("insert-many --fast, 200k", "cli_insert_many_fast", "psql_copy_floor", "psql \\copy of the same jobs", 200000, 0.9),
        ("insert-many, 100k", "cli_insert_many", "ours_insert_many_beside_cli", "the library's insert_many", 100000, 0.9),
    ]:
        t, b = measured(runs, tool, jobs), measured(runs, baseline, jobs)
        cli_lines.append(f"| {label} | {rate_cell(t)} | {baseline_name} | {rate_cell(b)} | {ratio_cell(t, b)} | "
                         f"{us_cell(None if t is None else t.client_us)} | {us_cell(None if t is None else t.server_us)} | "
                         f"{us_cell(None if b is None else b.server_us)} |")
        got = ratio(t, b)
        target_lines.append(f"| CLI {label} vs {baseline_name} | >= {wanted}x | "
                            + ("n/a | not measured |" if got is None else
                               f"{got:.2f}x | {'met' if got >= wanted else 'MISSED'} |"))
    target_lines += work_targets

    cost_lines = []
    for w in WORKLOADS:
        for key, name in CONTENDERS:
            m = results[w.label][key]
            if m is not None:
                cost_lines.append(f"| {w.label} | {name} ({getattr(w, key)}) | {us_cell(m.wall_us)} | "
                                  f"{us_cell(m.client_us)} | {us_cell(m.server_us)} |")

    # Prepared statements off (client_options::prepared_statements = false, as
    # behind PgBouncer in transaction pooling) against the default, same run.
    unnamed_lines = []
    for label, prepared, unnamed, jobs in [("insert", "ours_insert", "ours_insert_unnamed", SINGLE),
                                           ("insert_many 10k", "ours_insert_many", "ours_insert_many_unnamed", 10000)]:
        p, u = measured(runs, prepared, jobs), measured(runs, unnamed, jobs)
        unnamed_lines.append(f"| {label} | {rate_cell(p)} | {rate_cell(u)} | {ratio_cell(u, p)} | "
                             f"{us_cell(None if p is None else p.server_us)} | {us_cell(None if u is None else u.server_us)} |")

    def peak_rss(contender):  # the largest RSS growth of a 1M-job contender's repetitions, MB
        return max((r.get("rss_growth_mb", 0) for r in runs.get((contender, 1000000), [])), default=None)

    stream = measured(runs, "ours_insert_many_fast_stream", 1000000)
    stream_rss = peak_rss("ours_insert_many_fast_stream")
    returning_stream = measured(runs, "ours_insert_many_stream", 1000000)
    returning_stream_rss = peak_rss("ours_insert_many_stream")
    fast_rss = peak_rss("ours_insert_many_fast")

    def rss_verdict(mb):
        return "n/a" if mb is None else f"{mb:.1f} MB ({'met' if mb < 16 else 'MISSED'}: under 16 MB wanted)"
    today = datetime.date.today().isoformat()
    md = [
        "# Benchmarks",
        "",
        f"Generated by `bench/run.sh` on {today}.",
        "",
        f"Machine: {machine()}.",
        "",
        "One fresh local PostgreSQL started by `scripts/local-postgres.sh` (unix socket, fsync off, the same",
        "settings for every contender), `river_job` truncated before every run, the same job for every",
        "contender: kind `bench_job`, about 100 bytes of args, default options; the unique variants are unique",
        "by args. Rates are jobs per second: the median over the repetitions, with the lowest and highest in",
        "brackets. Contenders: riverqueue-cpp (this library, Release build); River Go v0.51.2 with",
        "riverpgxv5 (`bench/go`); River's Python client riverqueue 0.7.0 over SQLAlchemy and psycopg 3",
        "(`bench/python`; no unique variant, see below); River's Rust client riverqueue 0.1.0 over SQLx and",
        "Tokio (`bench/rust`, Release, built with `cargo --locked` when cargo is present; insert and",
        "insert_many, it has no COPY path). Floors: a raw libpq prepared",
        "`INSERT ... RETURNING` loop (`bench/cpp`) for single inserts; for `insert_many`, which returns its",
        "rows, one prepared libpq `INSERT ... SELECT FROM unnest($1::jsonb[]), unnest($2::text[]) RETURNING *`",
        "with both arrays in binary, built in the timed section (`libpq_insert_many_floor`); for the COPY path,",
        "psql's `\\copy` of the same jobs as (args, kind) rows from a file, timed by psql's `\\timing`",
        "(without starting psql).",
        "",
        "| workload | ours | River Go | ours / Go | floor | ours / floor | Python | ours / Python | River Rust | "
        "ours / Rust |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *table,
        "",
        f"Asynchronous client (`riverqueue::async_client`, `bench/cpp/async_bench.cpp`): {ASYNC_COROUTINES} coroutines",
        f"inserting one job each at a time on one pipelined connection: {rate_cell(async_insert)} jobs/s,",
        f"{ratio_cell(async_insert, results['insert']['ours'])} the synchronous client's `insert` above.",
        "",
        "![benchmarks](benchmarks.png)",
        "",
        "## Targets",
        "",
        "| target | wanted | measured | |",
        "|---|---|---|---|",
        *target_lines,
        "",
        "## Where the time goes",
        "",
        "Per job, in microseconds (medians over the repetitions): wall time, the client process's CPU time",
        "(user + system, all threads; not measured for psql), and the CPU time of the whole PostgreSQL server",
        "(every backend and background process, sampled from `/proc` by `bench/server_cpu.sql` around the",
        "timed section; clock-tick resolution, so short runs are approximate). Wall time above the sum of",
        "the two is waiting: round trips, and the client and the server waiting for each other.",
        "",
        "| workload | contender | wall | client CPU | server CPU |",
        "|---|---|---|---|---|",
        *cost_lines,
        "",
        "## Prepared statements off (PgBouncer in transaction pooling)",
        "",
        "`client_options::prepared_statements = false` sends every statement unnamed (parsed and planned by",
        "the server each time), which any pooler passes through (docs/deployment.md). Its cost against the",
        "default, directly on PostgreSQL in the same run:",
        "",
        "| workload | prepared (default) | unnamed | unnamed / prepared | server CPU us/job, prepared | unnamed |",
        "|---|---|---|---|---|---|",
        *unnamed_lines,
        "",
        "## The command-line tool",
        "",
        "`riverqueue insert-many` reading the same jobs from a JSON Lines file (`bench/run.sh cli_round`),",
        "timed by the tool's own `seconds` (from after it connected, reading and parsing included), beside",
        "what it is compared with in the same round. Per job, in microseconds: the tool's CPU time (user +",
        "system, `/usr/bin/time`) and the server's.",
        "",
        "| workload | the tool | compared with | its rate | tool / it | tool CPU us/job | server CPU us/job, tool | it |",
        "|---|---|---|---|---|---|---|---|",
        *cli_lines,
        "",
        "## Memory and client CPU",
        "",
        "- Peak RSS growth of the timed section, the largest of the repetitions (a 1M-job batch built",
        "  before it, as a caller holds its jobs, is not counted; generators build each job when asked):",
        f"  - streaming 1,000,000 jobs through `insert_many_fast` from a generator: {rate_cell(stream)} jobs/s,",
        f"    {rss_verdict(stream_rss)};",
        f"  - streaming 1,000,000 jobs through `insert_many` from a generator, each returned row handed to a",
        f"    callback: {rate_cell(returning_stream)} jobs/s, {rss_verdict(returning_stream_rss)};",
        f"  - `insert_many_fast` of a 1,000,000-job batch: {rss_verdict(fast_rss)}.",
        "- Client-side instructions per job, counted by callgrind (`bench/cpp/cpu_per_job.cpp`, Release build):",
        f"  building one insert (`core::resolve_insert` + `core::build_insert`): {count_cell(callgrind.get('insert'))};",
        f"  computing one unique key by args (`compute_unique_key`): {count_cell(callgrind.get('unique_key'))}.",
        "",
        *work_md,
    ]
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            md += ["", f.read().rstrip()]
    with open(out_md, "w") as f:
        f.write("\n".join(md) + "\n")
    chart(results, out_png, today)


if __name__ == "__main__":
    main()
