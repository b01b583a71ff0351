package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// The ends_ kinds, as interop_work_jobs works them (interop/cpp/work_jobs.cpp).
type endsOkArgs struct {
	N int `json:"n"`
}
type endsFailOnceArgs endsOkArgs
type endsFailOnceLateArgs endsOkArgs
type endsSnoozeOnceArgs endsOkArgs
type endsSnoozeOnceLateArgs endsOkArgs
type endsSnoozeLongArgs endsOkArgs
type endsCancelArgs endsOkArgs
type endsDiscardArgs endsOkArgs
type endsRetryLongArgs endsOkArgs
type endsTimeoutArgs endsOkArgs
type endsUnknownArgs endsOkArgs // no worker on either side

func (endsOkArgs) Kind() string             { return "ends_ok" }
func (endsFailOnceArgs) Kind() string       { return "ends_fail_once" }
func (endsFailOnceLateArgs) Kind() string   { return "ends_fail_once_late" }
func (endsSnoozeOnceArgs) Kind() string     { return "ends_snooze_once" }
func (endsSnoozeOnceLateArgs) Kind() string { return "ends_snooze_once_late" }
func (endsSnoozeLongArgs) Kind() string     { return "ends_snooze_long" }
func (endsCancelArgs) Kind() string         { return "ends_cancel" }
func (endsDiscardArgs) Kind() string        { return "ends_discard" }
func (endsRetryLongArgs) Kind() string      { return "ends_retry_long" }
func (endsTimeoutArgs) Kind() string        { return "ends_timeout" }
func (endsUnknownArgs) Kind() string        { return "ends_unknown" }

const (
	endsFailure       = "ends first attempt fails"
	endsAlwaysFails   = "ends always fails"
	endsUnknownError  = "job kind is not registered in the client's Workers bundle: ends_unknown"
	endsTimeoutError  = "context deadline exceeded"
	endsCancelError   = "JobCancelError: ends cancel"
	endsLongSnooze    = time.Hour
	endsLateSnooze    = 6 * time.Second // more than 5 s: written scheduled, brought back by the leader's scheduler
	endsLateRetry     = 6 * time.Second
	endsLongRetry     = time.Hour
	endsDiscardRetry  = 100 * time.Millisecond
	endsWorkerTimeout = 100 * time.Millisecond
)

// endsWorker is a River Go worker for one ends_ kind: its behaviour, River's
// per-kind NextRetry and Timeout (zero: the client's).
type endsWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	record     *goRuns
	work       func(ctx context.Context, job *river.Job[T]) error
	retryAfter time.Duration
	timeout    time.Duration
}

func (w *endsWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	w.record.add(job.ID)
	return w.work(ctx, job)
}

func (w *endsWorker[T]) NextRetry(*river.Job[T]) time.Time {
	if w.retryAfter == 0 {
		return time.Time{}
	}
	return time.Now().Add(w.retryAfter)
}

