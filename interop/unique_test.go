package interop

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// rawArgs are job args whose JSON is given as text: River encodes them with
// encoding/json (compacted, HTML-escaped), as it would a struct with the same
// values. All their keys count for by_args.
type rawArgs struct {
	kind string
	raw  string
}

func (a rawArgs) Kind() string                 { return a.kind }
func (a rawArgs) MarshalJSON() ([]byte, error) { return []byte(a.raw), nil }

// Typed args whose `river:"unique"` tags select the fields that count.
type customerRef struct {
	ID   int64  `json:"id" river:"unique"`
	Name string `json:"name"`
}
type subsetArgs struct {
	Customer customerRef `json:"customer"`
	Label    string      `json:"label,omitempty" river:"unique"`
	Other    int         `json:"other"`
}

func (subsetArgs) Kind() string { return "interop_subset" }

type dottedArgs struct {
	AccountID string `json:"account.id" river:"unique"`
	PathKey   string `json:"path/key" river:"unique"`
	Ignored   int    `json:"ignored"`
}

func (dottedArgs) Kind() string { return "interop_dotted" }

type optionalArgs struct {
	A *int `json:"a,omitempty" river:"unique"`
	B int  `json:"b"`
}

func (optionalArgs) Kind() string { return "interop_optional" }

type uniqueCase struct {
	name        string
	goArgs      river.JobArgs
	cppArgs     string   // the JSON a C++ caller passes for the same value
	cppPaths    []string // by_args subset as the C++ caller names it
	queue       string
	scheduledAt *time.Time
	opts        river.UniqueOpts
}

func at(text string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		panic(err)
	}
	return &t
}

var required = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled}

