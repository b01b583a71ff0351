package interop

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

type stampedArgs struct {
	N int `json:"n"`
}

func (stampedArgs) Kind() string { return "interop_stamped" }

// goStampingMiddleware does in Go what interop/cpp/middleware_insert.cpp's
// middleware does in C++: request_id into the metadata, a tag appended.
type goStampingMiddleware struct {
	river.JobInsertMiddlewareDefaults
	requestID string
}

func (m *goStampingMiddleware) InsertMany(ctx context.Context, manyParams []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	for _, params := range manyParams {
		metadata := map[string]any{}
		if err := json.Unmarshal(params.Metadata, &metadata); err != nil {
			return nil, err
		}
		metadata["request_id"] = m.requestID
		encoded, err := json.Marshal(metadata)
		if err != nil {
			return nil, err
		}
		params.Metadata = encoded
		params.Tags = append(params.Tags, "via_middleware")
	}
	return doInner(ctx)
}

// A C++ insert middleware's metadata and tags reach River Go's workers in the
// job row, on every path the C++ program uses (insert, insert_many,
// insert_many_fast), and are the ones River Go's own middleware writes for
// the same job.
func TestRiverWorkersReadMetadataStampedByCppMiddleware(t *testing.T) {
	url, pool, schema := migratedSchema(t)
	const requestID = "req-interop-42"

	var mu sync.Mutex
	seen := map[int]*rivertype.JobRow{}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[stampedArgs]) error {
		mu.Lock()
		defer mu.Unlock()
		seen[job.Args.N] = job.JobRow
		return nil
	}))
	startRiverClient(t, pool, &river.Config{
		Schema:            schema,
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		FetchPollInterval: 100 * time.Millisecond,
	})

	r := runProgram(t, programPath(t, "RIVERQUEUE_INTEROP_MIDDLEWARE"), "", url, schema, "interop_stamped", requestID)
	if r.status != 0 || strings.TrimSpace(r.out) != "5" {
		t.Fatalf("interop_middleware_insert: status %d, out %q: %s", r.status, r.out, r.err)
	}

	// The same job from River Go through its own middleware, for comparison.
	goClient, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:     schema,
		Middleware: []rivertype.Middleware{&goStampingMiddleware{requestID: requestID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := goClient.Insert(context.Background(), stampedArgs{N: 10},
		&river.InsertOpts{Metadata: []byte(`{"caller":"cpp"}`)}); err != nil {
		t.Fatal(err)
	}

	waitFor(t, "River Go's workers to work the six jobs", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 6
	})

	mu.Lock()
	defer mu.Unlock()
	for n := 0; n <= 4; n++ {
		row := seen[n]
		if row == nil {
			t.Fatalf("job %d was not worked", n)
		}
		var metadata map[string]any
		if err := json.Unmarshal(row.Metadata, &metadata); err != nil {
			t.Fatalf("job %d: metadata %q: %v", n, row.Metadata, err)
		}
		if metadata["request_id"] != requestID {
			t.Errorf("job %d: the worker read metadata %s, without the request id", n, row.Metadata)
		}
		if n <= 2 && metadata["caller"] != "cpp" {
			t.Errorf("job %d: the caller's metadata was lost: %s", n, row.Metadata)
		}
		if !slices.Contains(row.Tags, "via_middleware") {
			t.Errorf("job %d: tags %v lack the middleware's", n, row.Tags)
		}
	}

	// Job 0 (C++, insert) and job 10 (River Go, Insert) had the same input
	// and middleware: their stored metadata and tags are the same.
	var cppMetadata, goMetadata map[string]any
	var cppTags, goTags []string
	for _, pair := range []struct {
		n        int
		metadata *map[string]any
		tags     *[]string
	}{{0, &cppMetadata, &cppTags}, {10, &goMetadata, &goTags}} {
		var raw []byte
		err := pool.QueryRow(context.Background(),
			"SELECT metadata, tags FROM "+pgx.Identifier{schema, "river_job"}.Sanitize()+" WHERE args->>'n' = $1",
			strconv.Itoa(pair.n)).Scan(&raw, pair.tags)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, pair.metadata); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(cppMetadata, goMetadata) || !reflect.DeepEqual(cppTags, goTags) {
		t.Errorf("C++ middleware wrote metadata %v tags %v; River Go's wrote %v %v", cppMetadata, cppTags, goMetadata, goTags)
	}
}