func (w *endsWorker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

func addEndsWorker[T river.JobArgs](workers *river.Workers, record *goRuns, retryAfter, timeout time.Duration,
	work func(ctx context.Context, job *river.Job[T]) error) {
	river.AddWorker[T](workers, &endsWorker[T]{record: record, work: work, retryAfter: retryAfter, timeout: timeout})
}

func snoozedBefore(metadata []byte) bool {
	var m map[string]any
	_ = json.Unmarshal(metadata, &m)
	_, ok := m["snoozes"]
	return ok
}

// endsWorkers are River Go's copies of the C++ program's ends_ workers.
func endsWorkers(record *goRuns) *river.Workers {
	workers := river.NewWorkers()
	addEndsWorker(workers, record, 0, 0, func(ctx context.Context, job *river.Job[endsOkArgs]) error { return nil })
	addEndsWorker(workers, record, 0, 0, func(ctx context.Context, job *river.Job[endsFailOnceArgs]) error {
		if job.Attempt == 1 {
			return fmt.Errorf("%s", endsFailure)
		}
		return nil
	})
	addEndsWorker(workers, record, endsLateRetry, 0, func(ctx context.Context, job *river.Job[endsFailOnceLateArgs]) error {
		if job.Attempt == 1 {
			return fmt.Errorf("%s", endsFailure)
		}
		return nil
	})
	addEndsWorker(workers, record, 0, 0, func(ctx context.Context, job *river.Job[endsSnoozeOnceArgs]) error {
		if !snoozedBefore(job.Metadata) {
			return river.JobSnooze(time.Second)
		}
		return nil
	})
	addEndsWorker(workers, record, 0, 0, func(ctx context.Context, job *river.Job[endsSnoozeOnceLateArgs]) error {
		if !snoozedBefore(job.Metadata) {
			return river.JobSnooze(endsLateSnooze)
		}
		return nil
	})
	addEndsWorker(workers, record, 0, 0, func(ctx context.Context, job *river.Job[endsSnoozeLongArgs]) error {
		return river.JobSnooze(endsLongSnooze)
	})
	addEndsWorker(workers, record, 0, 0, func(ctx context.Context, job *river.Job[endsCancelArgs]) error {
		return river.JobCancel(fmt.Errorf("ends cancel"))
	})
	addEndsWorker(workers, record, endsDiscardRetry, 0, func(ctx context.Context, job *river.Job[endsDiscardArgs]) error {
		return fmt.Errorf("%s", endsAlwaysFails)
	})
	addEndsWorker(workers, record, endsLongRetry, 0, func(ctx context.Context, job *river.Job[endsRetryLongArgs]) error {
		return fmt.Errorf("%s", endsAlwaysFails)
	})
	addEndsWorker(workers, record, 0, endsWorkerTimeout, func(ctx context.Context, job *river.Job[endsTimeoutArgs]) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return nil
		}
	})
	return workers
}

// endsVariant is a part of the job set and the end state both fleets must
// leave it in.
type endsVariant struct {
	name        string
	args        func(n int) river.JobArgs
	maxAttempts int
	scheduledIn time.Duration // from insertion; 0: available at once
	copies      int

	state       string
	attempt     int
	errors      []string // each attempt's error, in order
	finalized   bool
	snoozes     int
	attemptedBy int
	runs        int           // worker runs
	waitsFor    time.Duration // a long snooze or retry: scheduled_at this long after the last attempt
}

var endsVariants = []endsVariant{
	{name: "ok", args: func(n int) river.JobArgs { return endsOkArgs{n} }, copies: 100,
		state: "completed", attempt: 1, finalized: true, attemptedBy: 1, runs: 1},
	{name: "ok_scheduled", args: func(n int) river.JobArgs { return endsOkArgs{n} }, scheduledIn: 6 * time.Second, copies: 5,
		state: "completed", attempt: 1, finalized: true, attemptedBy: 1, runs: 1},
	{name: "fail_once", args: func(n int) river.JobArgs { return endsFailOnceArgs{n} }, copies: 5,
		state: "completed", attempt: 2, errors: []string{endsFailure}, finalized: true, attemptedBy: 2, runs: 2},
	{name: "fail_once_late", args: func(n int) river.JobArgs { return endsFailOnceLateArgs{n} }, copies: 5,
		state: "completed", attempt: 2, errors: []string{endsFailure}, finalized: true, attemptedBy: 2, runs: 2},
	{name: "snooze_once", args: func(n int) river.JobArgs { return endsSnoozeOnceArgs{n} }, copies: 5,
		state: "completed", attempt: 1, finalized: true, snoozes: 1, attemptedBy: 2, runs: 2},
	{name: "snooze_once_late", args: func(n int) river.JobArgs { return endsSnoozeOnceLateArgs{n} }, copies: 5,
		state: "completed", attempt: 1, finalized: true, snoozes: 1, attemptedBy: 2, runs: 2},
	{name: "snooze_long", args: func(n int) river.JobArgs { return endsSnoozeLongArgs{n} }, copies: 5,
		state: "scheduled", attempt: 0, snoozes: 1, attemptedBy: 1, runs: 1, waitsFor: endsLongSnooze},
	{name: "cancel", args: func(n int) river.JobArgs { return endsCancelArgs{n} }, copies: 5,
		state: "cancelled", attempt: 1, errors: []string{endsCancelError}, finalized: true, attemptedBy: 1, runs: 1},
	{name: "discard", args: func(n int) river.JobArgs { return endsDiscardArgs{n} }, maxAttempts: 3, copies: 5,
		state: "discarded", attempt: 3, errors: []string{endsAlwaysFails, endsAlwaysFails, endsAlwaysFails},
		finalized: true, attemptedBy: 3, runs: 3},
	{name: "retry_long", args: func(n int) river.JobArgs { return endsRetryLongArgs{n} }, copies: 5,
		state: "retryable", attempt: 1, errors: []string{endsAlwaysFails}, attemptedBy: 1, runs: 1, waitsFor: endsLongRetry},
	{name: "unknown_1", args: func(n int) river.JobArgs { return endsUnknownArgs{n} }, maxAttempts: 1, copies: 5,
		state: "discarded", attempt: 1, errors: []string{endsUnknownError}, finalized: true, attemptedBy: 1},
	{name: "unknown_2", args: func(n int) river.JobArgs { return endsUnknownArgs{n} }, maxAttempts: 2, copies: 5,
		state: "discarded", attempt: 2, errors: []string{endsUnknownError, endsUnknownError}, finalized: true, attemptedBy: 2},
	{name: "timeout", args: func(n int) river.JobArgs { return endsTimeoutArgs{n} }, maxAttempts: 1, copies: 5,
		state: "discarded", attempt: 1, errors: []string{endsTimeoutError}, finalized: true, attemptedBy: 1, runs: 1},
}

