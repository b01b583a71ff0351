// Unique jobs and inserts for River schemas up to version 5 (River 0.10 and
// 0.11), without I/O.
//
// Before schema version 6 River had no `unique_states` column. River 0.11
// builds a key string from the unique options (no kind in it, but always the
// state set), and then either
//   * the fast path (by_state unset or equal to the default set, and a schema
//     with `river_job.unique_key`, version 5): `unique_key` = SHA-256 of the
//     key string, inserted with ON CONFLICT (kind, unique_key); or
//   * the advisory path: in a transaction, pg_advisory_xact_lock(lock key),
//     look for an existing row matching the options, return it as a duplicate
//     or insert the job as a plain job.
// A job whose own state is not in the state set is inserted as a plain job.
//
// Everything here follows River v0.11.4 (internal/dbunique and the riverpgxv5
// driver's queries); tests/unit/legacy_unique_test.cpp holds vectors produced
// by River itself (interop/river011).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_state.hpp>
#include <riverqueue/unique_opts.hpp>

#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"

namespace riverqueue::core {

// The oldest schema with `river_job` and the first with `river_job.unique_key`
// (and the `(line, version)` layout of `river_migration`).
inline constexpr int legacy_oldest_insertable_version = 2;
inline constexpr int legacy_unique_key_version = 5;
// The newest version these functions serve; from 6 on, core/insert_sql.hpp.
inline constexpr int legacy_newest_version = 5;

// River 0.10/0.11's default unique states, in name order (the order of the key
// string): every state but cancelled and discarded.
inline constexpr std::array<job_state, 6> legacy_default_unique_states = {
    job_state::available, job_state::completed, job_state::pending,
    job_state::retryable, job_state::running,   job_state::scheduled,
};

// ---------------------------------------------------------------------------
// Keys

// River 0.11's UniqueOpts.IsEmpty negated: by_args, by_period, by_queue or a
// by_state (even an empty one) is set. exclude_kind has no River 0.11
// equivalent (see validate_legacy_insert).
bool legacy_is_unique(const unique_opts& opts) noexcept;

// The state set of the key and of the lookup: a non-empty by_state sorted by
// name (duplicates kept, as River keeps them), else the default set.
std::vector<job_state> legacy_unique_state_set(const unique_opts& opts);

// The period's lower bound: `now` rounded down to a multiple of by_period
// counted from Go's zero time. by_period must be non-zero.
time_point legacy_period_lower_bound(time_point now, std::chrono::nanoseconds by_period);

// Go's time.RFC3339 of `t` seen at a fixed offset from UTC: `...Z` for offset
// 0, else `...+05:30`; fraction dropped. River 0.11 formats the period's
// lower bound in the Go process's local zone (its clock is time.Now(), not
// UTC), so only Go processes running at the same offset agree on keys; 0 is
// TZ=UTC.
std::string legacy_period_text(time_point t, std::chrono::seconds utc_offset);

// Inputs of a River 0.11 unique insert, all explicit.
struct legacy_unique_input {
    std::string_view kind;
    // The args text exactly as it is sent to the database: River 0.11 hashes
    // the bytes json.Marshal produced for the args struct, as they are.
    std::string_view encoded_args;
    std::string_view queue;
    job_state state = job_state::available;  // the state the job is inserted in
    time_point now{};                        // the inserting process's clock
    // Offset of the Go fleet's local zone at `now` (see legacy_period_text).
    std::chrono::seconds period_utc_offset{0};
};

// `&args=<encoded args>` (by_args), `&period=<lower bound>` (by_period),
// `&queue=<queue>` (by_queue), then always `&state=<state set, comma-joined>`.
// std::nullopt when the job's own state is not in the state set: River then
// inserts it as a plain job. The options must be unique (legacy_is_unique).
std::optional<std::string> legacy_unique_key_string(const legacy_unique_input& input, const unique_opts& opts);

// FNV-1 (not FNV-1a) hashes, as Go's hash/fnv New32 and New64.
std::uint32_t fnv1_32(std::string_view bytes) noexcept;
std::uint64_t fnv1_64(std::string_view bytes) noexcept;

// River's advisory lock key over `bytes`: with prefix 0 the 64-bit FNV-1 hash;
// otherwise (uint64(uint32(prefix)) << 32) | fnv1_32(bytes). Reinterpreted as
// a signed 64-bit integer, as pg_advisory_xact_lock(bigint) takes it.
std::int64_t advisory_lock_key(std::int32_t prefix, std::string_view bytes) noexcept;

// The lock of a unique insert: River hashes `unique_key`, `kind=<kind>`, then
// the key string, back to back.
std::int64_t legacy_unique_lock_key(std::int32_t prefix, std::string_view kind, std::string_view key_string);

// True when River 0.11 takes the fast path: by_state unset or, sorted, equal
// to the default set (an empty by_state is not), and the schema has
// `unique_key` (version 5).
bool legacy_fast_path(const unique_opts& opts, int schema_version);

enum class legacy_insert_path {
    plain,     // not unique, or the job's state is outside the state set
    fast,      // build_legacy_fast_unique_insert with `unique_key`
    advisory,  // lock, lookup, then build_legacy_insert
};

// What JobGetByKindAndUniqueProperties is given: the kind always, the rest as
// configured; `states` always (the state set).
struct legacy_unique_lookup {
    std::string kind;
    std::optional<std::string> args;  // compared as jsonb
    std::optional<time_point> created_at_begin;  // [begin, end)
    std::optional<time_point> created_at_end;
    std::optional<std::string> queue;
    std::vector<std::string> states;
};

struct legacy_unique_plan {
    legacy_insert_path path = legacy_insert_path::plain;
    std::string key_string;                    // fast and advisory
    std::array<std::uint8_t, 32> unique_key{};  // fast: SHA-256 of key_string
    std::int64_t lock_key = 0;                 // advisory
    legacy_unique_lookup lookup;               // advisory
};

// The whole decision for one job. `opts` std::nullopt or not unique: plain.
// Call validate_legacy_insert first.
legacy_unique_plan plan_legacy_unique(const legacy_unique_input& input, const std::optional<unique_opts>& opts,
                                      int schema_version, std::int32_t advisory_lock_prefix);

// ---------------------------------------------------------------------------
// Validation

// Throws validation_error for what a schema of `schema_version` (2..5), or
// River 0.11's unique scheme, cannot store or express, rather than dropping it:
//   * `pending`: the state exists from version 4 on;
//   * unique_opts.exclude_kind: River 0.11 always makes the kind part of
//     uniqueness;
//   * unique_opts.by_args naming a subset of keys: River 0.11 compares all args.
// Throws riverqueue::error for a version outside 2..5.
void validate_legacy_insert(const resolved_job& job, const std::optional<unique_opts>& opts, int schema_version);

// ---------------------------------------------------------------------------
// Schema version


// The schema version from the two results: 0 without a table or rows.
// Throws riverqueue::error for a table without `line` that claims version 5 or
// later (version 5 adds the column).
int interpret_schema_version(bool table_exists, bool has_line, std::optional<std::int64_t> max_version);

// ---------------------------------------------------------------------------
// Statements. Each row-returning one returns job_columns() order, columns the
// version lacks as typed NULLs (`unique_key` before 5, `unique_states` always),
// then a boolean duplicate flag, so core/row_decoder.hpp reads them all.

// job_columns(table) for a schema of `schema_version` (2..5).
// `format` as job_columns().
std::string legacy_job_columns(std::string_view table, int schema_version,
                               driver::result_format format = driver::result_format::binary);

// Version 5 fast path for one job, River 0.11's JobInsertUnique: insert with
// `unique_key`, ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL
// DO UPDATE SET kind = EXCLUDED.kind, returning the row and the duplicate flag.
sql_statement build_legacy_fast_unique_insert(std::string_view schema, const resolved_job& job,
                                                 const std::array<std::uint8_t, 32>& unique_key,
                                                 duplicate_detection detection,
                                                 driver::result_format format = driver::result_format::binary);

// `SELECT pg_advisory_xact_lock($1)`: run inside the transaction (or
// savepoint) that then looks up and inserts.
sql_statement build_legacy_advisory_lock(std::int64_t lock_key);

// River 0.11's JobGetByKindAndUniqueProperties: the first row (if any) of
// `kind` and, as configured, equal args (jsonb), created_at in [begin, end),
// equal queue, state in the set; duplicate flag true.
sql_statement build_legacy_unique_lookup(std::string_view schema, const legacy_unique_lookup& lookup,
                                            int schema_version,
                                            driver::result_format format = driver::result_format::binary);

// Plain insert of `jobs` for a schema of version 2..5, naming only columns
// that exist at that version (never unique_key nor unique_states); duplicate
// flag false. Call validate_legacy_insert for each job first.
sql_statement build_legacy_insert(std::string_view schema, std::span<const resolved_job* const> jobs,
                                     int schema_version,
                                     driver::result_format format = driver::result_format::binary);

}  // namespace riverqueue::core
