package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// The mixed fleet: C++ worker processes (interop/cpp/work_jobs.cpp) and River
// Go clients, each a process of its own so that either can be killed, on one
// queue of one schema. The River Go ones are this test binary run again with
// goWorkerEnv set (TestMain).
const goWorkerEnv = "RIVERQUEUE_INTEROP_GO_WORKER"

func TestMain(m *testing.M) {
	if config := os.Getenv(goWorkerEnv); config != "" {
		os.Exit(goWorkerMain(config))
	}
	os.Exit(m.Run())
}

// The fleet's kinds, as interop_work_jobs works them.
type fleetOkArgs struct {
	N int `json:"n"`
}

func (fleetOkArgs) Kind() string { return "fleet_ok" }

type fleetFailOnceArgs struct {
	N int `json:"n"`
}

func (fleetFailOnceArgs) Kind() string { return "fleet_fail_once" }

const (
	fleetFailure    = "fleet first attempt fails"
	fleetRetryAfter = 8 * time.Second // more than the 5 s under which a retry is written available
	rescuedError    = "Stuck job rescued by JobRescuer"
	// The fleet's job and rescue timeouts: short, so that the jobs a killed
	// process held are rescued by the next leader's first rescuer run.
	fleetJobTimeout    = 2 * time.Second
	fleetRescueAfter   = 5 * time.Second
	schedulerLookahead = 5 * time.Second // River's scheduler makes jobs due within its interval available
	// The fleet's last jobs, inserted slowly until the leader kills are done.
	fleetTrickleReserve = 3000
)

type fleetFailOnceWorker struct {
	river.WorkerDefaults[fleetFailOnceArgs]
	out *lineWriter
}

func (w *fleetFailOnceWorker) Work(ctx context.Context, job *river.Job[fleetFailOnceArgs]) error {
	w.out.run(job.ID, job.Kind, job.Attempt)
	if job.Attempt == 1 {
		return errors.New(fleetFailure)
	}
	return nil
}

func (w *fleetFailOnceWorker) NextRetry(*river.Job[fleetFailOnceArgs]) time.Time {
	return time.Now().Add(fleetRetryAfter)
}

// lineWriter prints the worker process's report lines, each at once.
type lineWriter struct {
	mu sync.Mutex
}

func (w *lineWriter) line(text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = os.Stdout.WriteString(text + "\n")
}

func (w *lineWriter) run(id int64, kind string, attempt int) {
	w.line(fmt.Sprintf("run %d %s %d", id, kind, attempt))
}

// goWorkerConfig is what a River Go worker process is told (JSON in goWorkerEnv).
type goWorkerConfig struct {
	URL            string `json:"url"`
	Schema         string `json:"schema"`
	Queue          string `json:"queue"`
	ClientID       string `json:"client_id"`
	MaxWorkers     int    `json:"max_workers"`
	LeaderElection bool   `json:"leader_election"`
}

// leadershipHandler passes River's warnings and errors to stderr, counts the
// errors, and reports River's elector gaining leadership ("leading 1"): the
// one place River Go tells it.
type leadershipHandler struct {
	out    *lineWriter
	errors *int64
	mu     *sync.Mutex
	next   slog.Handler
}

func (h leadershipHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h leadershipHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasSuffix(r.Message, ": Gained leadership") {
		h.out.line("leading 1")
	}
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		*h.errors++
		h.mu.Unlock()
	}
	if r.Level >= slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h leadershipHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.next = h.next.WithAttrs(attrs)
	return h
}

func (h leadershipHandler) WithGroup(name string) slog.Handler {
	h.next = h.next.WithGroup(name)
	return h
}

