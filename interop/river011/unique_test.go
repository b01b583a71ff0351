package river011

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Unique jobs on a schema River 0.11.4 migrated to version 5, inserted by
// River 0.11.4 and by our client (interop/cpp/legacy_unique_insert.cpp,
// RIVERQUEUE_INTEROP_LEGACY_INSERT) with the same advisory lock prefix: the
// second insert of a job finds the first's row, on the fast path (the
// `unique_key` index) and on the advisory lock path, whichever side goes
// first, and both sides inserting at once leave one row per job.

// legacyArgs has its kind as a field, so that every case has a kind of its
// own (the kind is always part of River 0.11's uniqueness); json.Marshal
// leaves the unexported field out.
type legacyArgs struct {
	kind     string
	Customer int    `json:"customer"`
	Note     string `json:"note"`
}

func (a legacyArgs) Kind() string { return a.kind }

type uniqueCase struct {
	name     string
	byArgs   bool
	byPeriod time.Duration
	byQueue  bool
	byState  []rivertype.JobState
	queue    string
	advisory bool // River 0.11 takes the advisory lock path (else the fast path)
}

var (
	required = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRunning, rivertype.JobStateScheduled}
	defaultSet = []rivertype.JobState{rivertype.JobStateScheduled, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateCompleted, rivertype.JobStateAvailable}
)

func plus(states ...rivertype.JobState) []rivertype.JobState {
	return append(append([]rivertype.JobState{}, required...), states...)
}

var uniqueCases = []uniqueCase{
	{name: "by_args", byArgs: true},
	{name: "by_queue", byQueue: true},
	{name: "by_period", byPeriod: time.Hour},
	{name: "by_args_queue", byArgs: true, byQueue: true, queue: "mail"},
	{name: "by_args_period", byArgs: true, byPeriod: 24 * time.Hour},
	{name: "by_args_period_queue", byArgs: true, byPeriod: time.Hour, byQueue: true, queue: "q2"},
	{name: "default_states_spelt_out", byArgs: true, byState: defaultSet},
	{name: "by_args_other_queue", byArgs: true, queue: "other"},
	{name: "by_queue_period", byQueue: true, byPeriod: 2 * time.Hour, queue: "q3"},
	{name: "by_period_default_states", byPeriod: time.Hour, byState: defaultSet},
	{name: "advisory_by_args", byArgs: true, byState: plus(), advisory: true},
	{name: "advisory_by_queue", byQueue: true, byState: plus(), advisory: true},
	{name: "advisory_by_period_completed", byPeriod: time.Hour, byState: plus(rivertype.JobStateCompleted), advisory: true},
	{name: "advisory_args_queue_retryable", byArgs: true, byQueue: true, queue: "mail",
		byState: plus(rivertype.JobStateRetryable), advisory: true},
	{name: "advisory_everything", byArgs: true, byPeriod: time.Hour, byQueue: true,
		byState: plus(rivertype.JobStateCompleted), advisory: true},
	{name: "advisory_cancelled_too", byArgs: true, byState: plus(rivertype.JobStateCancelled), advisory: true},
	{name: "advisory_discarded_too", byQueue: true, byState: plus(rivertype.JobStateDiscarded), advisory: true},
	{name: "advisory_all_states", byArgs: true, byState: append(plus(rivertype.JobStateCancelled,
		rivertype.JobStateDiscarded), defaultSet...), advisory: true},
	{name: "advisory_period_queue", byPeriod: 24 * time.Hour, byQueue: true, queue: "q4",
		byState: plus(), advisory: true},
	{name: "advisory_unsorted_states", byArgs: true, advisory: true, byState: []rivertype.JobState{
		rivertype.JobStateScheduled, rivertype.JobStateRunning, rivertype.JobStatePending, rivertype.JobStateAvailable}},
}

type legacyJob struct {
	c    uniqueCase
	args legacyArgs
}

func (j legacyJob) opts() *river.InsertOpts {
	var states []rivertype.JobState // nil stays nil: River 0.11 sends an empty, non-nil set down the advisory path
	if j.c.byState != nil {
		states = append(states, j.c.byState...) // River sorts it in place
	}
	return &river.InsertOpts{Queue: j.c.queue, UniqueOpts: river.UniqueOpts{
		ByArgs: j.c.byArgs, ByPeriod: j.c.byPeriod, ByQueue: j.c.byQueue, ByState: states,
	}}
}