func uniqueCases() []uniqueCase {
	byArgs := river.UniqueOpts{ByArgs: true}
	raw := func(kind, goJSON string) river.JobArgs { return rawArgs{kind, goJSON} }
	cases := []uniqueCase{
		{name: "empty_object", goArgs: raw("u_empty", `{}`), cppArgs: `{}`, opts: byArgs},
		{name: "key_order", goArgs: raw("u_order", `{"a":2,"b":1}`), cppArgs: `{"b":1,"a":2}`, opts: byArgs},
		{name: "whitespace", goArgs: raw("u_space", `{"a":[1,2],"b":{"c":"d"}}`), cppArgs: "{\n  \"b\" : { \"c\" : \"d\" },\n\t\"a\" : [ 1 , 2 ]\n}", opts: byArgs},
		{name: "html_characters", goArgs: raw("u_html", `{"s":"<b>&amp;</b>"}`), cppArgs: `{"s":"<b>&amp;</b>"}`, opts: byArgs},
		{name: "html_escapes_in_input", goArgs: raw("u_html2", `{"s":"<>&"}`), cppArgs: `{"s":"\u003c\u003e\u0026"}`, opts: byArgs},
		{name: "line_separators", goArgs: raw("u_ls", `{"s":"a\u2028b\u2029c"}`), cppArgs: `{"s":"a\u2028b\u2029c"}`, opts: byArgs},
		{name: "short_escapes", goArgs: raw("u_esc", `{"s":"\b\f\n\r\t"}`), cppArgs: `{"s":"\b\f\n\r\t"}`, opts: byArgs},
		{name: "control_characters", goArgs: raw("u_ctl", `{"s":"\u0001\u001f`+"\x7f"+`"}`), cppArgs: `{"s":"\u0001\u001F\u007f"}`, opts: byArgs},
		{name: "non_ascii", goArgs: raw("u_utf8", `{"s":"héllo ✓ 😀"}`), cppArgs: `{"s":"h\u00e9llo \u2713 \ud83d\ude00"}`, opts: byArgs},
		{name: "quotes_backslashes", goArgs: raw("u_quote", `{"s":"say \"hi\" \\ bye"}`), cppArgs: `{"s":"say \"hi\" \\ bye"}`, opts: byArgs},
		{name: "slash", goArgs: raw("u_slash", `{"s":"a/b"}`), cppArgs: `{"s":"a\/b"}`, opts: byArgs},
		{name: "member_names", goArgs: raw("u_names", `{"a\u003cb":1,"é\u0026":2,"a\"b":3}`), cppArgs: `{"a\"b":3,"\u00e9&":2,"a<b":1}`, opts: byArgs},
		{name: "large_integers", goArgs: raw("u_ints", `{"big":18446744073709551615,"min":-9223372036854775808,"max":9223372036854775807}`), cppArgs: `{"max":9223372036854775807,"min":-9223372036854775808,"big":18446744073709551615}`, opts: byArgs},
		{name: "floats", goArgs: raw("u_floats", `{"a":0.1,"b":1,"c":1e+21,"d":1e-7,"e":-0,"f":123456.789}`), cppArgs: `{"a":0.10,"b":1.0,"c":1e21,"d":1E-7,"e":-0.0,"f":1.23456789e5}`, opts: byArgs},
		{name: "float_digits", goArgs: raw("u_floats2", `{"x":999999999999999900000,"y":1.5e-10}`), cppArgs: `{"x":9.999999999999999e20,"y":15e-11}`, opts: byArgs},
		{name: "nested_order_kept", goArgs: raw("u_nested", `{"n":{"z":1,"a":{"y":2,"b":3}},"l":[{"k":"v"},[],{}]}`), cppArgs: `{"l":[{"k":"v"},[],{}],"n":{"z":1,"a":{"y":2,"b":3}}}`, opts: byArgs},
		{name: "literals", goArgs: raw("u_lit", `{"f":false,"n":null,"t":true}`), cppArgs: `{"t":true,"f":false,"n":null}`, opts: byArgs},
		{name: "subset_present", goArgs: subsetArgs{Customer: customerRef{ID: 7, Name: "n"}, Label: "l", Other: 1}, cppArgs: `{"customer":{"id":7,"name":"n"},"label":"l","other":1}`, cppPaths: []string{"customer.id", "label"}, opts: byArgs},
		{name: "subset_some_absent", goArgs: subsetArgs{Customer: customerRef{ID: 8}, Other: 2}, cppArgs: `{"customer":{"id":8,"name":""},"other":2}`, cppPaths: []string{"label", "customer.id"}, opts: byArgs},
		{name: "subset_escaped_names", goArgs: dottedArgs{AccountID: "acct", PathKey: "p", Ignored: 1}, cppArgs: `{"account.id":"acct","path/key":"p","ignored":1}`, cppPaths: []string{`account\.id`, "path/key"}, opts: byArgs},
		{name: "subset_none_present_is_empty", goArgs: optionalArgs{B: 3}, cppArgs: `{"b":3}`, cppPaths: []string{"a"}, opts: byArgs},
		{name: "by_queue", goArgs: raw("u_queue", `{"a":1}`), cppArgs: `{"a":1}`, queue: "queue_one", opts: river.UniqueOpts{ByQueue: true}},
		{name: "by_queue_and_args", goArgs: raw("u_qa", `{"a":1}`), cppArgs: `{"a":1}`, queue: "queue_two", opts: river.UniqueOpts{ByArgs: true, ByQueue: true}},
		{name: "exclude_kind_args", goArgs: raw("u_ek", `{"id":1}`), cppArgs: `{"id":1}`, opts: river.UniqueOpts{ByArgs: true, ExcludeKind: true}},
		{name: "exclude_kind_queue", goArgs: raw("u_ek2", `{}`), cppArgs: `{}`, queue: "excluded", opts: river.UniqueOpts{ByQueue: true, ExcludeKind: true}},
		{name: "period_day_now", goArgs: raw("u_day", `{}`), cppArgs: `{}`, opts: river.UniqueOpts{ByPeriod: 24 * time.Hour}},
		{name: "period_week_scheduled", goArgs: raw("u_week", `{}`), cppArgs: `{}`, scheduledAt: at("2031-01-02T03:04:05.678Z"), opts: river.UniqueOpts{ByPeriod: 7 * 24 * time.Hour}},
		{name: "period_7s_scheduled", goArgs: raw("u_7s", `{}`), cppArgs: `{}`, scheduledAt: at("2031-05-06T07:08:09.5Z"), opts: river.UniqueOpts{ByPeriod: 7 * time.Second}},
		{name: "period_11min_scheduled", goArgs: raw("u_11m", `{}`), cppArgs: `{}`, scheduledAt: at("2031-05-06T07:08:09Z"), opts: river.UniqueOpts{ByPeriod: 11 * time.Minute}},
		{name: "period_hour_non_utc", goArgs: raw("u_tz", `{}`), cppArgs: `{}`, scheduledAt: at("2031-05-06T12:38:09+05:30"), opts: river.UniqueOpts{ByPeriod: time.Hour}},
		{name: "period_and_args", goArgs: raw("u_pa", `{"x":"y"}`), cppArgs: `{"x":"y"}`, scheduledAt: at("2031-05-06T07:08:09Z"), opts: river.UniqueOpts{ByArgs: true, ByPeriod: 90 * time.Minute}},
		{name: "by_state_required", goArgs: raw("u_s1", `{}`), cppArgs: `{}`, opts: river.UniqueOpts{ByQueue: true, ByState: required}},
		{name: "by_state_with_completed", goArgs: raw("u_s2", `{}`), cppArgs: `{}`, opts: river.UniqueOpts{ByQueue: true, ByState: append(append([]rivertype.JobState{}, required...), rivertype.JobStateCompleted)}},
		{name: "by_state_all", goArgs: raw("u_s3", `{}`), cppArgs: `{}`, opts: river.UniqueOpts{ByQueue: true, ByState: rivertype.JobStates()}},
		{name: "by_state_alone", goArgs: raw("u_s4", `{"a":1}`), cppArgs: `{"a":1}`, opts: river.UniqueOpts{ByState: required}},
		{name: "all_dimensions", goArgs: raw("u_all", `{"id":42}`), cppArgs: `{"id":42}`, queue: "all_dims", scheduledAt: at("2031-01-02T05:21:05.6789Z"), opts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute, ByQueue: true, ByState: append(append([]rivertype.JobState{}, required...), rivertype.JobStateRetryable)}},
		{name: "pending_job", goArgs: raw("u_pend", `{"p":1}`), cppArgs: `{"p":1}`, opts: byArgs},
		{name: "long_kind", goArgs: raw(strings.Repeat("k", 127), `{}`), cppArgs: `{}`, opts: byArgs},
		{name: "unicode_kind_and_values", goArgs: raw("kind_é", `{"é":"ü"}`), cppArgs: `{"\u00e9":"\u00fc"}`, opts: byArgs},
		// Top-level names River's unique-key code once read as paths (empty,
		// numeric, non-ASCII) beside a negative zero: River Go v0.51.2 takes
		// each name literally.
		{name: "literal_top_level_names", goArgs: raw("u_names2", `{"2":2,"10":10,"zero":-0,"😀":1,"":2}`), cppArgs: `{"":2,"😀":1,"10":10,"zero":-0,"2":2}`, opts: byArgs},
		{name: "array_values", goArgs: raw("u_arr", `{"a":[1,"two",{"three":3},[4]]}`), cppArgs: `{"a":[1,"two",{"three":3},[4]]}`, opts: byArgs},
		// Dates at and past the ends of 64-bit nanoseconds since 1970, which
		// River Go stores and hashes: the same key, and scheduled_at read back equal.
		{name: "period_day_year_1", goArgs: raw("u_y1", `{}`), cppArgs: `{}`, scheduledAt: at("0001-01-01T05:00:00Z"), opts: river.UniqueOpts{ByPeriod: 24 * time.Hour}},
		{name: "period_hour_year_1500", goArgs: raw("u_y1500", `{}`), cppArgs: `{}`, scheduledAt: at("1500-06-15T12:34:56Z"), opts: river.UniqueOpts{ByPeriod: time.Hour}},
		{name: "period_hour_2262_past_nanos", goArgs: raw("u_y2262", `{}`), cppArgs: `{}`, scheduledAt: at("2262-04-11T23:47:17Z"), opts: river.UniqueOpts{ByPeriod: time.Hour}},
		{name: "period_week_year_2300", goArgs: raw("u_y2300", `{}`), cppArgs: `{}`, scheduledAt: at("2300-01-01T12:00:00Z"), opts: river.UniqueOpts{ByPeriod: 7 * 24 * time.Hour}},
		{name: "period_hour_year_9999", goArgs: raw("u_y9999", `{"n":1}`), cppArgs: `{"n":1}`, scheduledAt: at("9999-12-31T23:59:59Z"), opts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}},
	}
	return cases
}