// goWorkerMain is a River Go worker process of the fleet, with the same
// protocol as interop_work_jobs --stream on: "ready <id>", "run <id> <kind>
// <attempt>" as each worker starts, "leading 1" when elected; on stdin's end
// it stops its client and prints "errors <n>", River's error logs.
func goWorkerMain(configJSON string) int {
	var config goWorkerConfig
	if err := json.Unmarshal([]byte(configJSON), &config); err != nil {
		fmt.Fprintln(os.Stderr, "go worker:", err)
		return 2
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, config.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go worker:", err)
		return 1
	}
	defer pool.Close()
	out := &lineWriter{}
	var errorCount int64
	var mu sync.Mutex
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[fleetOkArgs]) error {
		out.run(job.ID, job.Kind, job.Attempt)
		return nil
	}))
	river.AddWorker(workers, &fleetFailOnceWorker{out: out})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                     config.ClientID,
		Schema:                 config.Schema,
		Workers:                workers,
		Queues:                 map[string]river.QueueConfig{config.Queue: {MaxWorkers: config.MaxWorkers}},
		FetchPollInterval:      20 * time.Millisecond,
		FetchCooldown:          10 * time.Millisecond,
		JobTimeout:             fleetJobTimeout,
		RescueStuckJobsAfter:   fleetRescueAfter,
		LeaderElectionDisabled: !config.LeaderElection,
		Logger: slog.New(leadershipHandler{out: out, errors: &errorCount, mu: &mu,
			next: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})}),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "go worker:", err)
		return 1
	}
	if err := client.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "go worker:", err)
		return 1
	}
	out.line("ready " + client.ID())
	_, _ = io.Copy(io.Discard, os.Stdin)
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, "go worker: stopping:", err)
		return 1
	}
	mu.Lock()
	out.line(fmt.Sprintf("errors %d", errorCount))
	mu.Unlock()
	return 0
}

// fleetRun is one run of a worker, as its process reported it.
type fleetRun struct {
	id      int64
	kind    string
	attempt int
	member  *fleetMember
}

// fleetMember is one process of the fleet, its report read as it goes.
type fleetMember struct {
	t        *testing.T
	name     string // cpp-a, go-c, ...
	lang     string // C++ or Go
	clientID string
	elects   bool
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stderr   *lockedBuffer
	exited   chan struct{} // its stdout ended and it was waited for
	waitErr  error

	mu         sync.Mutex
	runs       []fleetRun
	gains      []time.Time // when each "leading 1" was read
	losses     int         // "leading 0"
	errorCount int         // -1 until printed
	odd        []string
	ready      bool
	killed     bool
	killedAt   time.Time // the database's time once the process was dead
	killing    time.Time // the test's clock just before the kill was sent
	done       bool
}

func startFleetMember(t *testing.T, name, lang, clientID string, elects bool, cmd *exec.Cmd) *fleetMember {
	t.Helper()
	m := &fleetMember{t: t, name: name, lang: lang, clientID: clientID, elects: elects, cmd: cmd,
		stderr: &lockedBuffer{}, exited: make(chan struct{}), errorCount: -1}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	m.stdin = stdin
	cmd.Stderr = m.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			m.take(scanner.Text())
		}
		m.waitErr = cmd.Wait()
		close(m.exited)
	}()
	t.Cleanup(func() {
		m.mu.Lock()
		done := m.done
		m.mu.Unlock()
		if !done {
			_ = cmd.Process.Kill()
			<-m.exited
		}
	})
	waitFor(t, name+" to start", 30*time.Second, func() bool {
		select {
		case <-m.exited:
			t.Fatalf("%s exited before it was ready: %v; stderr: %s", name, m.waitErr, m.stderr.String())
		default:
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.ready
	})
	return m
}

func (m *fleetMember) take(line string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fields := strings.Fields(line)
	switch {
	case len(fields) == 4 && fields[0] == "run":
		id, err1 := strconv.ParseInt(fields[1], 10, 64)
		attempt, err2 := strconv.Atoi(fields[3])
		if err1 != nil || err2 != nil {
			m.odd = append(m.odd, line)
			return
		}
		m.runs = append(m.runs, fleetRun{id: id, kind: fields[2], attempt: attempt, member: m})
	case line == "leading 1":
		m.gains = append(m.gains, time.Now())
	case line == "leading 0":
		m.losses++
	case len(fields) == 2 && fields[0] == "ready":
		if fields[1] != m.clientID {
			m.odd = append(m.odd, line)
		}
		m.ready = true
	case len(fields) == 2 && fields[0] == "errors":
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			m.odd = append(m.odd, line)
			return
		}
		m.errorCount = n
	default:
		m.odd = append(m.odd, line)
	}
}

// kill ends the process with SIGKILL (no resignation, no outcomes written)
// and notes when, in the database's time, it was dead.
func (m *fleetMember) kill(pool *pgxpool.Pool) {
	t := m.t
	t.Helper()
	m.mu.Lock()
	m.done, m.killed, m.killing = true, true, time.Now()
	m.mu.Unlock()
	if err := m.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing %s: %v", m.name, err)
	}
	<-m.exited
	var now time.Time
	if err := pool.QueryRow(context.Background(), "SELECT now()").Scan(&now); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	m.killedAt = now
	m.mu.Unlock()
}

