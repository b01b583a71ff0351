// Command vectors produces the unique-key vectors of
// tests/unit/legacy_unique_test.cpp from River v0.11.4 itself.
//
// River 0.11's key builder and lock hash are internal, so nothing of them is
// called directly: each case is inserted through River's exported
// Client.InsertTx into a database migrated by River's own rivermigrate (schema
// version 5), inside a transaction that is then rolled back, and the program
// reads what River did there: the `unique_key` it wrote (fast path) or the
// advisory lock it holds (pg_locks; advisory path). The key string of each
// vector is this program's own model of River's, and is only printed once it
// hashes to exactly what River wrote or locked.
//
//	cd interop/river011
//	DATABASE_URL=postgresql://... go run ./cmd/vectors          # print the block
//	DATABASE_URL=postgresql://... go run ./cmd/vectors -write   # rewrite it in the test
//
// DATABASE_URL (or RIVERQUEUE_TEST_DATABASE_URL) names a server where the
// program may create and drop a database.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Args types: struct fields are encoded in declaration order, which is what
// River 0.11 hashes ("args as encoded", not sorted).
type emailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Count   int    `json:"count"`
}

func (emailArgs) Kind() string { return "legacy_email" }

type reportArgs struct {
	Zeta   float64        `json:"zeta"`
	Alpha  []string       `json:"alpha"`
	Nested map[string]any `json:"nested"`
}

func (reportArgs) Kind() string { return "legacy_report" }

type emptyArgs struct{}

func (emptyArgs) Kind() string { return "legacy_empty" }

type testCase struct {
	name   string
	args   river.JobArgs
	opts   river.InsertOpts
	prefix int32
	offset int // seconds east of UTC of the Go process's local zone
}

var (
	allStates     = rivertype.JobStates()
	someFinalized = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStatePending, rivertype.JobStateDiscarded}
	defaultMixed  = []rivertype.JobState{rivertype.JobStateScheduled, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateCompleted, rivertype.JobStateAvailable}
)

