package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// databaseURL is the database the tests use: DATABASE_URL, else the one ctest started.
func databaseURL(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"DATABASE_URL", "RIVERQUEUE_TEST_DATABASE_URL"} {
		if url := os.Getenv(name); url != "" {
			return url
		}
	}
	t.Fatal("no test database: set DATABASE_URL or run through ctest")
	return ""
}

// programPath is the path of a built C++ program that ctest passes in the environment.
func programPath(t *testing.T, variable string) string {
	t.Helper()
	path := os.Getenv(variable)
	if path == "" {
		t.Fatalf("%s must name a built program (ctest sets it)", variable)
	}
	return path
}

func connect(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// newSchema creates a schema for one test and drops it afterwards.
func newSchema(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	name := fmt.Sprintf("interop_%d_%d", os.Getpid(), rand.Int63()%1_000_000_000)
	exec1(t, pool, "CREATE SCHEMA "+name)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE") })
	return name
}

// migratedSchema creates a schema for one test, migrated by our tool, and
// returns the database URL, an admin pool and the schema's name.
func migratedSchema(t *testing.T) (string, *pgxpool.Pool, string) {
	t.Helper()
	url := databaseURL(t)
	admin := connect(t, url)
	schema := newSchema(t, admin)
	if r := runCLI(t, url, schema, "", "migrate", "up"); r.status != 0 {
		t.Fatalf("riverqueue migrate up: %s", r.err)
	}
	return url, admin, schema
}

// newDatabase creates a database for one test (for River in the public schema)
// and returns its URL.
func newDatabase(t *testing.T, admin *pgxpool.Pool, baseURL string) string {
	t.Helper()
	name := fmt.Sprintf("interop_db_%d_%d", os.Getpid(), rand.Int63()%1_000_000_000)
	exec1(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") })
	config, err := pgx.ParseConfig(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgresql:///%s?host=%s&port=%d&user=%s", name, config.Host, config.Port, config.User)
}

func exec1(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// cliResult is what one run of a C++ program printed.
type cliResult struct {
	status int
	out    string
	err    string
}

func runCLI(t *testing.T, url, schema string, stdin string, args ...string) cliResult {
	t.Helper()
	full := append([]string{}, args...)
	full = append(full, "--database-url", url)
	if schema != "" {
		full = append(full, "--schema", schema)
	}
	return runProgram(t, programPath(t, "RIVERQUEUE_CLI"), stdin, full...)
}

func runProgram(t *testing.T, path, stdin string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	status := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		status = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", path, err)
	}
	return cliResult{status: status, out: out.String(), err: errOut.String()}
}

// cliJob is the job object the tool prints.
type cliJob struct {
	ID           int64           `json:"id"`
	Args         json.RawMessage `json:"args"`
	Attempt      int             `json:"attempt"`
	AttemptedAt  *time.Time      `json:"attempted_at"`
	AttemptedBy  []string        `json:"attempted_by"`
	CreatedAt    time.Time       `json:"created_at"`
	Errors       []cliError      `json:"errors"`
	FinalizedAt  *time.Time      `json:"finalized_at"`
	Kind         string          `json:"kind"`
	MaxAttempts  int             `json:"max_attempts"`
	Metadata     json.RawMessage `json:"metadata"`
	Priority     int             `json:"priority"`
	Queue        string          `json:"queue"`
	State        string          `json:"state"`
	ScheduledAt  time.Time       `json:"scheduled_at"`
	Tags         []string        `json:"tags"`
	UniqueKey    *string         `json:"unique_key"`
	UniqueStates []string        `json:"unique_states"`
}

type cliError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
	Trace   string    `json:"trace"`
}

type cliInsert struct {
	Job       cliJob `json:"job"`
	Duplicate bool   `json:"unique_skipped_as_duplicated"`
}

// cppInsert inserts one job with the riverqueue tool.
func cppInsert(t *testing.T, url, schema string, args ...string) cliInsert {
	t.Helper()
	result := runCLI(t, url, schema, "", append([]string{"insert"}, args...)...)
	if result.status != 0 {
		t.Fatalf("riverqueue insert %v: status %d: %s", args, result.status, result.err)
	}
	var inserted cliInsert
	if err := json.Unmarshal([]byte(result.out), &inserted); err != nil {
		t.Fatalf("decoding %q: %v", result.out, err)
	}
	return inserted
}

// cppInsertRolledBack inserts jobs (unique by args) in a C++ transaction that
// it then rolls back, and returns the ids the rows had inside it.
func cppInsertRolledBack(t *testing.T, url, schema, kind string, args ...string) []int64 {
	t.Helper()
	r := runProgram(t, programPath(t, "RIVERQUEUE_INTEROP_ROLLBACK"), "", append([]string{url, schema, kind}, args...)...)
	if r.status != 0 {
		t.Fatalf("interop_rolled_back_insert: status %d: %s", r.status, r.err)
	}
	var printed struct {
		IDs []int64 `json:"ids"`
	}
	if err := json.Unmarshal([]byte(r.out), &printed); err != nil || len(printed.IDs) != len(args) {
		t.Fatalf("interop_rolled_back_insert printed %q (%v)", r.out, err)
	}
	return printed.IDs
}

func riverMigrator(t *testing.T, pool *pgxpool.Pool, schema string) *rivermigrate.Migrator[pgx.Tx] {
	t.Helper()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return migrator
}

func riverInsertClient(t *testing.T, pool *pgxpool.Pool, schema string) *river.Client[pgx.Tx] {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// startRiverClient starts a River Go client with `config`, stopped when the test ends.
func startRiverClient(t *testing.T, pool *pgxpool.Pool, config *river.Config) *river.Client[pgx.Tx] {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), config)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(ctx)
	})
	return client
}
