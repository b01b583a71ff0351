package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The kinds whose behaviour interop/cpp/work_jobs.cpp fixes; River's workers
// below copy it. The args carry the job's place in the set and its variant.
type rowArgs struct {
	N       int    `json:"n"`
	Variant string `json:"variant"`
}

type okRowArgs struct{ rowArgs }
type failRowArgs struct{ rowArgs }
type snoozeRowArgs struct{ rowArgs }
type cancelRowArgs struct{ rowArgs }
type slowRowArgs struct{ rowArgs }

func (okRowArgs) Kind() string     { return "interop_ok" }
func (failRowArgs) Kind() string   { return "interop_fail" }
func (snoozeRowArgs) Kind() string { return "interop_snooze" }
func (cancelRowArgs) Kind() string { return "interop_cancel" }
func (slowRowArgs) Kind() string   { return "interop_slow" }

// interopWorkers are River Go's workers with the C++ program's behaviours.
func interopWorkers(record *goRuns) *river.Workers {
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[okRowArgs]) error {
		record.add(job.ID)
		return nil
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[failRowArgs]) error {
		record.add(job.ID)
		return errors.New("interop failure")
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[snoozeRowArgs]) error {
		record.add(job.ID)
		return river.JobSnooze(time.Hour)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[cancelRowArgs]) error {
		record.add(job.ID)
		return river.JobCancel(errors.New("interop cancel"))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[slowRowArgs]) error {
		record.add(job.ID)
		time.Sleep(50 * time.Millisecond)
		return nil
	}))
	return workers
}

// A variant of the job set and the row River leaves for it once worked.
type rowVariant struct {
	name        string
	args        func(rowArgs) river.JobArgs
	maxAttempts int
	metadata    string // inserted; "" for none
	copies      int

	state       string
	attempt     int
	attemptedBy int // entries
	errorText   string
	errorCount  int
	finalized   bool
	snoozes     int // metadata.snoozes afterwards; 0: absent
}

var rowVariants = []rowVariant{
	{name: "ok", args: func(a rowArgs) river.JobArgs { return okRowArgs{a} }, copies: 3,
		state: "completed", attempt: 1, attemptedBy: 1, finalized: true},
	{name: "ok_meta", args: func(a rowArgs) river.JobArgs { return okRowArgs{a} }, metadata: `{"origin":"go","nested":{"k":[1,2]}}`,
		copies: 1, state: "completed", attempt: 1, attemptedBy: 1, finalized: true},
	{name: "slow", args: func(a rowArgs) river.JobArgs { return slowRowArgs{a} }, copies: 2,
		state: "completed", attempt: 1, attemptedBy: 1, finalized: true},
	{name: "fail_1", args: func(a rowArgs) river.JobArgs { return failRowArgs{a} }, maxAttempts: 1, copies: 2,
		state: "discarded", attempt: 1, attemptedBy: 1, errorText: "interop failure", errorCount: 1, finalized: true},
	// Fails at once, is retried about 1 s later (available with a future
	// scheduled_at, as River does below its 5 s scheduler interval), fails
	// again and waits about 16 s as retryable.
	{name: "fail_25", args: func(a rowArgs) river.JobArgs { return failRowArgs{a} }, maxAttempts: 25, copies: 2,
		state: "retryable", attempt: 2, attemptedBy: 2, errorText: "interop failure", errorCount: 2},
	{name: "snooze", args: func(a rowArgs) river.JobArgs { return snoozeRowArgs{a} }, metadata: `{"origin":"go"}`, copies: 2,
		state: "scheduled", attempt: 0, attemptedBy: 1, snoozes: 1},
	{name: "snooze_again", args: func(a rowArgs) river.JobArgs { return snoozeRowArgs{a} }, metadata: `{"snoozes":2}`, copies: 1,
		state: "scheduled", attempt: 0, attemptedBy: 1, snoozes: 3},
	{name: "cancel", args: func(a rowArgs) river.JobArgs { return cancelRowArgs{a} }, copies: 2,
		state: "cancelled", attempt: 1, attemptedBy: 1, errorText: "JobCancelError: interop cancel", errorCount: 1, finalized: true},
}