// cppUniqueFlags spells a case's options as riverqueue tool flags.
func cppUniqueFlags(c uniqueCase) []string {
	kind := c.goArgs.Kind()
	flags := []string{"--kind", kind, "--args", c.cppArgs}
	if c.queue != "" {
		flags = append(flags, "--queue", c.queue)
	}
	if c.scheduledAt != nil {
		flags = append(flags, "--scheduled-at", c.scheduledAt.Format(time.RFC3339Nano))
	}
	if c.name == "pending_job" {
		flags = append(flags, "--pending")
	}
	if c.opts.ByArgs {
		if len(c.cppPaths) > 0 {
			flags = append(flags, "--unique-by-args="+strings.Join(c.cppPaths, ","))
		} else {
			flags = append(flags, "--unique-by-args")
		}
	}
	if c.opts.ByPeriod != 0 {
		flags = append(flags, "--unique-by-period", strconv.FormatFloat(c.opts.ByPeriod.Seconds(), 'f', -1, 64))
	}
	if c.opts.ByQueue {
		flags = append(flags, "--unique-by-queue")
	}
	if c.opts.ByState != nil {
		var names []string
		for _, state := range c.opts.ByState {
			names = append(names, string(state))
		}
		flags = append(flags, "--unique-by-state", strings.Join(names, ","))
	}
	if c.opts.ExcludeKind {
		flags = append(flags, "--unique-exclude-kind")
	}
	return flags
}