func cases() []testCase {
	email := emailArgs{To: "a<b>&c@example.com", Subject: "Héllo \"world\"\n", Count: 3}
	report := reportArgs{Zeta: 1.0, Alpha: []string{"x", "y"}, Nested: map[string]any{"b": 2.5, "a": 1e21}}
	later := time.Now().Add(48 * time.Hour)
	u := func(o river.UniqueOpts) river.InsertOpts { return river.InsertOpts{UniqueOpts: o} }
	withQueue := func(o river.InsertOpts, q string) river.InsertOpts { o.Queue = q; return o }
	scheduled := func(o river.InsertOpts) river.InsertOpts { o.ScheduledAt = later; return o }
	pending := func(o river.InsertOpts) river.InsertOpts { o.Pending = true; return o }
	return []testCase{
		// Fast path: default state set, prefix 0.
		{name: "fast_by_args", args: email, opts: u(river.UniqueOpts{ByArgs: true})},
		{name: "fast_by_args_floats_and_map", args: report, opts: u(river.UniqueOpts{ByArgs: true})},
		{name: "fast_by_args_empty_struct", args: emptyArgs{}, opts: u(river.UniqueOpts{ByArgs: true})},
		{name: "fast_by_queue", args: email, opts: withQueue(u(river.UniqueOpts{ByQueue: true}), "mail")},
		{name: "fast_by_period_hour", args: email, opts: u(river.UniqueOpts{ByPeriod: time.Hour})},
		{name: "fast_by_period_7s", args: email, opts: u(river.UniqueOpts{ByPeriod: 7 * time.Second})},
		{name: "fast_by_period_1500ms", args: email, opts: u(river.UniqueOpts{ByPeriod: 1500 * time.Millisecond})},
		{name: "fast_args_period_queue", args: report, opts: withQueue(u(river.UniqueOpts{ByArgs: true, ByPeriod: 24 * time.Hour, ByQueue: true}), "reports")},
		{name: "fast_explicit_default_states_unsorted", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(defaultMixed)})},
		{name: "fast_scheduled_job", args: email, opts: scheduled(u(river.UniqueOpts{ByArgs: true}))},
		{name: "fast_pending_job", args: email, opts: pending(u(river.UniqueOpts{ByQueue: true}))},
		{name: "fast_period_local_zone_plus_0530", args: email, opts: u(river.UniqueOpts{ByPeriod: 15 * time.Minute}), offset: 5*3600 + 1800},
		{name: "fast_period_local_zone_minus_0800", args: email, opts: u(river.UniqueOpts{ByPeriod: time.Hour}), offset: -8 * 3600},
		{name: "fast_with_prefix", args: email, opts: u(river.UniqueOpts{ByArgs: true}), prefix: 42},

		// Advisory path: a non-default state set.
		{name: "advisory_all_states_prefix_0", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(allStates)})},
		{name: "advisory_all_states_prefix_positive", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(allStates)}), prefix: 123456},
		{name: "advisory_all_states_prefix_top_bit", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(allStates)}), prefix: -2147483647},
		{name: "advisory_all_states_prefix_minus_1", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(allStates)}), prefix: -1},
		{name: "advisory_all_states_prefix_max", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(allStates)}), prefix: 2147483647},
		{name: "advisory_by_queue_with_discarded", args: report, opts: withQueue(u(river.UniqueOpts{ByQueue: true, ByState: slices.Clone(someFinalized)}), "reports")},
		{name: "advisory_by_queue_with_discarded_prefix", args: report, opts: withQueue(u(river.UniqueOpts{ByQueue: true, ByState: slices.Clone(someFinalized)}), "reports"), prefix: 7},
		{name: "advisory_period_and_args", args: report, opts: u(river.UniqueOpts{ByArgs: true, ByPeriod: 30 * time.Minute, ByState: []rivertype.JobState{rivertype.JobStateCompleted, rivertype.JobStateAvailable}})},
		{name: "advisory_period_prefix_top_bit", args: email, opts: u(river.UniqueOpts{ByPeriod: 2 * time.Hour, ByState: []rivertype.JobState{rivertype.JobStateCancelled, rivertype.JobStateAvailable}}), prefix: -2147483647},
		{name: "advisory_duplicated_states", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStateAvailable, rivertype.JobStateRunning}})},
		{name: "advisory_empty_by_state", args: email, opts: u(river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{}})},
		{name: "advisory_empty_by_state_alone", args: emptyArgs{}, opts: u(river.UniqueOpts{ByState: []rivertype.JobState{}}), prefix: 99},
		{name: "advisory_scheduled_job", args: email, opts: scheduled(u(river.UniqueOpts{ByArgs: true, ByState: slices.Clone(allStates)})), prefix: 123456},
		{name: "advisory_everything", args: report, opts: withQueue(u(river.UniqueOpts{ByArgs: true, ByPeriod: 10 * time.Minute, ByQueue: true, ByState: slices.Clone(allStates)}), "reports"), prefix: -1, offset: 3600},

		// The job's own state is outside the set: inserted as a plain job.
		{name: "plain_scheduled_outside_states", args: email, opts: scheduled(u(river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning}}))},
		{name: "plain_pending_outside_states", args: email, opts: pending(u(river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable}}))},
	}
}

// --- This program's model of River 0.11's key, checked against River below.

var defaultStates = []string{"available", "completed", "pending", "retryable", "running", "scheduled"}

func modelKey(encodedArgs []byte, queue string, state rivertype.JobState, o river.UniqueOpts, now time.Time) (string, bool) {
	var sb strings.Builder
	if o.ByArgs {
		sb.WriteString("&args=")
		sb.Write(encodedArgs)
	}
	if o.ByPeriod != 0 {
		sb.WriteString("&period=" + now.Truncate(o.ByPeriod).Format(time.RFC3339))
	}
	if o.ByQueue {
		sb.WriteString("&queue=" + queue)
	}
	set := defaultStates
	if len(o.ByState) > 0 {
		set = nil
		for _, s := range o.ByState {
			set = append(set, string(s))
		}
		slices.Sort(set)
	}
	sb.WriteString("&state=" + strings.Join(set, ","))
	return sb.String(), slices.Contains(set, string(state))
}