// The program's input line: the args exactly as River 0.11 encodes them.
func (j legacyJob) line(t *testing.T) string {
	encoded, err := json.Marshal(j.args)
	if err != nil {
		t.Fatal(err)
	}
	bit := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	states := "-"
	if j.c.byState != nil {
		names := make([]string, len(j.c.byState))
		for i, s := range j.c.byState {
			names[i] = string(s)
		}
		states = strings.Join(names, ",")
	}
	queue := j.c.queue
	if queue == "" {
		queue = "default"
	}
	return strings.Join([]string{j.args.kind, string(encoded), queue, bit(j.c.byArgs),
		strconv.FormatInt(int64(j.c.byPeriod/time.Second), 10), bit(j.c.byQueue), states}, "\t")
}

type cppResult struct {
	id        int64
	duplicate bool
}

func legacyProgram(t *testing.T) string {
	t.Helper()
	program := os.Getenv("RIVERQUEUE_INTEROP_LEGACY_INSERT")
	if program == "" {
		t.Skip("RIVERQUEUE_INTEROP_LEGACY_INSERT must name the built interop_legacy_unique_insert")
	}
	return program
}

func runCpp(t *testing.T, program, url, schema string, prefix int32, jobs []legacyJob) []cppResult {
	t.Helper()
	var input bytes.Buffer
	for _, j := range jobs {
		input.WriteString(j.line(t) + "\n")
	}
	cmd := exec.Command(program, url, schema, strconv.Itoa(int(prefix)), "1")
	cmd.Stdin = &input
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", program, err, stderr.String())
	}
	var results []cppResult
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		id, _ := strconv.ParseInt(fields[0], 10, 64)
		results = append(results, cppResult{id: id, duplicate: fields[1] == "1"})
	}
	if len(results) != len(jobs) {
		t.Fatalf("%d results for %d jobs: %s", len(results), len(jobs), out)
	}
	return results
}

