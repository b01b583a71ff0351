package interop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// richArgs is what a Go worker declares; the C++ side sends the same values as JSON text.
type richArgs struct {
	Text   string            `json:"text"`
	HTML   string            `json:"html"`
	Big    int64             `json:"big"`
	UBig   uint64            `json:"ubig"`
	Float  float64           `json:"float"`
	Tiny   float64           `json:"tiny"`
	Nested richNested        `json:"nested"`
	List   []any             `json:"list"`
	Empty  map[string]string `json:"empty"`
}

type richNested struct {
	Numbers []int             `json:"numbers"`
	Labels  map[string]string `json:"labels"`
}

func (richArgs) Kind() string { return "interop_rich" }

const richJSON = `{"text":"héllo wörld ✓ 😀 \u00e9","html":"<a href=\"x\">&amp;</a>","big":-9223372036854775808,` +
	`"ubig":18446744073709551615,"float":0.1,"tiny":1e-7,"nested":{"numbers":[1,2,3],"labels":{"k":"v","é":"ü"}},` +
	`"list":[1,"two",true,null,{"x":1}],"empty":{}}`

var richExpected = richArgs{
	Text: "héllo wörld ✓ 😀 é", HTML: `<a href="x">&amp;</a>`, Big: math.MinInt64, UBig: math.MaxUint64,
	Float: 0.1, Tiny: 1e-7,
	Nested: richNested{Numbers: []int{1, 2, 3}, Labels: map[string]string{"k": "v", "é": "ü"}},
	List:   []any{float64(1), "two", true, nil, map[string]any{"x": float64(1)}},
	Empty:  map[string]string{},
}

// simpleArgs serve the scheduling, ordering and failure checks.
type simpleArgs struct {
	N int `json:"n"`
}

func (simpleArgs) Kind() string { return "interop_simple" }

type failingArgs struct{}

func (failingArgs) Kind() string { return "interop_failing" }

type neverArgs struct{}

func (neverArgs) Kind() string { return "interop_never" }

// worked records what River's workers saw.
type worked struct {
	mu      sync.Mutex
	rich    []richArgs
	richRow *rivertype.JobRow // the rich job as River's worker received it
	order   []int             // simple jobs in the order they started
	started map[int]time.Time
	fails   int
	never   int
}

func (w *worked) snapshot() (order []int, fails, never int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int{}, w.order...), w.fails, w.never
}

// immediateRetry retries failed jobs at once, so that exhausting attempts is quick.
type immediateRetry struct{}

func (immediateRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

func startWorkers(t *testing.T, pool *pgxpool.Pool, schema string, record *worked, pollInterval time.Duration) *river.Client[pgx.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[richArgs]) error {
		record.mu.Lock()
		defer record.mu.Unlock()
		record.rich = append(record.rich, job.Args)
		record.richRow = job.JobRow
		return nil
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[simpleArgs]) error {
		record.mu.Lock()
		defer record.mu.Unlock()
		record.order = append(record.order, job.Args.N)
		record.started[job.Args.N] = time.Now()
		return nil
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[failingArgs]) error {
		record.mu.Lock()
		defer record.mu.Unlock()
		record.fails++
		return errors.New("always fails")
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[neverArgs]) error {
		record.mu.Lock()
		defer record.mu.Unlock()
		record.never++
		return nil
	}))
	return startRiverClient(t, pool, &river.Config{
		Schema:            schema,
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}, "ordered": {MaxWorkers: 1}},
		FetchPollInterval: pollInterval,
		RetryPolicy:       immediateRetry{},
		Logger:            nil,
	})
}

