package interop

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

type flakyArgs struct {
	Name string `json:"name"`
}

func (flakyArgs) Kind() string { return "interop_flaky" }

// A job River inserted, failed once and then completed comes back to C++ as
// the existing row, every field as River stored it.
func TestCppReadsRowsRiverWrote(t *testing.T) {
	url, _, schema := migratedSchema(t)
	pool := connect(t, url)
	var attempts atomic.Int32
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[flakyArgs]) error {
		if attempts.Add(1) == 1 {
			return errors.New("first attempt fails <&>")
		}
		return nil
	}))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: schema, Workers: workers, RetryPolicy: immediateRetry{},
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		FetchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	states := []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStatePending,
		rivertype.JobStateRunning, rivertype.JobStateScheduled}
	inserted, err := client.Insert(ctx, flakyArgs{Name: "row"}, &river.InsertOpts{
		Tags: []string{"from-go"}, Metadata: []byte(`{"origin":"go"}`),
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: states},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Stop(context.Background()) }()
	var job *rivertype.JobRow
	waitFor(t, "the job to complete", 60*time.Second, func() bool {
		job, err = client.JobGet(ctx, inserted.Job.ID)
		return err == nil && job.State == rivertype.JobStateCompleted
	})

	cpp := cppInsert(t, url, schema, "--kind", "interop_flaky", "--args", `{"name":"row"}`,
		"--unique-by-args", "--unique-by-state", "available,completed,pending,running,scheduled")
	if !cpp.Duplicate || cpp.Job.ID != job.ID {
		t.Fatalf("C++ insert: duplicate=%v id=%d, want River's row %d", cpp.Duplicate, cpp.Job.ID, job.ID)
	}
	got := cpp.Job
	sameTime := func(name string, a time.Time, b time.Time) {
		if !a.Equal(b.Truncate(time.Microsecond)) {
			t.Errorf("%s: C++ %v, River %v", name, a, b)
		}
	}
	var args, metadata map[string]any
	_ = json.Unmarshal(got.Args, &args)
	var riverArgs, riverMetadata map[string]any
	_ = json.Unmarshal(job.EncodedArgs, &riverArgs)
	_ = json.Unmarshal(got.Metadata, &metadata)
	_ = json.Unmarshal(job.Metadata, &riverMetadata)
	if !reflect.DeepEqual(args, riverArgs) || !reflect.DeepEqual(metadata, riverMetadata) {
		t.Errorf("args/metadata: C++ %s %s, River %s %s", got.Args, got.Metadata, job.EncodedArgs, job.Metadata)
	}
	if got.Attempt != job.Attempt || got.Attempt != 2 || got.Kind != job.Kind || got.MaxAttempts != job.MaxAttempts ||
		got.Priority != job.Priority || got.Queue != job.Queue || got.State != string(job.State) {
		t.Errorf("scalars: C++ %+v, River %+v", got, job)
	}
	if !reflect.DeepEqual(got.AttemptedBy, job.AttemptedBy) || !reflect.DeepEqual(got.Tags, job.Tags) {
		t.Errorf("attempted_by/tags: C++ %v %v, River %v %v", got.AttemptedBy, got.Tags, job.AttemptedBy, job.Tags)
	}
	sameTime("created_at", got.CreatedAt, job.CreatedAt)
	sameTime("scheduled_at", got.ScheduledAt, job.ScheduledAt)
	if got.AttemptedAt == nil || got.FinalizedAt == nil || job.AttemptedAt == nil || job.FinalizedAt == nil {
		t.Fatalf("attempted_at/finalized_at missing: C++ %v %v", got.AttemptedAt, got.FinalizedAt)
	}
	sameTime("attempted_at", *got.AttemptedAt, *job.AttemptedAt)
	sameTime("finalized_at", *got.FinalizedAt, *job.FinalizedAt)
	if len(got.Errors) != 1 || len(job.Errors) != 1 {
		t.Fatalf("errors: C++ %+v, River %+v", got.Errors, job.Errors)
	}
	if got.Errors[0].Attempt != job.Errors[0].Attempt || got.Errors[0].Error != job.Errors[0].Error ||
		got.Errors[0].Trace != job.Errors[0].Trace {
		t.Errorf("errors[0]: C++ %+v, River %+v", got.Errors[0], job.Errors[0])
	}
	sameTime("errors[0].at", got.Errors[0].At, job.Errors[0].At)
	if got.UniqueKey == nil || *got.UniqueKey != hex.EncodeToString(job.UniqueKey) {
		t.Errorf("unique_key: C++ %v, River %x", got.UniqueKey, job.UniqueKey)
	}
	var riverStates []string
	for _, state := range job.UniqueStates {
		riverStates = append(riverStates, string(state))
	}
	sort.Strings(riverStates)
	if !reflect.DeepEqual(got.UniqueStates, riverStates) {
		t.Errorf("unique_states: C++ %v, River %v", got.UniqueStates, riverStates)
	}
}