// insertEndsJobs inserts the job set, variants interleaved, in one statement:
// the same set gets the same IDs in a fresh schema.
func insertEndsJobs(t *testing.T, pool *pgxpool.Pool, schema, queue string) []string {
	t.Helper()
	var params []river.InsertManyParams
	var names []string
	now := time.Now()
	for i := 0; ; i++ {
		added := false
		for _, v := range endsVariants {
			if i >= v.copies {
				continue
			}
			opts := &river.InsertOpts{Queue: queue, MaxAttempts: v.maxAttempts}
			if v.scheduledIn > 0 {
				opts.ScheduledAt = now.Add(v.scheduledIn)
			}
			params = append(params, river.InsertManyParams{Args: v.args(len(params)), InsertOpts: opts})
			names = append(names, v.name)
			added = true
		}
		if !added {
			break
		}
	}
	if _, err := riverInsertClient(t, pool, schema).InsertMany(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	return names
}

// endsRow is a job's end state, as compared between the fleets.
type endsRow struct {
	ID          int64          `json:"id"`
	Args        string         `json:"args"`
	Kind        string         `json:"kind"`
	State       string         `json:"state"`
	Attempt     int            `json:"attempt"`
	MaxAttempts int            `json:"max_attempts"`
	AttemptedBy int            `json:"attempted_by"` // entries
	Errors      []endsError    `json:"errors"`
	Finalized   bool           `json:"finalized"`
	Metadata    map[string]any `json:"metadata"`
	Future      bool           `json:"future"` // scheduled_at 30 minutes ahead or more
	// For a future job: scheduled_at less the last attempted_at, in whole
	// minutes (the hour of a long snooze or retry).
	AheadMinutes int `json:"ahead_minutes"`
	Runs         int `json:"runs"` // worker runs
}

type endsError struct {
	Attempt int    `json:"attempt"`
	Error   string `json:"error"`
	Trace   string `json:"trace"`
}

func readEndsRows(t *testing.T, pool *pgxpool.Pool, schema string, clientIDs map[string]bool, runs map[int64]int) []endsRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT id, args::text, kind, state::text, attempt, max_attempts,"+
		" coalesce(attempted_by, '{}'), coalesce(to_jsonb(errors), '[]'::jsonb), finalized_at IS NOT NULL, metadata,"+
		" scheduled_at >= now() + interval '30 minutes', CASE WHEN scheduled_at >= now() + interval '30 minutes'"+
		" THEN round(extract(epoch FROM scheduled_at - attempted_at) / 60)::int ELSE 0 END FROM "+schema+
		".river_job ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []endsRow
	for rows.Next() {
		var r endsRow
		var attemptedBy []string
		var errorsJSON, metadata []byte
		if err := rows.Scan(&r.ID, &r.Args, &r.Kind, &r.State, &r.Attempt, &r.MaxAttempts, &attemptedBy, &errorsJSON,
			&r.Finalized, &metadata, &r.Future, &r.AheadMinutes); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(errorsJSON, &r.Errors); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(metadata, &r.Metadata); err != nil {
			t.Fatal(err)
		}
		r.AttemptedBy = len(attemptedBy)
		for _, id := range attemptedBy {
			if !clientIDs[id] {
				t.Errorf("%s job %d attempted by %q, not a client of its fleet", schema, r.ID, id)
			}
		}
		r.Runs = runs[r.ID]
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unsettledRows describes the jobs of the schema not yet at their end: those
// available, running or pending, and those scheduled or retryable that are
// due within half an hour.
func unsettledRows(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT id, kind, state::text, attempt, scheduled_at - now() FROM "+
		schema+".river_job WHERE state IN ('available', 'running', 'pending') OR (state IN ('scheduled', 'retryable')"+
		" AND scheduled_at < now() + interval '30 minutes') ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var kind, state string
		var attempt int
		var due time.Duration
		if err := rows.Scan(&id, &kind, &state, &attempt, &due); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("job %d %s %s attempt %d due in %s", id, kind, state, attempt, due))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// quietUnknownKinds passes River's warnings and errors on to stderr, but for
// the error it logs for each job of a kind it has no worker for, which this
// test inserts on purpose.
type quietUnknownKinds struct{ next slog.Handler }

func (h quietUnknownKinds) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h quietUnknownKinds) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasSuffix(r.Message, ": Unhandled job kind") {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h quietUnknownKinds) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietUnknownKinds{h.next.WithAttrs(attrs)}
}

