package interop

import (
	"context"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivermigrate"
)

// dumpSchema returns `pg_dump --schema-only` of one schema with the schema's
// name replaced and the statements sorted, so that two dumps compare equal
// when they define the same objects.
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
			// Comments, blank lines, and pg_dump 15.x's random \restrict keys carry no definition.
			if strings.HasPrefix(line, "--") || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "\\") {
				continue
			}
			lines = append(lines, strings.ReplaceAll(line, schema, "SCHEMA"))
		}
		if len(lines) > 0 {
			statements = append(statements, strings.Join(lines, "\n"))
		}
	}
	sort.Strings(statements)
	return strings.Join(statements, ";\n")
}

func riverVersions(t *testing.T, migrator *rivermigrate.Migrator[pgx.Tx]) []int {
	t.Helper()
	existing, err := migrator.ExistingVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, migration := range existing {
		versions = append(versions, migration.Version)
	}
	return versions
}

func TestSchemaIsIdenticalToRiversMigrator(t *testing.T) {
	base := databaseURL(t)
	admin := connect(t, base)
	for _, setup := range []string{"named schema", "public schema"} {
		t.Run(setup, func(t *testing.T) {
			ourURL, riverURL := base, base
			ourSchema, riverSchema := "", ""
			if setup == "named schema" {
				ourSchema, riverSchema = newSchema(t, admin), newSchema(t, admin)
			} else {
				ourURL, riverURL = newDatabase(t, admin, base), newDatabase(t, admin, base)
			}
			riverPool := connect(t, riverURL)
			river := riverMigrator(t, riverPool, riverSchema)
			ourDump := func() string { return dumpSchema(t, ourURL, firstNonEmpty(ourSchema, "public")) }
			riverDump := func() string { return dumpSchema(t, riverURL, firstNonEmpty(riverSchema, "public")) }
			ctx := context.Background()

			for version := 1; version <= 8; version++ {
				if r := runCLI(t, ourURL, ourSchema, "", "migrate", "up", "--to", strconv.Itoa(version)); r.status != 0 {
					t.Fatalf("our migrate up --to %d: %s", version, r.err)
				}
				if _, err := river.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: version}); err != nil {
					t.Fatalf("River's migrate up to %d: %v", version, err)
				}
				if ours, theirs := ourDump(), riverDump(); ours != theirs {
					t.Fatalf("version %d: schemas differ\nours:\n%s\n\nRiver's:\n%s", version, ours, theirs)
				}
			}

			// River's migrator finds nothing to do on our schema, and ours on River's.
			onOurs := riverMigrator(t, connect(t, ourURL), ourSchema)
			result, err := onOurs.Migrate(ctx, rivermigrate.DirectionUp, nil)
			if err != nil || len(result.Versions) != 0 {
				t.Fatalf("River's migrator on our schema applied %v (err %v)", result, err)
			}
			if got := riverVersions(t, onOurs); len(got) != 8 || got[7] != 8 {
				t.Fatalf("River reads our versions as %v", got)
			}
			if r := runCLI(t, riverURL, riverSchema, "", "migrate", "up"); r.status != 0 || !strings.Contains(r.out, "nothing to do") {
				t.Fatalf("our migrator on River's schema: %q %q", r.out, r.err)
			}
			if r := runCLI(t, riverURL, riverSchema, "", "migrate", "list"); !strings.Contains(r.out, "8\tapplied") {
				t.Fatalf("our list of River's schema: %q", r.out)
			}

			// Down one version at a time, comparing at each step, to nothing.
			for version := 7; version >= 0; version-- {
				if r := runCLI(t, ourURL, ourSchema, "", "migrate", "down", "--to", strconv.Itoa(version)); r.status != 0 {
					t.Fatalf("our migrate down --to %d: %s", version, r.err)
				}
				target := version
				if target == 0 {
					target = -1 // River's spelling of "everything"
				}
				if _, err := river.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
					t.Fatalf("River's migrate down to %d: %v", version, err)
				}
				if ours, theirs := ourDump(), riverDump(); ours != theirs {
					t.Fatalf("down to %d: schemas differ\nours:\n%s\n\nRiver's:\n%s", version, ours, theirs)
				}
			}
			if leftover := ourDump(); strings.Contains(leftover, "river") {
				t.Fatalf("objects left after migrating down to 0:\n%s", leftover)
			}
		})
	}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