// stop closes its stdin: it stops its client, which finishes and writes its
// jobs; it must exit 0 having reported no runtime error.
func (m *fleetMember) stop() {
	t := m.t
	t.Helper()
	m.mu.Lock()
	m.done = true
	m.mu.Unlock()
	_ = m.stdin.Close()
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		t.Fatalf("%s did not stop in 30 s after stdin closed; stderr: %s", m.name, m.stderr.String())
	}
	if m.waitErr != nil {
		t.Errorf("%s: %v; stderr: %s", m.name, m.waitErr, m.stderr.String())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.errorCount != 0 {
		t.Errorf("%s reported %d runtime errors (-1: none printed); stderr: %s", m.name, m.errorCount, m.stderr.String())
	}
}

// fleet starts and keeps the members of one schema's fleet.
type fleet struct {
	t                  *testing.T
	url, schema, queue string
	maxWorkers         int
	members            []*fleetMember
	byClientID         map[string]*fleetMember
}

func (f *fleet) start(name, lang string, elects bool) *fleetMember {
	t := f.t
	t.Helper()
	clientID := f.schema + "_" + name
	var cmd *exec.Cmd
	if lang == "C++" {
		onOff := map[bool]string{true: "on", false: "off"}[elects]
		cmd = exec.Command(programPath(t, "RIVERQUEUE_INTEROP_WORK"), "--database-url", f.url, "--schema", f.schema,
			"--queue", f.queue, "--client-id", clientID, "--max-workers", strconv.Itoa(f.maxWorkers),
			"--leader-election", onOff, "--job-timeout-ms", strconv.FormatInt(fleetJobTimeout.Milliseconds(), 10),
			"--rescue-after-ms", strconv.FormatInt(fleetRescueAfter.Milliseconds(), 10), "--stream", "on")
	} else {
		config, err := json.Marshal(goWorkerConfig{URL: f.url, Schema: f.schema, Queue: f.queue, ClientID: clientID,
			MaxWorkers: f.maxWorkers, LeaderElection: elects})
		if err != nil {
			t.Fatal(err)
		}
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(self)
		cmd.Env = append(os.Environ(), goWorkerEnv+"="+string(config))
	}
	m := startFleetMember(t, name, lang, clientID, elects, cmd)
	f.members = append(f.members, m)
	f.byClientID[clientID] = m
	return m
}

// leaderTerm is one holder of river_leader, as sampled: a leader ID and its
// elected_at (River's fencing token).
type leaderTerm struct {
	leaderID    string
	electedAt   time.Time
	lastExpires time.Time // the latest expires_at seen in the term
}

// leaderSampler reads river_leader every 50 ms while the fleet runs. The
// table holds one row at most (its primary key, name, must be 'default'), so
// what it shows is the sequence of terms; that no two processes led at once
// is told by the processes themselves (their "leading 1" lines).
type leaderSampler struct {
	mu      sync.Mutex
	terms   []leaderTerm
	samples int
	failed  error
	cancel  context.CancelFunc
	stopped chan struct{}
}

func startLeaderSampler(t *testing.T, pool *pgxpool.Pool, schema string) *leaderSampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &leaderSampler{cancel: cancel, stopped: make(chan struct{})}
	go func() {
		defer close(s.stopped)
		for ctx.Err() == nil {
			var term leaderTerm
			err := pool.QueryRow(ctx, "SELECT leader_id, elected_at, expires_at FROM "+schema+".river_leader").
				Scan(&term.leaderID, &term.electedAt, &term.lastExpires)
			held := err == nil
			if errors.Is(err, pgx.ErrNoRows) {
				err = nil
			}
			s.mu.Lock()
			if err != nil && ctx.Err() == nil && s.failed == nil {
				s.failed = err
			}
			if err == nil {
				s.samples++
			}
			if held {
				if n := len(s.terms); n > 0 && s.terms[n-1].leaderID == term.leaderID &&
					s.terms[n-1].electedAt.Equal(term.electedAt) {
					if term.lastExpires.After(s.terms[n-1].lastExpires) {
						s.terms[n-1].lastExpires = term.lastExpires
					}
				} else {
					s.terms = append(s.terms, term)
				}
			}
			s.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(s.stop)
	return s
}

func (s *leaderSampler) stop() {
	s.cancel()
	<-s.stopped
}

// latest is the last term sampled.
func (s *leaderSampler) latest() (leaderTerm, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.terms) == 0 {
		return leaderTerm{}, false
	}
	return s.terms[len(s.terms)-1], true
}