// insertRowJobs inserts the job set with River Go; job n of the set carries n in its args.
func insertRowJobs(t *testing.T, client *river.Client[pgx.Tx], queue string) int {
	t.Helper()
	var params []river.InsertManyParams
	for _, variant := range rowVariants {
		for i := 0; i < variant.copies; i++ {
			n := len(params)
			opts := &river.InsertOpts{Queue: queue, MaxAttempts: variant.maxAttempts, Priority: 1 + n%4,
				Tags: []string{"interop", "variant-" + variant.name}}
			if variant.metadata != "" {
				opts.Metadata = []byte(variant.metadata)
			}
			params = append(params, river.InsertManyParams{Args: variant.args(rowArgs{N: n, Variant: variant.name}), InsertOpts: opts})
		}
	}
	if _, err := client.InsertMany(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	return len(params)
}

// workedRow is one river_job row read with plain SQL, every column.
type workedRow struct {
	ID           int64
	N            int
	Variant      string
	Args         string
	Attempt      int
	AttemptedAt  *time.Time
	AttemptedBy  []string
	CreatedAt    time.Time
	ErrorsNull   bool
	Errors       []string // each element's JSON text
	FinalizedAt  *time.Time
	Kind         string
	MaxAttempts  int
	Metadata     string
	Priority     int
	Queue        string
	State        string
	ScheduledAt  time.Time
	Tags         []string
	UniqueKey    []byte
	UniqueStates *string
}

func readWorkedRows(t *testing.T, pool *pgxpool.Pool, schema string) map[int]workedRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, (args->>'n')::int, args->>'variant', args::text, attempt,
		attempted_at, coalesce(attempted_by, '{}'), created_at, errors IS NULL, coalesce(errors::text[], '{}'), finalized_at,
		kind, max_attempts, metadata::text, priority, queue, state::text, scheduled_at, tags, unique_key, unique_states::text
		FROM `+schema+`.river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]workedRow{}
	for rows.Next() {
		var r workedRow
		if err := rows.Scan(&r.ID, &r.N, &r.Variant, &r.Args, &r.Attempt, &r.AttemptedAt, &r.AttemptedBy, &r.CreatedAt,
			&r.ErrorsNull, &r.Errors, &r.FinalizedAt, &r.Kind, &r.MaxAttempts, &r.Metadata, &r.Priority, &r.Queue, &r.State,
			&r.ScheduledAt, &r.Tags, &r.UniqueKey, &r.UniqueStates); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[r.N]; dup {
			t.Fatalf("two rows for job %d of the set in %s", r.N, schema)
		}
		out[r.N] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unsettled counts the jobs that have not yet reached the state the set's
// workers take them to (a retry's second failure included).
func unsettled(t *testing.T, pool *pgxpool.Pool, schema string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM `+schema+`.river_job WHERE NOT (
		state IN ('completed', 'discarded', 'cancelled')
		OR (kind = 'interop_snooze' AND state = 'scheduled')
		OR (state = 'retryable' AND cardinality(errors) = 2))`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// firstRetry is a retried job's row as seen between its first failure and
// its second attempt.
type firstRetry struct {
	state       string
	scheduledAt time.Time
	err         string // errors[0]
}

// observeFirstRetries records, once per job, the rows of jobs that failed
// once and wait for their retry (River's backoff gives 1 s ± 10%).
func observeFirstRetries(t *testing.T, pool *pgxpool.Pool, schema string, seen map[int64]firstRetry) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, state::text, scheduled_at, errors[1]::text FROM `+schema+
		`.river_job WHERE kind = 'interop_fail' AND max_attempts = 25 AND cardinality(errors) = 1 AND state <> 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r firstRetry
		if err := rows.Scan(&id, &r.state, &r.scheduledAt, &r.err); err != nil {
			t.Fatal(err)
		}
		if _, ok := seen[id]; !ok {
			seen[id] = r
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkFirstRetry: after the first failure the job waited, `available` (its
// retry due within River's 5 s scheduler interval, so no scheduler needed),
// scheduled 1 s ± 10% after that attempt started.
func checkFirstRetry(t *testing.T, side string, n int, seen map[int64]firstRetry, row workedRow) {
	t.Helper()
	r, ok := seen[row.ID]
	if !ok {
		t.Errorf("%s job %d: its row between the first failure and the retry was never seen", side, n)
		return
	}
	var first struct {
		At time.Time `json:"at"`
	}
	if err := json.Unmarshal([]byte(r.err), &first); err != nil {
		t.Errorf("%s job %d: errors[0] %s: %v", side, n, r.err, err)
		return
	}
	if d := r.scheduledAt.Sub(first.At); r.state != "available" || !within(d, 900*time.Millisecond, 1200*time.Millisecond) {
		t.Errorf("%s job %d: after the first failure %s, scheduled %v after the attempt started; want available, 1 s ± 10%%",
			side, n, r.state, d)
	}
}

// An errors[] element: its keys, and the values River's writer gives them.
type errorShape struct {
	Keys    []string
	Attempt int
	Error   string
	Trace   string
	AtZone  string // the offset as written: "Z" or "+hh:mm"
}

// rowShape is what must be equal between a row worked in C++ and the same
// job's row worked by River Go: every column, the times as facts relative to
// the row (their values differ by when each side ran).
type rowShape struct {
	State                string
	Attempt              int
	MaxAttempts          int
	AttemptedByCount     int
	AttemptedAtSet       bool
	ErrorsNull           bool
	Errors               []errorShape
	FinalizedAtSet       bool
	Metadata             map[string]any
	ScheduledAtUnchanged bool
	// The columns no worker writes, as inserted.
	Args, Kind, Queue string
	Priority          int
	Tags              []string
	UniqueKey         []byte
	UniqueStates      *string
	CreatedAt         time.Time
}

// goTimeText is how Go's encoding/json writes a time.Time (RFC 3339 with
// nanoseconds, trailing zeros dropped).
var goTimeText = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?(Z|[+-]\d{2}:\d{2})$`)

func shapeOf(t *testing.T, side string, row, inserted workedRow) rowShape {
	t.Helper()
	shape := rowShape{
		State: row.State, Attempt: row.Attempt, MaxAttempts: row.MaxAttempts, AttemptedByCount: len(row.AttemptedBy),
		AttemptedAtSet: row.AttemptedAt != nil, ErrorsNull: row.ErrorsNull, FinalizedAtSet: row.FinalizedAt != nil,
		ScheduledAtUnchanged: row.ScheduledAt.Equal(inserted.ScheduledAt),
		Args:                 row.Args, Kind: row.Kind, Queue: row.Queue, Priority: row.Priority, Tags: row.Tags,
		UniqueKey: row.UniqueKey, UniqueStates: row.UniqueStates, CreatedAt: row.CreatedAt,
	}
	if err := json.Unmarshal([]byte(row.Metadata), &shape.Metadata); err != nil {
		t.Fatalf("%s job %d: metadata %q: %v", side, row.N, row.Metadata, err)
	}
	for _, text := range row.Errors {
		var element map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &element); err != nil {
			t.Fatalf("%s job %d: errors element %q: %v", side, row.N, text, err)
		}
		var e errorShape
		for key := range element {
			e.Keys = append(e.Keys, key)
		}
		sort.Strings(e.Keys)
		var at string
		_ = json.Unmarshal(element["at"], &at)
		_ = json.Unmarshal(element["attempt"], &e.Attempt)
		_ = json.Unmarshal(element["error"], &e.Error)
		_ = json.Unmarshal(element["trace"], &e.Trace)
		if !goTimeText.MatchString(at) {
			t.Errorf("%s job %d: errors[].at %q is not written as Go writes a time", side, row.N, at)
		} else if strings.HasSuffix(at, "Z") {
			e.AtZone = "Z"
		} else {
			e.AtZone = at[len(at)-6:]
		}
		shape.Errors = append(shape.Errors, e)
	}
	return shape
}