func riverClient(t *testing.T, pool *pgxpool.Pool, prefix int32) *river.Client[pgx.Tx] {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		AdvisoryLockPrefix: prefix,
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// awayFromPeriodBoundaries waits, when needed, so that the next minute does
// not cross a boundary of any case's period: both sides must take the same
// lower bound.
func awayFromPeriodBoundaries() {
	for _, period := range []time.Duration{time.Hour, 2 * time.Hour, 24 * time.Hour} {
		now := time.Now()
		if left := now.Truncate(period).Add(period).Sub(now); left < time.Minute {
			time.Sleep(left + time.Second)
		}
	}
}

// legacySchema is a schema River 0.11.4 migrated to version 5, with a URL
// whose search_path selects it (River 0.11 has no schema setting).
func legacySchema(t *testing.T) (string, string, *pgxpool.Pool) {
	t.Helper()
	base := databaseURL(t)
	admin := connect(t, base)
	schema, url := newSchema(t, admin, base)
	pool := connect(t, url)
	if _, err := riverMigrator(pool).Migrate(context.Background(), rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	return schema, base, pool
}

func rowsOfKind(t *testing.T, pool *pgxpool.Pool, kind string) (count int, hasKey bool) {
	t.Helper()
	err := pool.QueryRow(context.Background(),
		"SELECT count(*), bool_or(unique_key IS NOT NULL) FROM river_job WHERE kind = $1", kind).Scan(&count, &hasKey)
	if err != nil {
		t.Fatal(err)
	}
	return count, hasKey
}

func TestUniqueJobsInsertedByBothSidesEndInOneRow(t *testing.T) {
	program := legacyProgram(t)
	schema, base, pool := legacySchema(t)
	ctx := context.Background()
	for _, prefix := range []int32{0, 123456789, -559038737} {
		client := riverClient(t, pool, prefix)
		for _, riverFirst := range []bool{true, false} {
			name := fmt.Sprintf("prefix_%d/river_first_%v", prefix, riverFirst)
			t.Run(name, func(t *testing.T) {
				var jobs []legacyJob
				for i, c := range uniqueCases {
					kind := fmt.Sprintf("legacy_%s_%d_%v", c.name, uint32(prefix), riverFirst)
					jobs = append(jobs, legacyJob{c: c, args: legacyArgs{kind: kind, Customer: i, Note: "n\"ö"}})
				}
				awayFromPeriodBoundaries()
				riverResults := make([]*rivertype.JobInsertResult, len(jobs))
				insertRiver := func() {
					for i, j := range jobs {
						res, err := client.Insert(ctx, j.args, j.opts())
						if err != nil {
							t.Fatalf("River insert %s: %v", j.c.name, err)
						}
						riverResults[i] = res
					}
				}
				var cpp []cppResult
				if riverFirst {
					insertRiver()
					cpp = runCpp(t, program, base, schema, prefix, jobs)
				} else {
					cpp = runCpp(t, program, base, schema, prefix, jobs)
					insertRiver()
				}
				for i, j := range jobs {
					first, second := !riverResults[i].UniqueSkippedAsDuplicate, cpp[i].duplicate
					if !riverFirst {
						first, second = !cpp[i].duplicate, riverResults[i].UniqueSkippedAsDuplicate
					}
					if !first || !second {
						t.Errorf("%s: first insert fresh %v, second a duplicate %v", j.c.name, first, second)
					}
					if cpp[i].id != riverResults[i].Job.ID {
						t.Errorf("%s: our row %d, River's %d", j.c.name, cpp[i].id, riverResults[i].Job.ID)
					}
					count, hasKey := rowsOfKind(t, pool, j.args.kind)
					if count != 1 {
						t.Errorf("%s: %d rows", j.c.name, count)
					}
					if hasKey == j.c.advisory {
						t.Errorf("%s: unique_key set %v, want the %s path", j.c.name, hasKey,
							map[bool]string{true: "advisory", false: "fast"}[j.c.advisory])
					}
				}
			})
		}
	}
}

// River Go (4 goroutines) and our client (4 threads) insert the same unique
// jobs at the same time: one row per job.
func TestConcurrentInsertsFromBothSidesLeaveOneRowPerJob(t *testing.T) {
	program := legacyProgram(t)
	schema, base, pool := legacySchema(t)
	ctx := context.Background()
	const prefix int32 = 123456789
	client := riverClient(t, pool, prefix)
	for round := 0; round < 8; round++ {
		var jobs []legacyJob
		for i, c := range uniqueCases {
			for variant := 0; variant < 2; variant++ {
				kind := fmt.Sprintf("race_%d_%s_%d", round, c.name, variant)
				jobs = append(jobs, legacyJob{c: c, args: legacyArgs{kind: kind, Customer: i}})
			}
		}
		var input bytes.Buffer
		for _, j := range jobs {
			input.WriteString(j.line(t) + "\n")
		}
		awayFromPeriodBoundaries()
		// Both sides start at the same instant, once the program is up.
		start := time.Now().Add(300 * time.Millisecond)
		cmd := exec.Command(program, base, schema, strconv.Itoa(int(prefix)), "4", strconv.FormatInt(start.UnixMilli(), 10))
		cmd.Stdin = &input
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var riverFresh atomic.Int64
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				time.Sleep(time.Until(start))
				n := len(jobs)
				for i := 0; i < n; i++ {
					j := jobs[(n-1-i+g*n/4)%n] // the other way round from the C++ threads
					res, err := client.Insert(ctx, j.args, j.opts())
					if err != nil {
						t.Errorf("River insert %s: %v", j.args.kind, err)
						return
					}
					if !res.UniqueSkippedAsDuplicate {
						riverFresh.Add(1)
					}
				}
			}(g)
		}
		wg.Wait()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", program, err, stderr.String())
		}
		cppFresh, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(stdout.String()), "fresh "))
		if err != nil {
			t.Fatalf("program output %q", stdout.String())
		}
		if total := int(riverFresh.Load()) + cppFresh; total != len(jobs) {
			t.Errorf("round %d: %d fresh inserts (River %d, ours %d) for %d jobs", round, total,
				riverFresh.Load(), cppFresh, len(jobs))
		}
		for _, j := range jobs {
			if count, _ := rowsOfKind(t, pool, j.args.kind); count != 1 {
				t.Errorf("round %d: %s has %d rows", round, j.args.kind, count)
			}
		}
		t.Logf("round %d: River inserted %d, ours %d", round, riverFresh.Load(), cppFresh)
	}
}