// waitForNewLeader waits for a term other than `after` (nil: any).
func (s *leaderSampler) waitForNewLeader(t *testing.T, after *leaderTerm, timeout time.Duration) leaderTerm {
	t.Helper()
	var found leaderTerm
	waitFor(t, "a new leader in river_leader", timeout, func() bool {
		term, ok := s.latest()
		if !ok || (after != nil && term.leaderID == after.leaderID && term.electedAt.Equal(after.electedAt)) {
			return false
		}
		found = term
		return true
	})
	return found
}

// fleetInserter inserts the fleet's jobs while it runs: 60 every 200 ms (3 of
// them failing once), until all but the last fleetTrickleReserve are in; then
// 10 every 500 ms (for minutes: longer than three handovers take on a slow
// machine), so that jobs and retries keep coming until release, which inserts
// the rest at once.
type fleetInserter struct {
	mu       sync.Mutex
	inserted int
	failOnce int
	err      error
	release  chan struct{}
	done     chan struct{}
}

func startFleetInserter(t *testing.T, client *river.Client[pgx.Tx], queue string, total int) *fleetInserter {
	in := &fleetInserter{release: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(in.done)
		released := false
		for in.count() < total {
			batch, every := 60, 200*time.Millisecond
			if !released && in.count() >= total-fleetTrickleReserve {
				batch, every = 10, 500*time.Millisecond
			}
			if released {
				batch, every = total-in.count(), 0
			}
			batch = min(batch, total-in.count())
			var params []river.InsertManyParams
			fails := 0
			for i := 0; i < batch; i++ {
				n := in.count() + i
				var args river.JobArgs = fleetOkArgs{N: n}
				if i%20 == 0 {
					args = fleetFailOnceArgs{N: n}
					fails++
				}
				params = append(params, river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{Queue: queue}})
			}
			if _, err := client.InsertMany(context.Background(), params); err != nil {
				in.mu.Lock()
				in.err = err
				in.mu.Unlock()
				return
			}
			in.mu.Lock()
			in.inserted += batch
			in.failOnce += fails
			in.mu.Unlock()
			if !released {
				select {
				case <-in.release:
					released = true
				case <-time.After(every):
				}
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-in.release:
		default:
			close(in.release)
		}
		<-in.done
	})
	return in
}

func (in *fleetInserter) count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.inserted
}

// handover is one kill of the leader and the term that followed.
type handover struct {
	killed *fleetMember
	next   leaderTerm
}

// fleetRow is what the checks read of a job at the end.
type fleetRow struct {
	id          int64
	kind        string
	state       string
	attempt     int
	attemptedBy []string
	attemptedAt *time.Time
	scheduledAt time.Time
	finalized   bool
	errors      []cliError
}