// errorTimes parses each errors[] element's `at`.
func errorTimes(t *testing.T, side string, row workedRow) []time.Time {
	t.Helper()
	var out []time.Time
	for _, text := range row.Errors {
		var element struct {
			At string `json:"at"`
		}
		_ = json.Unmarshal([]byte(text), &element)
		at, err := time.Parse(time.RFC3339Nano, element.At)
		if err != nil {
			t.Fatalf("%s job %d: errors[].at %q: %v", side, row.N, element.At, err)
		}
		out = append(out, at)
	}
	return out
}

func within(d, low, high time.Duration) bool { return d >= low && d <= high }

// describeWorkedRow is a row's worker-written columns, times relative to
// attempted_at, for the log.
func describeWorkedRow(row workedRow) string {
	since := func(at *time.Time) string {
		if at == nil || row.AttemptedAt == nil {
			return "NULL"
		}
		return "attempted_at" + fmt.Sprintf("%+v", at.Sub(*row.AttemptedAt))
	}
	scheduled := row.ScheduledAt
	return fmt.Sprintf("state=%s attempt=%d attempted_by=%v errors=%v (NULL %v) finalized_at=%s scheduled_at=%s metadata=%s",
		row.State, row.Attempt, row.AttemptedBy, row.Errors, row.ErrorsNull, since(row.FinalizedAt), since(&scheduled), row.Metadata)
}