func waitFor(t *testing.T, what string, timeout time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRiverWorkersWorkJobsInsertedFromCpp(t *testing.T) {
	base := databaseURL(t)
	admin := connect(t, base)
	for _, setup := range []string{"named schema", "public schema"} {
		t.Run(setup, func(t *testing.T) {
			url, schema := base, ""
			if setup == "named schema" {
				schema = newSchema(t, admin)
			} else {
				url = newDatabase(t, admin, base)
			}
			if r := runCLI(t, url, schema, "", "migrate", "up"); r.status != 0 {
				t.Fatal(r.err)
			}
			pool := connect(t, url)
			table := "river_job"
			if schema != "" {
				table = schema + ".river_job"
			}

			// Before any worker runs: jobs whose order must hold, a pending job,
			// and a batch whose transaction is rolled back.
			for _, priority := range []int{4, 2, 3, 1} {
				cppInsert(t, url, schema, "--kind", "interop_simple", "--args", fmt.Sprintf(`{"n":%d}`, priority),
					"--queue", "ordered", "--priority", strconv.Itoa(priority))
			}
			pending := cppInsert(t, url, schema, "--kind", "interop_never", "--pending")
			rolledBackIDs := cppInsertRolledBack(t, url, schema, "interop_never", `{"rolled":1}`, `{"rolled":2}`)

			record := &worked{started: map[int]time.Time{}}
			startWorkers(t, pool, schema, record, 200*time.Millisecond)

			// Every option, and args that exercise JSON encoding.
			rich := cppInsert(t, url, schema, "--kind", "interop_rich", "--args", richJSON, "--queue", river.QueueDefault,
				"--priority", "2", "--max-attempts", "5", "--tags", "interop,cpp-side", "--metadata", `{"from":"c++"}`,
				"--unique-by-args", "--unique-by-period", "3600")
			if rich.Job.MaxAttempts != 5 || len(rich.Job.Tags) != 2 || rich.Job.UniqueKey == nil {
				t.Fatalf("unexpected row %+v", rich.Job)
			}
			scheduledFor := time.Now().Add(2 * time.Second)
			cppInsert(t, url, schema, "--kind", "interop_simple", "--args", `{"n":100}`,
				"--scheduled-at", scheduledFor.UTC().Format(time.RFC3339Nano))
			failing := cppInsert(t, url, schema, "--kind", "interop_failing", "--max-attempts", "3")

			waitFor(t, "the rich job", 20*time.Second, func() bool {
				record.mu.Lock()
				defer record.mu.Unlock()
				return len(record.rich) == 1
			})
			if !reflect.DeepEqual(record.rich[0], richExpected) {
				got, _ := json.Marshal(record.rich[0])
				t.Fatalf("Go worker decoded %s", got)
			}
			// The options as River's worker sees them.
			row := record.richRow
			var metadata map[string]any
			if err := json.Unmarshal(row.Metadata, &metadata); err != nil || metadata["from"] != "c++" {
				t.Fatalf("worker saw metadata %s (%v)", row.Metadata, err)
			}
			if row.ID != rich.Job.ID || row.Queue != river.QueueDefault || row.Priority != 2 || row.MaxAttempts != 5 ||
				!reflect.DeepEqual(row.Tags, []string{"interop", "cpp-side"}) || row.Attempt != 1 ||
				fmt.Sprintf("%x", row.UniqueKey) != *rich.Job.UniqueKey {
				t.Fatalf("worker saw %+v, C++ inserted %+v", row, rich.Job)
			}
			waitFor(t, "the scheduled job", 30*time.Second, func() bool {
				record.mu.Lock()
				defer record.mu.Unlock()
				_, ok := record.started[100]
				return ok
			})
			record.mu.Lock()
			startedAt := record.started[100]
			record.mu.Unlock()
			if startedAt.Before(scheduledFor) {
				t.Fatalf("scheduled job started %v before its time", scheduledFor.Sub(startedAt))
			}
			waitFor(t, "the failing job to be discarded", 60*time.Second, func() bool {
				var state string
				_ = pool.QueryRow(context.Background(), "SELECT state FROM "+table+" WHERE id = $1", failing.Job.ID).Scan(&state)
				return state == "discarded"
			})
			var attempt, errorCount int
			if err := pool.QueryRow(context.Background(), "SELECT attempt, cardinality(errors) FROM "+table+" WHERE id = $1",
				failing.Job.ID).Scan(&attempt, &errorCount); err != nil {
				t.Fatal(err)
			}
			order, fails, never := record.snapshot()
			if attempt != 3 || errorCount != 3 || fails != 3 {
				t.Fatalf("failing job: attempt %d, %d errors, worked %d times; want 3 each", attempt, errorCount, fails)
			}
			// Priority order within one queue worked by one worker.
			var ordered []int
			for _, n := range order {
				if n != 100 {
					ordered = append(ordered, n)
				}
			}
			if !reflect.DeepEqual(ordered, []int{1, 2, 3, 4}) {
				t.Fatalf("ordered queue worked as %v, want [1 2 3 4]", ordered)
			}
			// The pending job and the rolled-back batch were never worked.
			if never != 0 {
				t.Fatalf("%d jobs that must never run were worked", never)
			}
			var state string
			var count int
			if err := pool.QueryRow(context.Background(), "SELECT state FROM "+table+" WHERE id = $1", pending.Job.ID).Scan(&state); err != nil || state != "pending" {
				t.Fatalf("pending job is %q (%v)", state, err)
			}
			if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE id = ANY($1)", rolledBackIDs).Scan(&count); err != nil || count != 0 {
				t.Fatalf("%d rows of the rolled-back transaction %v exist (%v)", count, rolledBackIDs, err)
			}
			// Nor did their unique keys outlive the rollback.
			if again := cppInsert(t, url, schema, "--kind", "interop_never", "--args", `{"rolled":1}`, "--unique-by-args", "--pending"); again.Duplicate {
				t.Fatalf("a job of the rolled-back transaction is still a duplicate of row %d", again.Job.ID)
			}
		})
	}
}
