// Command unique_vectors checks (default, -check) or rewrites (-write) the
// unique-key vectors of the C++ unit tests
// (tests/unit/data/river_unique_key_vectors.json) against River Go, pinned in
// interop/go.mod.
//
// Each case is inserted with River's own client (Client.InsertTx, the case's
// UniqueOpts, queue and scheduled_at) into a scratch schema migrated by
// rivermigrate, with River's clock (Config.Test.Time) set to the case's "now"
// and the args given as a Go value whose encoding/json output is Go's encoding
// of the case's args: a self-encoding value, or for a by_args subset a typed
// struct with `river:"unique"` tags (subset_args.go). The unique_key and
// unique_states River stored are read back from river_job, in the insert's
// transaction, which is then rolled back. An insert hook records the key and
// states River computed before sending the row; they must equal what was
// stored. When PostgreSQL refuses the row (jsonb cannot hold \u0000, SQLSTATE
// 22P05) the hook's values, River's own, are all there is.
//
// -check fails on any difference: sha256 or states_mask not River's, a
// key_string whose SHA-256 is not River's digest (River never exposes the
// string itself), a river_version other than the one built in, or a file not
// in the form -write writes. -write rewrites sha256, states_mask and
// river_version, and still fails when a key_string does not hash to River's
// digest, since that field can only be corrected by hand.
//
//	cd interop && DATABASE_URL=... go run ./unique_vectors [-write] [-file PATH]
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// caseClock is River's clock (Config.Test.Time): the case's "now", which River
// takes for created_at, for scheduled_at when none is given, and so for the
// by_period bound.
type caseClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *caseClock) set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

func (c *caseClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *caseClock) NowOrNil() *time.Time {
	now := c.Now()
	return &now
}

// keyRecorder is an insert hook: it records the unique key and states River
// computed for each job it is about to insert.
type keyRecorder struct {
	river.HookDefaults
	mu     sync.Mutex
	keys   [][]byte
	states []byte
}

func (r *keyRecorder) InsertBegin(_ context.Context, params *rivertype.JobInsertParams) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, slices.Clone(params.UniqueKey))
	r.states = append(r.states, params.UniqueStates)
	return nil
}

func (r *keyRecorder) take() ([][]byte, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys, states := r.keys, r.states
	r.keys, r.states = nil, nil
	return keys, states
}

// riverResult is what River made of one case.
type riverResult struct {
	sha256     string
	statesMask int
	fromHook   string // empty when read back from river_job; else why not
}

type generator struct {
	pool     *pgxpool.Pool
	schema   string
	client   *river.Client[pgx.Tx]
	clock    *caseClock
	recorder *keyRecorder
}

func main() {
	write := flag.Bool("write", false, "rewrite sha256, states_mask and river_version from River")
	check := flag.Bool("check", false, "compare the file with River and fail on any difference (the default)")
	path := flag.String("file", "../tests/unit/data/river_unique_key_vectors.json", "the vector file")
	flag.Parse()
	if *write && *check {
		fail(2, "-check and -write exclude each other")
	}
	if flag.NArg() != 0 {
		fail(2, "unexpected arguments: %v", flag.Args())
	}
	status, err := run(*path, *write)
	if err != nil {
		fail(2, "%v", err)
	}
	os.Exit(status)
}

func fail(status int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "unique_vectors: "+format+"\n", args...)
	os.Exit(status)
}

// riverVersion is the version of River built into this program (go.mod).
func riverVersion() (string, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("no build information: cannot tell River's version")
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/riverqueue/river" {
			if dep.Replace != nil {
				return "", fmt.Errorf("github.com/riverqueue/river is replaced by %s", dep.Replace.Path)
			}
			return dep.Version, nil
		}
	}
	return "", errors.New("github.com/riverqueue/river is not in the build information")
}