func readFleetRows(t *testing.T, pool *pgxpool.Pool, schema string) []fleetRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT id, kind, state::text, attempt, coalesce(attempted_by, '{}'),"+
		" attempted_at, scheduled_at, finalized_at IS NOT NULL, coalesce(to_jsonb(errors), '[]'::jsonb) FROM "+
		schema+".river_job ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []fleetRow
	for rows.Next() {
		var r fleetRow
		var errorsJSON []byte
		if err := rows.Scan(&r.id, &r.kind, &r.state, &r.attempt, &r.attemptedBy, &r.attemptedAt, &r.scheduledAt,
			&r.finalized, &errorsJSON); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(errorsJSON, &r.errors); err != nil {
			t.Fatalf("job %d errors %s: %v", r.id, errorsJSON, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Two C++ worker processes and two River Go client processes work one queue
// of one schema, 20,000 jobs (one in twenty fails its first attempt and is
// retried 8 s later, so only a leader's scheduler brings it back), while the
// leader is killed with SIGKILL, each killed process replaced by one of its
// language once the next leader is elected. Who bids is arranged so that
// leadership passes both ways between the languages: a C++ process leads
// first with only the two River Go clients bidding against it, so its death
// hands over to River Go; the C++ replacement bids, and the River Go leader
// is killed until the C++ one has taken over (two or three kills; River Go
// replacements do not bid). Asserted: every job completed; every attempt was
// run by the process that fetched it and by no other (at most once when that
// process was killed, whose unwritten jobs the new leader's rescuer retried);
// each term in river_leader began only after the previous leader was killed
// and its lease had expired, every process's own count of elections matches
// the terms, and no process said it led before the one leading before it was
// killed; after each kill, the retries that fell due while no one led were
// made available by the new leader (none fetched before it was elected) and
// completed.
func TestMixedFleetWorksEachJobOnceAcrossLeaderKills(t *testing.T) {
	url := databaseURL(t)
	pool := connect(t, url)
	schema := riverMigratedSchema(t, pool)
	const queue, total = "fleet", 20000
	started := time.Now()
	f := &fleet{t: t, url: url, schema: schema, queue: queue, maxWorkers: 20, byClientID: map[string]*fleetMember{}}
	sampler := startLeaderSampler(t, pool, schema)

	// The first C++ process alone, so that it leads; then the others, of
	// which the River Go ones bid.
	first := f.start("cpp-a", "C++", true)
	term := sampler.waitForNewLeader(t, nil, 30*time.Second)
	if term.leaderID != first.clientID {
		t.Fatalf("leader %q, want the only process %q", term.leaderID, first.clientID)
	}
	f.start("cpp-b", "C++", false)
	f.start("go-c", "Go", true)
	f.start("go-d", "Go", true)

	inserter := startFleetInserter(t, riverInsertClient(t, pool, schema), queue, total)
	table := schema + ".river_job"
	count := func(where string, args ...any) int {
		var n int
		if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, "jobs to flow and first retries to wait", 60*time.Second, func() bool {
		return inserter.count() >= 2000 && count("state = 'retryable'") > 0
	})

	// Kill the leader until leadership has passed from C++ to River Go and
	// from River Go to C++.
	var handovers []handover
	passed := map[string]bool{} // "C++ to Go", "Go to C++"
	replacements := 0
	for !passed["C++ to Go"] || !passed["Go to C++"] {
		leader := f.byClientID[term.leaderID]
		if leader == nil || len(handovers) >= 3 {
			t.Fatalf("leader %q after %d handovers: not a fleet process, or more handovers than bidders", term.leaderID, len(handovers))
		}
		if inserter.count() >= total {
			t.Fatal("every job was inserted before the kills were done")
		}
		leader.kill(pool)
		t.Logf("%.1fs: killed the leader %s (%s); %d jobs inserted, %d completed", time.Since(started).Seconds(),
			leader.name, leader.lang, inserter.count(), count("state = 'completed'"))
		next := sampler.waitForNewLeader(t, &term, 60*time.Second)
		successor := f.byClientID[next.leaderID]
		if successor == nil {
			t.Fatalf("leader %q is not a fleet process", next.leaderID)
		}
		passed[leader.lang+" to "+successor.lang] = true
		t.Logf("%.1fs: %s (%s) leads (elected %s after the kill)", time.Since(started).Seconds(), successor.name,
			successor.lang, next.electedAt.Sub(leader.killedAt).Round(time.Millisecond))
		// Started after the election, so that a C++ replacement (which bids)
		// cannot take over from the C++ leader it replaces.
		replacements++
		f.start(fmt.Sprintf("%s-replacement-%d", map[string]string{"C++": "cpp", "Go": "go"}[leader.lang], replacements),
			leader.lang, leader.lang == "C++")
		// The new leader's duties: the retries that fell due while no one
		// led (beyond the dead leader's scheduler's look-ahead) are brought
		// back by it before it is killed in turn.
		waitFor(t, "the new leader to schedule the retries due while no one led", 30*time.Second, func() bool {
			return count("kind = 'fleet_fail_once' AND state = 'retryable' AND scheduled_at >= $1 AND scheduled_at < $2",
				leader.killedAt.Add(schedulerLookahead), next.electedAt) == 0
		})
		handovers = append(handovers, handover{killed: leader, next: next})
		term = next
	}
	close(inserter.release)
	<-inserter.done
	if inserter.err != nil {
		t.Fatalf("inserting: %v", inserter.err)
	}
	waitFor(t, "every job to complete", 180*time.Second, func() bool {
		return count("state = 'completed'") == total
	})
	t.Logf("%.1fs: all %d jobs completed", time.Since(started).Seconds(), total)
	sampler.stop()
	for _, m := range f.members {
		if !m.killed {
			m.stop()
		}
	}

	// The runs each process reported, by job.
	runs := map[int64][]fleetRun{}
	for _, m := range f.members {
		m.mu.Lock()
		if len(m.odd) > 0 {
			t.Errorf("%s printed unexpected lines: %q", m.name, m.odd)
		}
		for _, run := range m.runs {
			runs[run.id] = append(runs[run.id], run)
		}
		m.mu.Unlock()
	}

	rows := readFleetRows(t, pool, schema)
	if len(rows) != total {
		t.Fatalf("%d rows, want %d", len(rows), total)
	}
	rescued := map[*fleetMember]int{} // attempts of each killed process that the rescuer ended
	touchedByKilled, retried := 0, 0
	for _, r := range rows {
		checkFleetRow(t, f, r, runs[r.id], rescued, &touchedByKilled, &retried)
	}
	t.Logf("%d of the %d jobs inserted to fail once retried after their failure; %d jobs held by a killed process",
		retried, inserter.failOnce, touchedByKilled)
	for _, h := range handovers {
		t.Logf("%d attempts of %s (killed) rescued by a later leader's rescuer", rescued[h.killed], h.killed.name)
	}
	if retried == 0 {
		t.Error("no job was retried after its own failure")
	}
	if len(runs) != total {
		t.Errorf("workers ran %d distinct jobs, want %d", len(runs), total)
	}

	// One leader at a time, changing only when the leader died.
	sampler.mu.Lock()
	terms := append([]leaderTerm{}, sampler.terms...)
	samples, failed := sampler.samples, sampler.failed
	sampler.mu.Unlock()
	if failed != nil {
		t.Errorf("sampling river_leader: %v", failed)
	}
	if len(terms) != len(handovers)+1 {
		t.Fatalf("%d leader terms in %d samples for %d kills: %+v", len(terms), samples, len(handovers), terms)
	}
	for i, h := range handovers {
		before, after := terms[i], terms[i+1]
		if before.leaderID != h.killed.clientID {
			t.Errorf("term %d was %s's, but %s was the leader killed", i, before.leaderID, h.killed.name)
		}
		if after.leaderID != h.next.leaderID || !after.electedAt.Equal(h.next.electedAt) {
			t.Errorf("term %d is %+v, want the one seen after the kill %+v", i+1, after, h.next)
		}
		if !after.electedAt.After(h.killed.killedAt) || after.electedAt.Before(before.lastExpires) {
			t.Errorf("term %d (%s) elected at %s: before its predecessor was killed (%s) or before its lease expired (%s)",
				i+1, after.leaderID, after.electedAt, h.killed.killedAt, before.lastExpires)
		}
	}
	electedBy := map[string]int{}
	for _, term := range terms {
		m := f.byClientID[term.leaderID]
		if m == nil || !m.elects {
			t.Errorf("leader %s is not a fleet process that bids", term.leaderID)
		}
		electedBy[term.leaderID]++
	}
	type gain struct {
		member *fleetMember
		at     time.Time
	}
	var gains []gain
	for _, m := range f.members {
		m.mu.Lock()
		if len(m.gains) != electedBy[m.clientID] || m.losses != 0 {
			t.Errorf("%s reported %d elections and %d losses; river_leader shows %d terms of it and no loss",
				m.name, len(m.gains), m.losses, electedBy[m.clientID])
		}
		for _, at := range m.gains {
			gains = append(gains, gain{m, at})
		}
		m.mu.Unlock()
	}
	// As the processes saw it: each one that said it had become leader said
	// so only after the one before it had been killed (none resigned).
	sort.Slice(gains, func(i, j int) bool { return gains[i].at.Before(gains[j].at) })
	for i := 1; i < len(gains); i++ {
		before, after := gains[i-1], gains[i]
		if !before.member.killed || !before.member.killing.Before(after.at) {
			t.Errorf("%s said it leads while %s still did (killed %v)", after.member.name, before.member.name,
				before.member.killed)
		}
	}

	// After each kill, the retries due while no one led (past the dead
	// leader's look-ahead) were fetched only after the new leader's election:
	// its scheduler brought them back.
	for i, h := range handovers {
		from, to := h.killed.killedAt.Add(schedulerLookahead), h.next.electedAt
		n := 0
		for _, r := range rows {
			if r.kind != "fleet_fail_once" || len(r.errors) != 1 || r.errors[0].Error != fleetFailure ||
				r.scheduledAt.Before(from) || !r.scheduledAt.Before(to) {
				continue
			}
			n++
			if r.attemptedAt == nil || r.attemptedAt.Before(to) {
				t.Errorf("job %d, due at %s while no one led, was fetched at %v, before the new leader's election at %s",
					r.id, r.scheduledAt, r.attemptedAt, to)
			}
		}
		t.Logf("handover %d (%s killed, %s elected): %d retries fell due while no one led, all brought back by the new leader",
			i+1, h.killed.name, f.byClientID[h.next.leaderID].name, n)
		if n == 0 {
			t.Errorf("handover %d: no retry fell due between %s and %s, so the new leader's scheduling is unproven", i+1, from, to)
		}
	}
	t.Logf("the fleet took %.1fs", time.Since(started).Seconds())
}

// checkFleetRow checks one job against the runs reported: each attempt was
// fetched (attempted_by) and run by one process, and only by it; a process
// killed may have run it or not, and then the rescuer's error or the job's
// own failure ends that attempt; the last attempt completed the job.
func checkFleetRow(t *testing.T, f *fleet, r fleetRow, runs []fleetRun, rescued map[*fleetMember]int,
	touchedByKilled, retried *int) {
	t.Helper()
	if r.state != "completed" || !r.finalized || len(r.attemptedBy) != r.attempt || r.attempt < 1 ||
		len(r.errors) != r.attempt-1 {
		t.Errorf("job %d (%s): %s, attempt %d, attempted_by %v, %d errors, finalized %v; want completed, finalized,"+
			" one attempted_by and one error per attempt before the last", r.id, r.kind, r.state, r.attempt,
			r.attemptedBy, len(r.errors), r.finalized)
		return
	}
	if r.kind == "fleet_fail_once" && r.attempt < 2 {
		t.Errorf("job %d (fleet_fail_once) completed at attempt %d, though its first attempt fails", r.id, r.attempt)
	}
	byAttempt := map[int][]fleetRun{}
	for _, run := range runs {
		if run.kind != r.kind || run.attempt < 1 || run.attempt > r.attempt {
			t.Errorf("job %d (%s, attempt %d): %s ran it as %s attempt %d", r.id, r.kind, r.attempt, run.member.name,
				run.kind, run.attempt)
			continue
		}
		byAttempt[run.attempt] = append(byAttempt[run.attempt], run)
	}
	touched := false
	for k := 1; k <= r.attempt; k++ {
		fetcher := f.byClientID[r.attemptedBy[k-1]]
		if fetcher == nil {
			t.Errorf("job %d attempt %d fetched by %q, not a fleet process", r.id, k, r.attemptedBy[k-1])
			continue
		}
		ran := byAttempt[k]
		for _, run := range ran {
			if run.member != fetcher {
				t.Errorf("job %d attempt %d, fetched by %s, was run by %s", r.id, k, fetcher.name, run.member.name)
			}
		}
		if fetcher.killed {
			touched = true
		}
		if len(ran) > 1 || (len(ran) == 0 && !fetcher.killed) {
			t.Errorf("job %d attempt %d (fetched by %s) was run %d times, want once", r.id, k, fetcher.name, len(ran))
		}
		if k == r.attempt {
			continue
		}
		// What ended a failed attempt: the job's own failure (attempt 1 of a
		// fleet_fail_once job) or, for a process killed, the rescuer.
		e := r.errors[k-1]
		own := r.kind == "fleet_fail_once" && k == 1 && e.Error == fleetFailure && len(ran) == 1
		switch {
		case e.Attempt != k:
			t.Errorf("job %d error %d is for attempt %d", r.id, k, e.Attempt)
		case own:
			*retried++
		case fetcher.killed && e.Error == rescuedError:
			rescued[fetcher]++
		default:
			t.Errorf("job %d attempt %d (fetched by %s, killed %v, run %d times) ended with %q", r.id, k, fetcher.name,
				fetcher.killed, len(ran), e.Error)
		}
	}
	if touched {
		*touchedByKilled++
	} else if want := map[string]int{"fleet_ok": 1, "fleet_fail_once": 2}[r.kind]; r.attempt != want {
		t.Errorf("job %d (%s), never held by a killed process, took %d attempts, want %d", r.id, r.kind, r.attempt, want)
	}
}
