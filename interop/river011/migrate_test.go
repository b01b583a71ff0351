package river011

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// River 0.11 has no schema setting (Config.Schema arrived later): its
// migrator, queries and notifications use unqualified names, resolved by the
// connection's search_path. A test isolates itself with a database of its
// own, or with a schema named in the connection's search_path
// (`?search_path=<schema>` in the URL, which pgx sends as a run-time parameter).

func databaseURL(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"DATABASE_URL", "RIVERQUEUE_TEST_DATABASE_URL"} {
		if url := os.Getenv(name); url != "" {
			return url
		}
	}
	t.Skip("no test database: set DATABASE_URL")
	return ""
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

func exec1(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), rand.Int63()%1_000_000_000)
}

// newDatabase creates a database for one test and returns its URL.
func newDatabase(t *testing.T, admin *pgxpool.Pool, baseURL string) string {
	t.Helper()
	name := uniqueName("river011_db")
	exec1(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") })
	config, err := pgx.ParseConfig(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgresql:///%s?host=%s&port=%d&user=%s", name, config.Host, config.Port, config.User)
}

// newSchema creates a schema for one test and returns it with a URL whose
// search_path names it alone.
func newSchema(t *testing.T, admin *pgxpool.Pool, baseURL string) (string, string) {
	t.Helper()
	name := uniqueName("river011")
	exec1(t, admin, "CREATE SCHEMA "+name)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE") })
	separator := "?"
	if strings.Contains(baseURL, "?") {
		separator = "&"
	}
	return name, baseURL + separator + "search_path=" + name
}

func riverMigrator(pool *pgxpool.Pool) *rivermigrate.Migrator[pgx.Tx] {
	return rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// dumpSchema is `pg_dump --schema-only` of one schema, its name replaced and
// its statements sorted, so that two dumps of equal definitions are equal.
func dumpSchema(t *testing.T, url, schema string) string {
	t.Helper()
	out, err := exec.Command("pg_dump", "--schema-only", "--no-owner", "--no-privileges", "--schema", schema, url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	var statements []string
	for _, statement := range strings.Split(string(out), ";\n") {
		var lines []string
		for _, line := range strings.Split(statement, "\n") {
			if strings.HasPrefix(line, "--") || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "\\") {
				continue
			}
			line = strings.ReplaceAll(line, schema, "SCHEMA")
			// River 0.11.4's version-2 trigger function (dropped by version 4)
			// spells a comment "notificiations"; later River, whose SQL we
			// follow, fixed it. Only that comment differs.
			line = strings.ReplaceAll(line, "notificiations", "notifications")
			lines = append(lines, line)
		}
		if len(lines) > 0 {
			statements = append(statements, strings.Join(lines, "\n"))
		}
	}
	sort.Strings(statements)
	return strings.Join(statements, ";\n")
}

func relationsIn(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		"SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"+
			" WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1", schema)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// River 0.11.4's migrator takes a fresh database or a search_path-selected
// schema to version 5, and River 0.11.4's client inserts into it.
func TestRiverMigratesToVersion5(t *testing.T) {
	base := databaseURL(t)
	admin := connect(t, base)
	ctx := context.Background()
	want := []string{"river_client", "river_client_queue", "river_job", "river_leader", "river_migration", "river_queue"}

	t.Run("database", func(t *testing.T) {
		pool := connect(t, newDatabase(t, admin, base))
		res, err := riverMigrator(pool).Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(res.Versions); n != 5 || res.Versions[n-1].Version != 5 {
			t.Fatalf("River 0.11.4 applied %v, want 1..5", res.Versions)
		}
		if got := relationsIn(t, pool, "public"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("tables %v", got)
		}
	})

	t.Run("search_path schema", func(t *testing.T) {
		schema, url := newSchema(t, admin, base)
		pool := connect(t, url)
		// What public held before (another test of the same database may
		// have migrated it): River must add nothing to it.
		publicBefore := strings.Join(relationsIn(t, admin, "public"), ",")
		if _, err := riverMigrator(pool).Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			t.Fatal(err)
		}
		if got := relationsIn(t, pool, schema); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("tables in %s: %v", schema, got)
		}
		if got := strings.Join(relationsIn(t, admin, "public"), ","); got != publicBefore {
			t.Fatalf("River wrote into public: %v (before: %v)", got, publicBefore)
		}
		client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Insert(ctx, noopArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
		if err != nil || res.UniqueSkippedAsDuplicate {
			t.Fatalf("insert: %v %v", res, err)
		}
		again, err := client.Insert(ctx, noopArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
		if err != nil || !again.UniqueSkippedAsDuplicate || again.Job.ID != res.Job.ID {
			t.Fatalf("second insert: %v %v", again, err)
		}
	})
}

type noopArgs struct{}

func (noopArgs) Kind() string { return "river011_noop" }

// Our migrator (the `riverqueue` tool, RIVERQUEUE_CLI) and River 0.11.4's
// leave identical schemas at every version up to 5, and each reads the
// other's as fully migrated.
func TestOurLayoutMatchesRiver011UpToVersion5(t *testing.T) {
	base := databaseURL(t)
	cli := os.Getenv("RIVERQUEUE_CLI")
	if cli == "" {
		t.Skip("RIVERQUEUE_CLI must name the built riverqueue tool")
	}
	admin := connect(t, base)
	ctx := context.Background()
	riverSchema, riverURL := newSchema(t, admin, base)
	ourSchema, ourURL := newSchema(t, admin, base)
	river := riverMigrator(connect(t, riverURL))
	onOurs := riverMigrator(connect(t, ourURL))
	runCLI := func(args ...string) string {
		t.Helper()
		args = append(args, "--database-url", base, "--schema", ourSchema)
		out, err := exec.Command(cli, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("riverqueue %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for version := 1; version <= 5; version++ {
		runCLI("migrate", "up", "--to", strconv.Itoa(version))
		if _, err := river.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: version}); err != nil {
			t.Fatalf("River's migrate up to %d: %v", version, err)
		}
		if ours, theirs := dumpSchema(t, base, ourSchema), dumpSchema(t, base, riverSchema); ours != theirs {
			t.Fatalf("version %d: schemas differ\nours:\n%s\n\nRiver 0.11.4's:\n%s", version, ours, theirs)
		}
		existing, err := onOurs.ExistingVersions(ctx)
		if err != nil || len(existing) != version || existing[version-1].Version != version {
			t.Fatalf("River 0.11.4 reads our schema at %d as %v (%v)", version, existing, err)
		}
	}
	// River 0.11.4 knows nothing past 5: it finds nothing to apply to ours.
	if res, err := onOurs.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil || len(res.Versions) != 0 {
		t.Fatalf("River 0.11.4 on our version-5 schema applied %v (%v)", res, err)
	}
	// Our tool reads River's version-5 schema as at 5.
	out, err := exec.Command(cli, "migrate", "list", "--database-url", base, "--schema", riverSchema).CombinedOutput()
	if err != nil {
		t.Fatalf("migrate list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.Atoi(fields[0])
		if applied := fields[1] == "applied"; applied != (v <= 5) {
			t.Fatalf("our reading of River's version-5 schema: %q", line)
		}
	}
}