func databaseURL() (string, error) {
	for _, name := range []string{"DATABASE_URL", "RIVERQUEUE_TEST_DATABASE_URL"} {
		if url := os.Getenv(name); url != "" {
			return url, nil
		}
	}
	return "", errors.New("no database: set DATABASE_URL (ctest sets RIVERQUEUE_TEST_DATABASE_URL)")
}

func run(path string, write bool) (int, error) {
	version, err := riverVersion()
	if err != nil {
		return 0, err
	}
	file, text, err := readVectorFile(path)
	if err != nil {
		return 0, err
	}
	url, err := databaseURL()
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	gen, cleanup, err := newGenerator(ctx, url)
	if err != nil {
		return 0, err
	}
	defer cleanup()

	results := make([]riverResult, len(file.Cases))
	for i := range file.Cases {
		result, err := gen.insert(ctx, &file.Cases[i])
		if err != nil {
			return 0, fmt.Errorf("case %s: %w", file.Cases[i].Name, err)
		}
		results[i] = result
	}

	var problems []string
	var hookOnly []string
	for i := range file.Cases {
		c, r := &file.Cases[i], results[i]
		if r.fromHook != "" {
			hookOnly = append(hookOnly, c.Name+" ("+r.fromHook+")")
		}
		keyDigest := sha256.Sum256([]byte(c.KeyString))
		if hex.EncodeToString(keyDigest[:]) != r.sha256 {
			problems = append(problems, fmt.Sprintf("%s: key_string does not hash to River's digest %s (correct it by hand)", c.Name, r.sha256))
		}
		if write {
			c.SHA256, c.StatesMask = r.sha256, r.statesMask
			continue
		}
		if c.SHA256 != r.sha256 {
			problems = append(problems, fmt.Sprintf("%s: sha256 %s, River stores %s", c.Name, c.SHA256, r.sha256))
		}
		if c.StatesMask != r.statesMask {
			problems = append(problems, fmt.Sprintf("%s: states_mask %d, River stores %d", c.Name, c.StatesMask, r.statesMask))
		}
	}
	if write {
		file.About, file.RiverVersion = fileAbout, version
	} else {
		if file.RiverVersion != version {
			problems = append(problems, fmt.Sprintf("river_version %q, this program is built with River %s (run with -write)", file.RiverVersion, version))
		}
		if file.About != fileAbout {
			problems = append(problems, "about differs from the generator's text (run with -write)")
		}
	}
	canonical, err := encodeVectorFile(file)
	if err != nil {
		return 0, err
	}
	if write {
		if err := os.WriteFile(path, canonical, 0o644); err != nil {
			return 0, err
		}
	} else if string(canonical) != string(text) {
		problems = append(problems, "the file is not in the form -write writes (run with -write and review the diff)")
	}

	verb := "checked"
	if write {
		verb = "wrote"
	}
	fmt.Printf("unique_vectors: %s %d cases of %s against River %s: %d read back from river_job, %d from River's insert hook only\n",
		verb, len(file.Cases), path, version, len(file.Cases)-len(hookOnly), len(hookOnly))
	for _, name := range hookOnly {
		fmt.Printf("  hook only: %s\n", name)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Printf("  DIFFERENT: %s\n", p)
		}
		return 1, nil
	}
	fmt.Println("unique_vectors: every case agrees with River")
	return 0, nil
}

func newGenerator(ctx context.Context, url string) (*generator, func(), error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting: %w", err)
	}
	schema := fmt.Sprintf("unique_vectors_%d_%d", os.Getpid(), rand.Int63()%1_000_000_000)
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		pool.Close()
		return nil, nil, err
	}
	cleanup := func() {
		_, _ = pool.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		pool.Close()
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("rivermigrate: %w", err)
	}
	gen := &generator{pool: pool, schema: schema, clock: &caseClock{}, recorder: &keyRecorder{}}
	gen.client, err = river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: schema,
		Hooks:  []rivertype.Hook{gen.recorder},
		Test:   river.TestConfig{Time: gen.clock},
	})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return gen, cleanup, nil
}