func goInsertOpts(c uniqueCase) *river.InsertOpts {
	opts := &river.InsertOpts{Queue: c.queue, UniqueOpts: c.opts, Pending: c.name == "pending_job"}
	if c.scheduledAt != nil {
		opts.ScheduledAt = *c.scheduledAt
	}
	return opts
}

type storedKey struct {
	key    string
	states string
}

func readKey(t *testing.T, url, schema string, id int64) storedKey {
	t.Helper()
	pool := connect(t, url)
	var key []byte
	var states string
	err := pool.QueryRow(context.Background(),
		fmt.Sprintf("SELECT unique_key, unique_states::text FROM %s.river_job WHERE id = $1", schema), id).Scan(&key, &states)
	if err != nil {
		t.Fatal(err)
	}
	return storedKey{hex.EncodeToString(key), states}
}

func TestUniqueKeysAgreeWithRiverGoBothWays(t *testing.T) {
	url, admin, schema := migratedSchema(t)
	client := riverInsertClient(t, admin, schema)
	ctx := context.Background()
	clear := func() { exec1(t, admin, "DELETE FROM "+schema+".river_job") }
	cases := uniqueCases()
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// River Go first, then C++: C++ gets River's row back as a duplicate.
			clear()
			goFirst, err := client.Insert(ctx, c.goArgs, goInsertOpts(c))
			if err != nil {
				t.Fatalf("River insert: %v", err)
			}
			cpp := cppInsert(t, url, schema, cppUniqueFlags(c)...)
			if !cpp.Duplicate || cpp.Job.ID != goFirst.Job.ID {
				t.Fatalf("C++ after Go: duplicate=%v id=%d, want the Go row %d; Go key %x, C++ key %v",
					cpp.Duplicate, cpp.Job.ID, goFirst.Job.ID, goFirst.Job.UniqueKey, *cpp.Job.UniqueKey)
			}
			if !cpp.Job.ScheduledAt.Equal(goFirst.Job.ScheduledAt) {
				t.Fatalf("scheduled_at: C++ read %v, River Go stored %v", cpp.Job.ScheduledAt, goFirst.Job.ScheduledAt)
			}
			goKey := readKey(t, url, schema, goFirst.Job.ID)

			// C++ first, then River Go: River reports a duplicate of the C++ row.
			clear()
			cppFirst := cppInsert(t, url, schema, cppUniqueFlags(c)...)
			if cppFirst.Duplicate {
				t.Fatal("C++ insert into an empty table reported a duplicate")
			}
			goSecond, err := client.Insert(ctx, c.goArgs, goInsertOpts(c))
			if err != nil {
				t.Fatalf("River insert: %v", err)
			}
			if !goSecond.UniqueSkippedAsDuplicate || goSecond.Job.ID != cppFirst.Job.ID {
				t.Fatalf("Go after C++: duplicate=%v id=%d, want the C++ row %d", goSecond.UniqueSkippedAsDuplicate, goSecond.Job.ID, cppFirst.Job.ID)
			}
			if c.scheduledAt != nil && (!goSecond.Job.ScheduledAt.Equal(*c.scheduledAt) || !cppFirst.Job.ScheduledAt.Equal(*c.scheduledAt)) {
				t.Fatalf("scheduled_at: River Go read %v, C++ printed %v, want %v", goSecond.Job.ScheduledAt, cppFirst.Job.ScheduledAt, *c.scheduledAt)
			}
			if cppKey := readKey(t, url, schema, cppFirst.Job.ID); cppKey != goKey {
				t.Fatalf("stored unique_key/unique_states differ: Go %+v, C++ %+v", goKey, cppKey)
			}
		})
	}
}

