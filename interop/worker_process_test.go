package interop

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// riverMigratedSchema creates a schema for one test, migrated by River's own
// migrator, and returns its name.
func riverMigratedSchema(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	schema := newSchema(t, pool)
	if _, err := riverMigrator(t, pool, schema).Migrate(context.Background(), rivermigrate.DirectionUp, nil); err != nil {
		t.Fatalf("River's migrate up on %s: %v", schema, err)
	}
	return schema
}

// cppWorker is a running interop_work_jobs process (interop/cpp/work_jobs.cpp):
// a riverqueue::worker_client working one queue of one schema.
type cppWorker struct {
	t        *testing.T
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stdout   *bufio.Reader
	stderr   *lockedBuffer
	clientID string
	done     bool
}

// cppRun is one run of a C++ worker, as the program reports it.
type cppRun struct {
	id   int64
	kind string
}

// lockedBuffer collects the program's stderr while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startCppWorker starts the C++ worker on `queue` and waits until its client
// has started (its queue row is written and it fetches).
func startCppWorker(t *testing.T, url, schema, queue string, extra ...string) *cppWorker {
	t.Helper()
	args := append([]string{"--database-url", url, "--schema", schema, "--queue", queue}, extra...)
	cmd := exec.Command(programPath(t, "RIVERQUEUE_INTEROP_WORK"), args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &cppWorker{t: t, cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: &lockedBuffer{}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting interop_work_jobs: %v", err)
	}
	started := false
	t.Cleanup(func() {
		if w.done {
			return
		}
		if !started { // the reader of the first line may still be reading
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return
		}
		_ = w.stdin.Close()
		timer := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
		_, _ = io.Copy(io.Discard, w.stdout)
		_ = cmd.Wait()
		timer.Stop()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := w.stdout.ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		id, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
		if !ok || id == "" {
			t.Fatalf("interop_work_jobs printed %q first; stderr: %s", line, w.stderr.String())
		}
		w.clientID = id
		started = true
	case <-time.After(30 * time.Second):
		t.Fatalf("interop_work_jobs did not start in 30 s; stderr: %s", w.stderr.String())
	}
	return w
}

// stop closes the program's stdin, so that it stops its client (waiting for
// running jobs and writing their outcomes), and returns the runs it reports.
// The program must exit 0 and report no runtime error.
func (w *cppWorker) stop() []cppRun {
	t := w.t
	t.Helper()
	w.done = true
	if err := w.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out []byte
		err error
	}
	finished := make(chan result, 1)
	go func() {
		out, _ := io.ReadAll(w.stdout)
		finished <- result{out, w.cmd.Wait()}
	}()
	var r result
	select {
	case r = <-finished:
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		t.Fatalf("interop_work_jobs did not stop in 30 s after stdin closed; stderr: %s", w.stderr.String())
	}
	if r.err != nil {
		t.Fatalf("interop_work_jobs: %v; stderr: %s", r.err, w.stderr.String())
	}
	var runs []cppRun
	errorCount := -1
	for _, line := range strings.Split(strings.TrimSpace(string(r.out)), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 3 && fields[0] == "worked":
			id, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatalf("interop_work_jobs printed %q", line)
			}
			runs = append(runs, cppRun{id: id, kind: fields[2]})
		case len(fields) == 2 && fields[0] == "errors":
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("interop_work_jobs printed %q", line)
			}
			errorCount = n
		case line == "":
		default:
			t.Fatalf("interop_work_jobs printed %q", line)
		}
	}
	if errorCount != 0 {
		t.Fatalf("the C++ runtime reported %d errors (-1: no count printed); stderr: %s", errorCount, w.stderr.String())
	}
	return runs
}

// goRuns records which jobs River Go's workers ran.
type goRuns struct {
	mu   sync.Mutex
	runs map[int64]int
}

func (r *goRuns) add(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[int64]int{}
	}
	r.runs[id]++
}

func (r *goRuns) snapshot() map[int64]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int64]int, len(r.runs))
	for id, n := range r.runs {
		out[id] = n
	}
	return out
}

// startRiverWorkers starts a River Go client working `queue` with `workers`,
// polling as often as the C++ worker does, its warnings and errors logged to
// stderr. Stop it with the returned function (also run at cleanup).
func startRiverWorkers(t *testing.T, pool *pgxpool.Pool, schema, queue string, maxWorkers int,
	workers *river.Workers) (*river.Client[pgx.Tx], func()) {
	t.Helper()
	return startRiverWorkersLogging(t, pool, schema, queue, maxWorkers, workers,
		slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startRiverWorkersLogging is startRiverWorkers logging to `logs`.
func startRiverWorkersLogging(t *testing.T, pool *pgxpool.Pool, schema, queue string, maxWorkers int,
	workers *river.Workers, logs slog.Handler) (*river.Client[pgx.Tx], func()) {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:            schema,
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{queue: {MaxWorkers: maxWorkers}},
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     10 * time.Millisecond,
		Logger:            slog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := client.Stop(ctx); err != nil {
				t.Errorf("stopping River's client: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return client, stop
}
