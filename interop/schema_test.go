package interop

import (
	"context"
	"os/exec"
	"slices"
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
	versions := []int{}
	for _, migration := range existing {
		versions = append(versions, migration.Version)
	}
	return versions
}

// ourVersions reads `riverqueue migrate list`: the versions it finds applied.
func ourVersions(t *testing.T, url, schema string) []int {
	t.Helper()
	r := runCLI(t, url, schema, "", "migrate", "list")
	if r.status != 0 {
		t.Fatalf("riverqueue migrate list: %s", r.err)
	}
	versions := []int{}
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) >= 2 && fields[1] == "applied" {
			version, err := strconv.Atoi(fields[0])
			if err != nil {
				t.Fatalf("migrate list line %q", line)
			}
			versions = append(versions, version)
		}
	}
	return versions
}

func upTo(version int) []int {
	versions := []int{}
	for v := 1; v <= version; v++ {
		versions = append(versions, v)
	}
	return versions
}

// migratorsAgree checks that each migrator reads the schema the other made as
// being at `version`, with nothing to apply up to it.
func migratorsAgree(t *testing.T, onOurs *rivermigrate.Migrator[pgx.Tx], riverURL, riverSchema string, version int) {
	t.Helper()
	ctx := context.Background()
	if got := riverVersions(t, onOurs); !slices.Equal(got, upTo(version)) {
		t.Fatalf("at version %d River reads our schema's versions as %v", version, got)
	}
	if got := ourVersions(t, riverURL, riverSchema); !slices.Equal(got, upTo(version)) {
		t.Fatalf("at version %d we read River's schema's versions as %v", version, got)
	}
	if version == 0 {
		return
	}
	validation, err := onOurs.Validate(ctx, &rivermigrate.ValidateOpts{TargetVersion: version})
	if err != nil || !validation.OK {
		t.Fatalf("River's validation of our schema at version %d: %v %v", version, validation, err)
	}
	result, err := onOurs.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: version})
	if err != nil || len(result.Versions) != 0 {
		t.Fatalf("River's migrator on our schema at version %d applied %v (err %v)", version, result, err)
	}
	r := runCLI(t, riverURL, riverSchema, "", "migrate", "up", "--to", strconv.Itoa(version))
	if r.status != 0 || !strings.Contains(r.out, "nothing to do") {
		t.Fatalf("our migrator on River's schema at version %d: %q %q", version, r.out, r.err)
	}
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
			river := riverMigrator(t, connect(t, riverURL), riverSchema)
			onOurs := riverMigrator(t, connect(t, ourURL), ourSchema)
			all := river.AllVersions()
			newest := all[len(all)-1].Version
			ourDump := func() string { return dumpSchema(t, ourURL, firstNonEmpty(ourSchema, "public")) }
			riverDump := func() string { return dumpSchema(t, riverURL, firstNonEmpty(riverSchema, "public")) }
			ctx := context.Background()

			for version := 1; version <= newest; version++ {
				if r := runCLI(t, ourURL, ourSchema, "", "migrate", "up", "--to", strconv.Itoa(version)); r.status != 0 {
					t.Fatalf("our migrate up --to %d: %s", version, r.err)
				}
				if _, err := river.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: version}); err != nil {
					t.Fatalf("River's migrate up to %d: %v", version, err)
				}
				if ours, theirs := ourDump(), riverDump(); ours != theirs {
					t.Fatalf("version %d: schemas differ\nours:\n%s\n\nRiver's:\n%s", version, ours, theirs)
				}
				migratorsAgree(t, onOurs, riverURL, riverSchema, version)
			}

			// Our newest version is River's: nothing is left for either to apply.
			if r := runCLI(t, ourURL, ourSchema, "", "migrate", "up"); r.status != 0 || !strings.Contains(r.out, "nothing to do") {
				t.Fatalf("our migrator at River's newest version %d: %q %q", newest, r.out, r.err)
			}
			if result, err := onOurs.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil || len(result.Versions) != 0 {
				t.Fatalf("River's migrator on our schema applied %v (err %v)", result, err)
			}
			if r := runCLI(t, riverURL, riverSchema, "", "migrate", "up"); r.status != 0 || !strings.Contains(r.out, "nothing to do") {
				t.Fatalf("our migrator on River's schema: %q %q", r.out, r.err)
			}

			// Down one version at a time, comparing at each step, to nothing.
			for version := newest - 1; version >= 0; version-- {
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
				migratorsAgree(t, onOurs, riverURL, riverSchema, version)
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