// checkWorkedRow checks one side's row against what River leaves for its
// variant, times included.
func checkWorkedRow(t *testing.T, side, clientID string, variant rowVariant, row, inserted workedRow, readAt time.Time) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Errorf("%s job %d (%s): %s", side, row.N, variant.name, fmt.Sprintf(format, args...))
	}
	if row.State != variant.state || row.Attempt != variant.attempt || row.MaxAttempts != inserted.MaxAttempts {
		fail("state %s attempt %d max_attempts %d, want %s %d %d", row.State, row.Attempt, row.MaxAttempts,
			variant.state, variant.attempt, inserted.MaxAttempts)
	}
	if len(row.AttemptedBy) != variant.attemptedBy {
		fail("attempted_by %v, want %d entries", row.AttemptedBy, variant.attemptedBy)
	}
	for _, by := range row.AttemptedBy {
		if by != clientID {
			fail("attempted_by %v, want only %q", row.AttemptedBy, clientID)
		}
	}
	if len(row.Errors) != variant.errorCount {
		fail("%d errors %v, want %d", len(row.Errors), row.Errors, variant.errorCount)
		return
	}
	for i, text := range row.Errors {
		var e rivertype.AttemptError
		decoder := json.NewDecoder(strings.NewReader(text))
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(&e); err != nil {
			fail("errors[%d] %s: Go's AttemptError does not decode it: %v", i, text, err)
			continue
		}
		var keys map[string]any
		_ = json.Unmarshal([]byte(text), &keys)
		if len(keys) != 4 || e.Attempt != i+1 || e.Error != variant.errorText || e.Trace != "" {
			fail("errors[%d] %s, want the keys at, attempt, error, trace with attempt %d, error %q, trace \"\"",
				i, text, i+1, variant.errorText)
		}
	}
	if (row.FinalizedAt != nil) != variant.finalized {
		fail("finalized_at %v, want set: %v", row.FinalizedAt, variant.finalized)
	}
	var metadata, insertedMetadata map[string]any
	_ = json.Unmarshal([]byte(row.Metadata), &metadata)
	_ = json.Unmarshal([]byte(inserted.Metadata), &insertedMetadata)
	if variant.snoozes != 0 {
		insertedMetadata["snoozes"] = float64(variant.snoozes)
	}
	if !reflect.DeepEqual(metadata, insertedMetadata) {
		fail("metadata %s, want %v", row.Metadata, insertedMetadata)
	}
	if row.AttemptedAt == nil {
		fail("attempted_at is NULL")
		return
	}
	attemptedAt := *row.AttemptedAt
	if attemptedAt.Before(row.CreatedAt) || attemptedAt.After(readAt) {
		fail("attempted_at %v is not between created_at %v and now", attemptedAt, row.CreatedAt)
	}
	if row.FinalizedAt != nil && (row.FinalizedAt.Before(attemptedAt) || row.FinalizedAt.After(readAt)) {
		fail("finalized_at %v is not between attempted_at %v and now", *row.FinalizedAt, attemptedAt)
	}
	if variant.name == "slow" && row.FinalizedAt != nil && row.FinalizedAt.Sub(attemptedAt) < 50*time.Millisecond {
		fail("finalized %v after attempted_at, but its worker sleeps 50 ms", row.FinalizedAt.Sub(attemptedAt))
	}
	// The attempt's start, as the errors[] element records it, falls within
	// the attempt: after its fetch (attempted_at, the database's clock on
	// this same machine, kept to microseconds) and before its end.
	ats := errorTimes(t, side, row)
	if n := len(ats); n > 0 {
		last := ats[n-1]
		if last.Before(attemptedAt) {
			fail("errors[%d].at %v is before attempted_at %v", n-1, last, attemptedAt)
		}
		if row.FinalizedAt != nil && last.After(*row.FinalizedAt) {
			fail("errors[%d].at %v is after finalized_at %v", n-1, last, *row.FinalizedAt)
		}
	}
	switch {
	case variant.state == "scheduled": // snoozed for an hour from the end of the attempt
		if d := row.ScheduledAt.Sub(attemptedAt); !within(d, time.Hour-time.Millisecond, time.Hour+2*time.Second) {
			fail("scheduled_at is %v after attempted_at, want 1 h (snooze)", d)
		}
	case variant.state == "retryable": // River's backoff: 2^4 s ± 10% after the second failure
		if d := row.ScheduledAt.Sub(attemptedAt); !within(d, 14400*time.Millisecond-time.Millisecond, 17600*time.Millisecond+2*time.Second) {
			fail("scheduled_at is %v after attempted_at, want 16 s ± 10%% (second failure)", d)
		}
		if d := row.ScheduledAt.Sub(ats[1]); !within(d, 14400*time.Millisecond, 17600*time.Millisecond+time.Second) {
			fail("scheduled_at is %v after errors[1].at, want 16 s ± 10%%", d)
		}
		// The first retry: 1 s ± 10% after the first failure, picked up by
		// the next poll (20 ms) once due.
		if d := ats[1].Sub(ats[0]); !within(d, 900*time.Millisecond, 1100*time.Millisecond+500*time.Millisecond) {
			fail("the second attempt started %v after the first, want 1 s ± 10%% (first retry)", d)
		}
		if ats[0].Before(row.CreatedAt) {
			fail("errors[0].at %v is before created_at %v", ats[0], row.CreatedAt)
		}
	default: // worked once and finalized: scheduled_at as inserted
		if !row.ScheduledAt.Equal(inserted.ScheduledAt) {
			fail("scheduled_at %v changed from %v", row.ScheduledAt, inserted.ScheduledAt)
		}
	}
}