func (h quietUnknownKinds) WithGroup(name string) slog.Handler {
	return quietUnknownKinds{h.next.WithGroup(name)}
}

// startEndsClient starts one River Go client of the Go-only fleet (leader
// election on, as River's default), polling as often as the C++ processes.
func startEndsClient(t *testing.T, pool *pgxpool.Pool, schema, queue string, workers *river.Workers) (*river.Client[pgx.Tx], func()) {
	t.Helper()
	return startRiverWorkersLogging(t, pool, schema, queue, 10, workers,
		quietUnknownKinds{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})})
}

// One job set (completions, failures retried by River's backoff and by a
// worker's NextRetry past the scheduler's 5 s, snoozes short, past 5 s and
// of an hour, a cancel, a discard after max_attempts, a long retry, an
// unknown kind with one and two attempts, a job timeout, jobs scheduled
// ahead), inserted in a schema of its own for each fleet: two C++ worker
// processes electing a leader among them (a C++-only deployment), and two
// River Go clients. Both reach the same end state for every job: state,
// attempt, max_attempts, attempted_by entries, errors (attempt, text,
// trace), finalized_at set or not, metadata, scheduled_at still far ahead or
// not, worker runs; and that end state is the one River's rules give.
func TestCppAndGoFleetsReachTheSameEndStates(t *testing.T) {
	url := databaseURL(t)
	pool := connect(t, url)
	cppSchema, goSchema := riverMigratedSchema(t, pool), riverMigratedSchema(t, pool)
	const queue = "ends"
	started := time.Now()
	names := insertEndsJobs(t, pool, cppSchema, queue)
	if again := insertEndsJobs(t, pool, goSchema, queue); !reflect.DeepEqual(names, again) {
		t.Fatal("the two job sets differ")
	}

	cppArgs := []string{"--max-workers", "10", "--leader-election", "on"}
	cpp1 := startCppWorker(t, url, cppSchema, queue, cppArgs...)
	cpp2 := startCppWorker(t, url, cppSchema, queue, cppArgs...)
	var record goRuns
	workers := endsWorkers(&record)
	go1, stopGo1 := startEndsClient(t, pool, goSchema, queue, workers)
	go2, stopGo2 := startEndsClient(t, pool, goSchema, queue, workers)

	for deadline := time.Now().Add(90 * time.Second); len(unsettledRows(t, pool, cppSchema)) > 0 ||
		len(unsettledRows(t, pool, goSchema)) > 0; {
		if time.Now().After(deadline) {
			for _, schema := range []string{cppSchema, goSchema} {
				for _, r := range unsettledRows(t, pool, schema) {
					t.Logf("%s: not settled: %s", schema, r)
				}
			}
			t.Fatal("timed out waiting for both fleets to settle every job")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("both fleets settled in %.1fs", time.Since(started).Seconds())
	cppRuns1, cppRuns2 := cpp1.stop(), cpp2.stop()
	cppRunList := append(append([]cppRun{}, cppRuns1...), cppRuns2...)
	stopGo1()
	stopGo2()

	cppRuns := map[int64]int{}
	for _, run := range cppRunList {
		cppRuns[run.id]++
	}
	cppRows := readEndsRows(t, pool, cppSchema, map[string]bool{cpp1.clientID: true, cpp2.clientID: true}, cppRuns)
	goRows := readEndsRows(t, pool, goSchema, map[string]bool{go1.ID(): true, go2.ID(): true}, record.snapshot())
	if len(cppRows) != len(names) || len(goRows) != len(names) {
		t.Fatalf("%d C++ rows and %d Go rows, want %d each", len(cppRows), len(goRows), len(names))
	}
	variants := map[string]endsVariant{}
	for _, v := range endsVariants {
		variants[v.name] = v
	}
	shown := map[string]bool{}
	for i, name := range names {
		v := variants[name]
		cppRow, goRow := cppRows[i], goRows[i]
		if !shown[name] {
			shown[name] = true
			cppJSON, _ := json.Marshal(cppRow)
			goJSON, _ := json.Marshal(goRow)
			t.Logf("%s:\n  C++ %s\n  Go  %s", name, cppJSON, goJSON)
		}
		if !reflect.DeepEqual(cppRow, goRow) {
			cppJSON, _ := json.Marshal(cppRow)
			goJSON, _ := json.Marshal(goRow)
			t.Errorf("job %d (%s) ends differently\n  C++ %s\n  Go  %s", cppRow.ID, name, cppJSON, goJSON)
		}
		for side, r := range map[string]endsRow{"C++": cppRow, "Go": goRow} {
			checkEndsRow(t, side, v, r)
		}
	}
	goRunCount := 0
	for _, n := range record.snapshot() {
		goRunCount += n
	}
	t.Logf("worker runs: C++ %d and %d by its two processes, Go %d by its two clients", len(cppRuns1), len(cppRuns2), goRunCount)
}

// checkEndsRow holds one side's row to the variant's end state.
func checkEndsRow(t *testing.T, side string, v endsVariant, r endsRow) {
	t.Helper()
	maxAttempts := v.maxAttempts
	if maxAttempts == 0 {
		maxAttempts = river.MaxAttemptsDefault
	}
	var errorTexts []string
	for i, e := range r.Errors {
		errorTexts = append(errorTexts, e.Error)
		if e.Attempt != i+1 || e.Trace != "" {
			t.Errorf("%s job %d (%s): error %d is %+v, want attempt %d and no trace", side, r.ID, v.name, i, e, i+1)
		}
	}
	snoozes := 0
	if s, ok := r.Metadata["snoozes"].(float64); ok {
		snoozes = int(s)
	}
	wantMetadata := len(r.Metadata) == 0 || (len(r.Metadata) == 1 && snoozes > 0)
	wantAhead := int(v.waitsFor / time.Minute)
	if r.State != v.state || r.Attempt != v.attempt || r.MaxAttempts != maxAttempts || r.AttemptedBy != v.attemptedBy ||
		!reflect.DeepEqual(errorTexts, v.errors) || r.Finalized != v.finalized || snoozes != v.snoozes || !wantMetadata ||
		r.Future != (v.waitsFor > 0) || r.AheadMinutes != wantAhead || r.Runs != v.runs {
		got, _ := json.Marshal(r)
		t.Errorf("%s job %d (%s): %s\n  want state %s, attempt %d, max_attempts %d, %d attempted_by, errors %q,"+
			" finalized %v, snoozes %d and no other metadata, future %v (%d minutes after the last attempt), %d runs",
			side, r.ID, v.name, got, v.state, v.attempt, maxAttempts, v.attemptedBy, v.errors, v.finalized, v.snoozes,
			v.waitsFor > 0, wantAhead, v.runs)
	}
}