func modelLock(prefix int32, kind, key string) int64 {
	data := []byte("unique_key" + "kind=" + kind + key)
	if prefix == 0 {
		h := fnv.New64()
		h.Write(data)
		return int64(h.Sum64())
	}
	h := fnv.New32()
	h.Write(data)
	return int64(uint64(uint32(prefix))<<32 | uint64(h.Sum32()))
}

// --- Running River.

type observed struct {
	now       time.Time
	state     rivertype.JobState
	queue     string
	uniqueKey []byte
	locks     []int64
}

func insertWithRiver(ctx context.Context, pool *pgxpool.Pool, c testCase) (observed, error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		AdvisoryLockPrefix: c.prefix,
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return observed{}, err
	}
	zone := time.UTC
	if c.offset != 0 {
		zone = time.FixedZone("vector", c.offset)
	}
	for attempt := 0; attempt < 20; attempt++ {
		opts := c.opts
		opts.UniqueOpts.ByState = slices.Clone(c.opts.UniqueOpts.ByState) // River sorts it in place
		tx, err := pool.Begin(ctx)
		if err != nil {
			return observed{}, err
		}
		// River 0.11 reads its clock with time.Now(), in the local zone.
		time.Local = zone
		before := time.Now()
		res, err := client.InsertTx(ctx, tx, c.args, &opts)
		after := time.Now()
		time.Local = time.UTC
		if err != nil {
			_ = tx.Rollback(ctx)
			return observed{}, err
		}
		if p := c.opts.UniqueOpts.ByPeriod; p != 0 && !before.Truncate(p).Equal(after.Truncate(p)) {
			_ = tx.Rollback(ctx) // the insert straddled a period boundary: River's instant is unknown
			continue
		}
		o := observed{now: before.UTC(), state: res.Job.State, queue: res.Job.Queue}
		if err := tx.QueryRow(ctx, "SELECT unique_key FROM river_job WHERE id = $1", res.Job.ID).Scan(&o.uniqueKey); err != nil {
			_ = tx.Rollback(ctx)
			return observed{}, err
		}
		rows, err := tx.Query(ctx, "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks"+
			" WHERE locktype = 'advisory' AND objsubid = 1 AND pid = pg_backend_pid()")
		if err != nil {
			_ = tx.Rollback(ctx)
			return observed{}, err
		}
		o.locks, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		_ = tx.Rollback(ctx)
		return o, err
	}
	return observed{}, errors.New("could not insert within one period")
}

type vector struct {
	c           testCase
	encodedArgs string
	o           observed
	path        string
	key         string
	uniqueKey   string
	lockKey     int64
}

func makeVector(ctx context.Context, pool *pgxpool.Pool, c testCase) (vector, error) {
	o, err := insertWithRiver(ctx, pool, c)
	if err != nil {
		return vector{}, fmt.Errorf("%s: %w", c.name, err)
	}
	encoded, err := json.Marshal(c.args) // what River hashes
	if err != nil {
		return vector{}, err
	}
	zone := time.UTC
	if c.offset != 0 {
		zone = time.FixedZone("vector", c.offset)
	}
	key, applies := modelKey(encoded, o.queue, o.state, c.opts.UniqueOpts, o.now.In(zone))
	v := vector{c: c, encodedArgs: string(encoded), o: o}
	switch {
	case o.uniqueKey != nil:
		v.path = "fast"
		sum := sha256.Sum256([]byte(key))
		if !applies || !bytes.Equal(sum[:], o.uniqueKey) {
			return v, fmt.Errorf("%s: River wrote unique_key %x, the model's key %q hashes to %x", c.name, o.uniqueKey, key, sum)
		}
		v.uniqueKey = hex.EncodeToString(sum[:])
	case len(o.locks) > 0:
		v.path = "advisory"
		if len(o.locks) != 1 || !applies || modelLock(c.prefix, c.args.Kind(), key) != o.locks[0] {
			return v, fmt.Errorf("%s: River locked %v, the model's key %q gives %d", c.name, o.locks, key, modelLock(c.prefix, c.args.Kind(), key))
		}
	default:
		v.path = "plain"
		if applies {
			return v, fmt.Errorf("%s: River inserted a plain job, the model expected key %q", c.name, key)
		}
	}
	if applies {
		v.key = key
		// On the fast path River takes no lock; the lock key is then this
		// program's (hash/fnv, as River's hashutil uses).
		v.lockKey = modelLock(c.prefix, c.args.Kind(), key)
	}
	return v, nil
}