// checkGoDecodes reads every row of a schema through River Go's client
// (JobGet and JobList, its own JobRow type) and checks it says what the
// columns say.
func checkGoDecodes(t *testing.T, side string, client *river.Client[pgx.Tx], rows map[int]workedRow) {
	t.Helper()
	ctx := context.Background()
	listed, err := client.JobList(ctx, river.NewJobListParams().First(1000))
	if err != nil {
		t.Fatalf("%s: River's JobList: %v", side, err)
	}
	if len(listed.Jobs) != len(rows) {
		t.Fatalf("%s: River's JobList returned %d jobs, the table holds %d", side, len(listed.Jobs), len(rows))
	}
	for _, row := range rows {
		job, err := client.JobGet(ctx, row.ID)
		if err != nil {
			t.Errorf("%s job %d: River's JobGet: %v", side, row.N, err)
			continue
		}
		fail := func(format string, args ...any) {
			t.Errorf("%s job %d: River's JobRow %s", side, row.N, fmt.Sprintf(format, args...))
		}
		var args rowArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil || args.N != row.N || args.Variant != row.Variant {
			fail("args %s (%v)", job.EncodedArgs, err)
		}
		if string(job.State) != row.State || job.Attempt != row.Attempt || job.MaxAttempts != row.MaxAttempts ||
			job.Kind != row.Kind || job.Queue != row.Queue || job.Priority != row.Priority {
			fail("%+v, columns %+v", job, row)
		}
		if !reflect.DeepEqual(job.AttemptedBy, row.AttemptedBy) && !(len(job.AttemptedBy) == 0 && len(row.AttemptedBy) == 0) {
			fail("attempted_by %v, column %v", job.AttemptedBy, row.AttemptedBy)
		}
		if (job.AttemptedAt == nil) != (row.AttemptedAt == nil) || (job.AttemptedAt != nil && !job.AttemptedAt.Equal(*row.AttemptedAt)) {
			fail("attempted_at %v, column %v", job.AttemptedAt, row.AttemptedAt)
		}
		if (job.FinalizedAt == nil) != (row.FinalizedAt == nil) || (job.FinalizedAt != nil && !job.FinalizedAt.Equal(*row.FinalizedAt)) {
			fail("finalized_at %v, column %v", job.FinalizedAt, row.FinalizedAt)
		}
		if !job.ScheduledAt.Equal(row.ScheduledAt) || !job.CreatedAt.Equal(row.CreatedAt) {
			fail("scheduled_at %v created_at %v, columns %v %v", job.ScheduledAt, job.CreatedAt, row.ScheduledAt, row.CreatedAt)
		}
		var jobMetadata, rowMetadata any
		_ = json.Unmarshal(job.Metadata, &jobMetadata)
		_ = json.Unmarshal([]byte(row.Metadata), &rowMetadata)
		if !reflect.DeepEqual(jobMetadata, rowMetadata) {
			fail("metadata %s, column %s", job.Metadata, row.Metadata)
		}
		ats := errorTimes(t, side, row)
		if len(job.Errors) != len(row.Errors) {
			fail("has %d errors, the column %d", len(job.Errors), len(row.Errors))
			continue
		}
		for i, e := range job.Errors {
			var column rivertype.AttemptError
			_ = json.Unmarshal([]byte(row.Errors[i]), &column)
			// River reads a time it cannot parse as zero: a zero or different `at` is a bad one.
			if e.At.IsZero() || !e.At.Equal(ats[i]) || e.Attempt != column.Attempt || e.Error != column.Error || e.Trace != column.Trace {
				fail("errors[%d] %+v, column %s", i, e, row.Errors[i])
			}
		}
	}
}

