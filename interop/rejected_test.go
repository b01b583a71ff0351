package interop

import (
	"context"
	"strings"
	"testing"

	"github.com/riverqueue/river"
)

type textArgs struct {
	Text string `json:"text"`
}

func (textArgs) Kind() string { return "interop_text" }

// JSON that PostgreSQL's jsonb refuses: River's insert fails at the database,
// ours before sending (a validation error, exit status 2). Neither stores anything.
func TestJobsJsonbCannotStoreFailOnBothSides(t *testing.T) {
	url, admin, schema := migratedSchema(t)
	client := riverInsertClient(t, admin, schema)
	ctx := context.Background()
	cases := []struct {
		name     string
		goArgs   river.JobArgs
		goOpts   river.InsertOpts
		cppFlags []string
	}{
		// A Go string holding NUL encodes as \u0000.
		{"nul_in_args", textArgs{Text: "a\x00b"}, river.InsertOpts{},
			[]string{"--kind", "interop_text", "--args", `{"text":"a\u0000b"}`}},
		{"nul_in_metadata", textArgs{}, river.InsertOpts{Metadata: []byte(`{"m":"a\u0000b"}`)},
			[]string{"--kind", "interop_text", "--args", `{"text":""}`, "--metadata", `{"m":"a\u0000b"}`}},
		// Only args that encode themselves can carry a lone surrogate escape.
		{"lone_high_surrogate", rawArgs{"interop_text", `{"text":"\ud800x"}`}, river.InsertOpts{},
			[]string{"--kind", "interop_text", "--args", `{"text":"\ud800x"}`}},
		{"lone_low_surrogate", rawArgs{"interop_text", `{"text":"\udc00"}`}, river.InsertOpts{},
			[]string{"--kind", "interop_text", "--args", `{"text":"\udc00"}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := client.Insert(ctx, c.goArgs, &c.goOpts); err == nil || !strings.Contains(err.Error(), "SQLSTATE") {
				t.Fatalf("River's insert: %v, want PostgreSQL's refusal", err)
			}
			if r := runCLI(t, url, schema, "", append([]string{"insert"}, c.cppFlags...)...); r.status != 2 || !strings.Contains(r.err, "jsonb") {
				t.Fatalf("our insert: status %d, %q; want a validation error before sending", r.status, r.err)
			}
			var count int
			if err := admin.QueryRow(ctx, "SELECT count(*) FROM "+schema+".river_job").Scan(&count); err != nil || count != 0 {
				t.Fatalf("%d rows stored (%v)", count, err)
			}
		})
	}
}
