package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// vectorFile is tests/unit/data/river_unique_key_vectors.json, which the C++
// unit test reads (tests/unit/unique_key_test.cpp).
type vectorFile struct {
	About        string       `json:"about"`
	RiverVersion string       `json:"river_version"`
	Cases        []vectorCase `json:"cases"`
}

// vectorCase is one job as a C++ caller describes it (kind, args as JSON
// text, queue, unique options, times) and what River stores for it.
type vectorCase struct {
	Name        string           `json:"name"`
	Kind        string           `json:"kind"`
	Args        string           `json:"args"` // JSON text, exactly as the C++ side is given it
	Queue       string           `json:"queue"`
	UniqueOpts  vectorUniqueOpts `json:"unique_opts"`
	ScheduledAt *string          `json:"scheduled_at"` // RFC 3339, or null: not scheduled
	Now         string           `json:"now"`          // RFC 3339: the clock River reads at insert
	// The key string River hashes. River never stores or exposes it, so the
	// generator checks it through its digest and cannot rewrite it.
	KeyString  string `json:"key_string"`
	SHA256     string `json:"sha256"`      // River's unique_key, in hex
	StatesMask int    `json:"states_mask"` // River's unique_states (bit(8)) as a number
}

type vectorUniqueOpts struct {
	ByArgs      bool     `json:"by_args"`
	ByArgsPaths []string `json:"by_args_paths"` // empty: all keys; else the `river:"unique"` paths
	ByPeriodNS  int64    `json:"by_period_ns"`
	ByQueue     bool     `json:"by_queue"`
	ByState     []string `json:"by_state"` // null: River's default states; [] is not null
	ExcludeKind bool     `json:"exclude_kind"`
}

const fileAbout = "Unique keys of River Go. Each case is a job as a C++ caller gives it (args as JSON text) " +
	"with the key string River builds, its SHA-256 (river_job.unique_key) and unique_states as a number. " +
	"sha256 and states_mask are what River's own client stored for the same job, args given as the Go value " +
	"whose encoding/json output is Go's encoding of the args: regenerate or check with interop/unique_vectors " +
	"(see docs/interop.md)."

func readVectorFile(path string) (*vectorFile, []byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	decoder := json.NewDecoder(bytes.NewReader(text))
	decoder.DisallowUnknownFields()
	var file vectorFile
	if err := decoder.Decode(&file); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if decoder.More() {
		return nil, nil, fmt.Errorf("%s: text after the top-level object", path)
	}
	if len(file.Cases) == 0 {
		return nil, nil, fmt.Errorf("%s: no cases", path)
	}
	seen := map[string]bool{}
	for _, c := range file.Cases {
		if c.Name == "" || seen[c.Name] {
			return nil, nil, fmt.Errorf("%s: case name %q empty or repeated", path, c.Name)
		}
		seen[c.Name] = true
	}
	return &file, text, nil
}

// encodeVectorFile is the file's one text form: two-space indentation,
// `<>&` kept as they are, a final newline.
func encodeVectorFile(file *vectorFile) ([]byte, error) {
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(file); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func parseTime(text string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, text)
}

// insertOpts are River's insert options for the case.
func (c *vectorCase) insertOpts() (*river.InsertOpts, error) {
	opts := &river.InsertOpts{
		Queue: c.Queue,
		UniqueOpts: river.UniqueOpts{
			ByArgs:      c.UniqueOpts.ByArgs,
			ByPeriod:    time.Duration(c.UniqueOpts.ByPeriodNS),
			ByQueue:     c.UniqueOpts.ByQueue,
			ExcludeKind: c.UniqueOpts.ExcludeKind,
		},
	}
	if c.UniqueOpts.ByState != nil {
		opts.UniqueOpts.ByState = []rivertype.JobState{}
		for _, name := range c.UniqueOpts.ByState {
			opts.UniqueOpts.ByState = append(opts.UniqueOpts.ByState, rivertype.JobState(name))
		}
	}
	if len(c.UniqueOpts.ByArgsPaths) > 0 && !c.UniqueOpts.ByArgs {
		return nil, errors.New("by_args_paths without by_args")
	}
	if c.ScheduledAt != nil {
		at, err := parseTime(*c.ScheduledAt)
		if err != nil {
			return nil, fmt.Errorf("scheduled_at: %w", err)
		}
		opts.ScheduledAt = at
	}
	return opts, nil
}