// The same jobs, inserted by River Go into two schemas, worked in one by the
// C++ worker runtime and in the other by River Go's client, end in the same
// rows: state, attempt, attempted_by, errors (shape, attempt, text, trace,
// time), finalized_at, metadata, scheduled_at (unchanged, snoozed an hour,
// River's backoff), and River Go reads the C++ rows with its own types.
func TestCppWorkedRowsMatchRiverGoWorkedRows(t *testing.T) {
	url := databaseURL(t)
	pool := connect(t, url)
	cppSchema, goSchema := riverMigratedSchema(t, pool), riverMigratedSchema(t, pool)
	const queue = "interop_rows"
	cppInserter, goInserter := riverInsertClient(t, pool, cppSchema), riverInsertClient(t, pool, goSchema)
	total := insertRowJobs(t, cppInserter, queue)
	insertRowJobs(t, goInserter, queue)
	cppBefore, goBefore := readWorkedRows(t, pool, cppSchema), readWorkedRows(t, pool, goSchema)
	if len(cppBefore) != total || len(goBefore) != total {
		t.Fatalf("inserted %d and %d rows, want %d each", len(cppBefore), len(goBefore), total)
	}

	var record goRuns
	cpp := startCppWorker(t, url, cppSchema, queue, "--max-workers", "3")
	goClient, stopGo := startRiverWorkers(t, pool, goSchema, queue, 3, interopWorkers(&record))
	cppRetries, goRetries := map[int64]firstRetry{}, map[int64]firstRetry{}
	waitFor(t, "both sides to settle every job", 60*time.Second, func() bool {
		observeFirstRetries(t, pool, cppSchema, cppRetries)
		observeFirstRetries(t, pool, goSchema, goRetries)
		return unsettled(t, pool, cppSchema) == 0 && unsettled(t, pool, goSchema) == 0
	})
	cppRuns := cpp.stop()
	stopGo()
	readAt := time.Now()
	cppAfter, goAfter := readWorkedRows(t, pool, cppSchema), readWorkedRows(t, pool, goSchema)

	// Each side ran each job as often as its attempts (and snoozes) say.
	cppCounts := map[int64]int{}
	for _, run := range cppRuns {
		cppCounts[run.id]++
	}
	goCounts := record.snapshot()
	n := 0
	for _, variant := range rowVariants {
		for i := 0; i < variant.copies; i++ {
			runs := max(variant.attempt, 1)
			cppRow, goRow := cppAfter[n], goAfter[n]
			if cppCounts[cppRow.ID] != runs || goCounts[goRow.ID] != runs {
				t.Errorf("job %d (%s): the C++ worker ran %d times, River's %d times; want %d",
					n, variant.name, cppCounts[cppRow.ID], goCounts[goRow.ID], runs)
			}
			if i == 0 {
				t.Logf("%s: C++ %s", variant.name, describeWorkedRow(cppRow))
				t.Logf("%s: Go  %s", variant.name, describeWorkedRow(goRow))
			}
			checkWorkedRow(t, "C++", cpp.clientID, variant, cppRow, cppBefore[n], readAt)
			if variant.name == "fail_25" {
				checkFirstRetry(t, "C++", n, cppRetries, cppRow)
				checkFirstRetry(t, "Go", n, goRetries, goRow)
			}
			checkWorkedRow(t, "Go", goClient.ID(), variant, goRow, goBefore[n], readAt)
			cppShape, goShape := shapeOf(t, "C++", cppRow, cppBefore[n]), shapeOf(t, "Go", goRow, goBefore[n])
			// created_at differs by when each schema got its jobs; args by nothing.
			cppShape.CreatedAt, goShape.CreatedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(cppShape, goShape) {
				cppJSON, _ := json.Marshal(cppShape)
				goJSON, _ := json.Marshal(goShape)
				t.Errorf("job %d (%s): rows differ\nC++: %s\nGo:  %s", n, variant.name, cppJSON, goJSON)
			}
			// The columns no worker writes are as inserted on each side.
			for side, pair := range map[string][2]workedRow{"C++": {cppRow, cppBefore[n]}, "Go": {goRow, goBefore[n]}} {
				after, before := pair[0], pair[1]
				if after.Args != before.Args || after.Kind != before.Kind || after.Queue != before.Queue ||
					after.Priority != before.Priority || !reflect.DeepEqual(after.Tags, before.Tags) ||
					!after.CreatedAt.Equal(before.CreatedAt) || !bytes.Equal(after.UniqueKey, before.UniqueKey) ||
					!reflect.DeepEqual(after.UniqueStates, before.UniqueStates) {
					t.Errorf("%s job %d: a column workers do not write changed: %+v, inserted %+v", side, n, after, before)
				}
			}
			n++
		}
	}
	if len(cppCounts) != total || len(goCounts) != total {
		t.Errorf("the C++ worker ran %d distinct jobs, River's %d; want %d each", len(cppCounts), len(goCounts), total)
	}
	checkGoDecodes(t, "C++", cppInserter, cppAfter)
	checkGoDecodes(t, "Go", goInserter, goAfter)
}