// jobArgs is the Go value River is given for the case's args.
func jobArgs(c *vectorCase) (river.JobArgs, error) {
	encoded, err := goEncoding(c.Args)
	if err != nil {
		return nil, fmt.Errorf("args: %w", err)
	}
	typed, isSubset := subsetArgs[c.Name]
	if isSubset != (len(c.UniqueOpts.ByArgsPaths) > 0) {
		return nil, errors.New("by_args_paths needs a typed struct in subset_args.go, and only it")
	}
	if !isSubset {
		return rawArgs{kind: c.Kind, encoded: encoded}, nil
	}
	if typed.Kind() != c.Kind {
		return nil, fmt.Errorf("typed args have kind %q, the case %q", typed.Kind(), c.Kind)
	}
	marshaled, err := json.Marshal(typed)
	if err != nil {
		return nil, err
	}
	if string(marshaled) != string(encoded) {
		return nil, fmt.Errorf("typed args encode as %s, Go's encoding of the case's args is %s", marshaled, encoded)
	}
	return typed, nil
}

func (g *generator) insert(ctx context.Context, c *vectorCase) (riverResult, error) {
	args, err := jobArgs(c)
	if err != nil {
		return riverResult{}, err
	}
	opts, err := c.insertOpts()
	if err != nil {
		return riverResult{}, err
	}
	now, err := parseTime(c.Now)
	if err != nil {
		return riverResult{}, fmt.Errorf("now: %w", err)
	}
	g.clock.set(now)
	g.recorder.take()

	tx, err := g.pool.Begin(ctx)
	if err != nil {
		return riverResult{}, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	inserted, insertErr := g.client.InsertTx(ctx, tx, args, opts)
	keys, states := g.recorder.take()
	if len(keys) != 1 {
		return riverResult{}, fmt.Errorf("River reached the insert of %d jobs, not 1 (%v)", len(keys), insertErr)
	}
	result := riverResult{sha256: hex.EncodeToString(keys[0]), statesMask: int(states[0])}
	if len(keys[0]) != sha256.Size {
		return riverResult{}, fmt.Errorf("River computed no unique key (%x)", keys[0])
	}
	if insertErr != nil {
		var pgErr *pgconn.PgError
		if errors.As(insertErr, &pgErr) && pgErr.Code == "22P05" {
			result.fromHook = "PostgreSQL refuses the row: " + pgErr.Message
			return result, nil
		}
		return riverResult{}, insertErr
	}
	if inserted.UniqueSkippedAsDuplicate {
		return riverResult{}, errors.New("River reports a duplicate in an empty table")
	}

	var storedKey []byte
	var storedStates, kind, queue string
	err = tx.QueryRow(ctx,
		"SELECT unique_key, unique_states::text, kind, queue FROM "+g.schema+".river_job WHERE id = $1",
		inserted.Job.ID).Scan(&storedKey, &storedStates, &kind, &queue)
	if err != nil {
		return riverResult{}, fmt.Errorf("reading the row back: %w", err)
	}
	mask, err := strconv.ParseUint(storedStates, 2, 8)
	if err != nil || len(storedStates) != 8 {
		return riverResult{}, fmt.Errorf("unique_states %q is not bit(8)", storedStates)
	}
	switch {
	case hex.EncodeToString(storedKey) != result.sha256:
		return riverResult{}, fmt.Errorf("stored unique_key %x, River's hook saw %s", storedKey, result.sha256)
	case int(mask) != result.statesMask:
		return riverResult{}, fmt.Errorf("stored unique_states %s, River's hook saw %08b", storedStates, result.statesMask)
	case kind != c.Kind || queue != c.Queue:
		return riverResult{}, fmt.Errorf("stored kind %q and queue %q, the case has %q and %q", kind, queue, c.Kind, c.Queue)
	case hex.EncodeToString(inserted.Job.UniqueKey) != result.sha256:
		return riverResult{}, fmt.Errorf("River's JobRow has unique key %x, the row %s", inserted.Job.UniqueKey, result.sha256)
	}
	return result, nil
}