// --- Output.

func cppString(s string) string {
	if !strings.Contains(s, ")v\"") && !strings.ContainsAny(s, "\x00\r") {
		return `R"v(` + s + `)v"`
	}
	panic("unexpected characters in " + s)
}

func cppState(s rivertype.JobState) string { return "job_state::" + string(s) }

func cppByState(o river.UniqueOpts) string {
	if o.ByState == nil {
		return "nullptr"
	}
	var names []string
	for _, s := range o.ByState {
		names = append(names, string(s))
	}
	return `"` + strings.Join(names, ",") + `"`
}

func render(vectors []vector) string {
	var b strings.Builder
	b.WriteString("// Generated by interop/river011/cmd/vectors from River v0.11.4; do not edit.\n")
	b.WriteString("const river_vector river_vectors[] = {\n")
	for _, v := range vectors {
		o := v.c.opts.UniqueOpts
		fmt.Fprintf(&b, "    {%q, %q, %s, %q, %s,\n", v.c.name, v.c.args.Kind(), cppString(v.encodedArgs), v.o.queue, cppState(v.o.state))
		fmt.Fprintf(&b, "     %t, %dLL, %t, %s, %q, %d, %d,\n", o.ByArgs, int64(o.ByPeriod), o.ByQueue, cppByState(o),
			v.o.now.Format(time.RFC3339Nano), v.c.offset, v.c.prefix)
		fmt.Fprintf(&b, "     %q, %s, %q, %dLL},\n", v.path, cppString(v.key), v.uniqueKey, v.lockKey)
	}
	b.WriteString("};\n")
	return b.String()
}

const (
	beginMarker = "// BEGIN RIVER 0.11.4 VECTORS\n"
	endMarker   = "// END RIVER 0.11.4 VECTORS\n"
)

func main() {
	write := flag.Bool("write", false, "rewrite the vectors in ../../tests/unit/legacy_unique_test.cpp")
	flag.Parse()
	ctx := context.Background()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = os.Getenv("RIVERQUEUE_TEST_DATABASE_URL")
	}
	if base == "" {
		log.Fatal("set DATABASE_URL to a PostgreSQL server where a database may be created")
	}
	url, drop, err := scratchDatabase(ctx, base)
	if err != nil {
		log.Fatal(err)
	}
	defer drop()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if _, err := rivermigrate.New(riverpgxv5.New(pool), nil).Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		log.Fatal(err)
	}

	var vectors []vector
	for _, c := range cases() {
		v, err := makeVector(ctx, pool, c)
		if err != nil {
			log.Fatal(err)
		}
		vectors = append(vectors, v)
	}
	block := render(vectors)
	if !*write {
		fmt.Print(block)
		return
	}
	const path = "../../tests/unit/legacy_unique_test.cpp"
	source, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	begin := bytes.Index(source, []byte(beginMarker))
	end := bytes.Index(source, []byte(endMarker))
	if begin < 0 || end < begin {
		log.Fatalf("%s lacks the vector markers", path)
	}
	updated := string(source[:begin+len(beginMarker)]) + block + string(source[end:])
	if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %d vectors to %s\n", len(vectors), path)
}

// scratchDatabase creates a database for River 0.11, which has no schema
// setting of its own, and returns its URL and a function dropping it.
func scratchDatabase(ctx context.Context, base string) (string, func(), error) {
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("river011_vectors_%d", os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, err
	}
	config := admin.Config()
	url := fmt.Sprintf("postgresql:///%s?host=%s&port=%d&user=%s", name, config.Host, config.Port, config.User)
	return url, func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	}, nil
}