// One queue worked at once by the C++ worker runtime and by a River Go
// client: 2,000 jobs, each worked exactly once by one of them, all completed,
// none left behind.
func TestCppAndRiverGoShareOneQueue(t *testing.T) {
	url := databaseURL(t)
	pool := connect(t, url)
	schema := riverMigratedSchema(t, pool)
	const queue, jobs = "interop_mixed", 2000
	var record goRuns
	goClient, stopGo := startRiverWorkers(t, pool, schema, queue, 10, interopWorkers(&record))
	cpp := startCppWorker(t, url, schema, queue, "--max-workers", "10")

	inserter := riverInsertClient(t, pool, schema)
	for batch := 0; batch < 4; batch++ {
		var params []river.InsertManyParams
		for i := 0; i < jobs/4; i++ {
			params = append(params, river.InsertManyParams{
				Args:       okRowArgs{rowArgs{N: batch*jobs/4 + i, Variant: "mixed"}},
				InsertOpts: &river.InsertOpts{Queue: queue},
			})
		}
		if _, err := inserter.InsertMany(context.Background(), params); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	table := schema + ".river_job"
	waitFor(t, "every job to complete", 120*time.Second, func() bool {
		var completed int
		_ = pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE state = 'completed'").Scan(&completed)
		return completed == jobs
	})
	cppRuns := cpp.stop()
	stopGo()

	byCpp := map[int64]int{}
	for _, run := range cppRuns {
		if run.kind != "interop_ok" {
			t.Errorf("the C++ worker ran job %d of kind %q", run.id, run.kind)
		}
		byCpp[run.id]++
	}
	byGo := record.snapshot()
	rows, err := pool.Query(context.Background(), "SELECT id, state::text, attempt, coalesce(attempted_by, '{}'),"+
		" coalesce(cardinality(errors), 0), finalized_at IS NOT NULL FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	count := 0
	for rows.Next() {
		var id int64
		var state string
		var attempt, errorCount int
		var attemptedBy []string
		var finalized bool
		if err := rows.Scan(&id, &state, &attempt, &attemptedBy, &errorCount, &finalized); err != nil {
			t.Fatal(err)
		}
		count++
		worker := ""
		switch {
		case byCpp[id] == 1 && byGo[id] == 0:
			worker = cpp.clientID
		case byGo[id] == 1 && byCpp[id] == 0:
			worker = goClient.ID()
		default:
			t.Errorf("job %d: worked %d times by C++ and %d times by Go, want once in all", id, byCpp[id], byGo[id])
		}
		if state != "completed" || attempt != 1 || errorCount != 0 || !finalized || len(attemptedBy) != 1 ||
			(worker != "" && attemptedBy[0] != worker) {
			t.Errorf("job %d: state %s attempt %d, %d errors, finalized %v, attempted_by %v; want completed, 1, 0, true, [%s]",
				id, state, attempt, errorCount, finalized, attemptedBy, worker)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if count != jobs || len(byCpp)+len(byGo) != jobs {
		t.Errorf("%d rows, %d jobs worked by C++ and %d by Go; want %d in all", count, len(byCpp), len(byGo), jobs)
	}
	if len(byCpp) == 0 || len(byGo) == 0 {
		t.Errorf("one side worked nothing: C++ %d jobs, Go %d", len(byCpp), len(byGo))
	}
	t.Logf("C++ worked %d jobs, River Go %d", len(byCpp), len(byGo))
}