func TestDifferentOptionsDoNotCollide(t *testing.T) {
	url, admin, schema := migratedSchema(t)
	client := riverInsertClient(t, admin, schema)
	ctx := context.Background()
	type variant struct {
		name string
		go_  uniqueCase
		cpp  uniqueCase
	}
	base := uniqueCase{goArgs: rawArgs{"u_differ", `{"a":1}`}, cppArgs: `{"a":1}`, queue: "q_a", opts: river.UniqueOpts{ByArgs: true, ByQueue: true}}
	otherArgs := base
	otherArgs.cppArgs = `{"a":2}`
	otherQueue := base
	otherQueue.queue = "q_b"
	otherKind := base
	otherKind.goArgs = rawArgs{"u_differ_2", `{"a":1}`}
	period := uniqueCase{goArgs: rawArgs{"u_differ_p", `{}`}, cppArgs: `{}`, scheduledAt: at("2031-01-01T00:59:59Z"), opts: river.UniqueOpts{ByPeriod: time.Hour}}
	nextPeriod := period
	nextPeriod.scheduledAt = at("2031-01-01T01:00:00Z")
	for _, v := range []variant{{"args", base, otherArgs}, {"queue", base, otherQueue}, {"kind", base, otherKind}, {"period", period, nextPeriod}} {
		t.Run(v.name, func(t *testing.T) {
			exec1(t, admin, "DELETE FROM "+schema+".river_job")
			goRow, err := client.Insert(ctx, v.go_.goArgs, goInsertOpts(v.go_))
			if err != nil {
				t.Fatal(err)
			}
			cpp := cppInsert(t, url, schema, cppUniqueFlags(v.cpp)...)
			if cpp.Duplicate || cpp.Job.ID == goRow.Job.ID {
				t.Fatalf("jobs differing in %s collided", v.name)
			}
		})
	}
}

// With ExcludeKind, jobs of different kinds share a key: a C++ job of another
// kind is a duplicate of River's row.
func TestExcludeKindCollidesAcrossKinds(t *testing.T) {
	url, admin, schema := migratedSchema(t)
	client := riverInsertClient(t, admin, schema)
	goRow, err := client.Insert(context.Background(), rawArgs{"u_kind_one", `{"id":5}`},
		&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ExcludeKind: true}})
	if err != nil {
		t.Fatal(err)
	}
	cpp := cppInsert(t, url, schema, "--kind", "u_kind_two", "--args", `{"id":5}`, "--unique-by-args", "--unique-exclude-kind")
	if !cpp.Duplicate || cpp.Job.ID != goRow.Job.ID || cpp.Job.Kind != "u_kind_one" {
		t.Fatalf("C++ job of another kind: duplicate=%v id=%d kind=%s, want River's row %d", cpp.Duplicate, cpp.Job.ID, cpp.Job.Kind, goRow.Job.ID)
	}
}
