// Inserts into River schemas up to version 5, as operations
// (core/legacy_unique.hpp builds the statements).
//
// Jobs go in as River 0.11.4 inserts them:
//   * plain jobs (and unique jobs whose state is outside their state set):
//     an insert naming only the columns the version has;
//   * unique jobs on the fast path (version 5, default state set): one insert
//     with `unique_key`, ON CONFLICT (kind, unique_key);
//   * unique jobs on the advisory path: pg_advisory_xact_lock, look for an
//     existing row, return it as a duplicate or insert. This needs a
//     transaction: the caller's (wrapped in a savepoint for a single job, as
//     River 0.11 does) or the client's own.
// Batches, which River 0.11 refuses to make unique, deduplicate correctly: all
// of a chunk's advisory locks are taken first, in ascending key order, in one
// statement (so that two batches cannot deadlock on each other's locks), then
// each job runs through its path in input order, so a later job of the batch
// sees the earlier ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

// Reads the schema's River version (core/legacy_unique.hpp's probe, two
// statements, read only): 0 when there is no `river_migration` table or no
// version recorded in it; schema_version_unreadable when the role may not read
// `river_migration` (insufficient_privilege), which the client takes for a
// current schema, as before it read versions. Inside a transaction the probe
// runs in a savepoint, so that a refused statement leaves the transaction
// usable.
inline constexpr int schema_version_unreadable = -2;
op<int> probe_schema_version(session_facts facts, std::string_view schema);

// Whether a schema of this version is inserted into through this file.
inline bool legacy_schema(int schema_version) noexcept { return schema_version >= 2 && schema_version <= 5; }

struct legacy_target {
    std::string schema;
    int schema_version = 5;  // 2..5
    std::int32_t advisory_lock_prefix = 0;
};

// Whether inserting `job` may take the advisory path, which needs a
// transaction.
bool legacy_needs_transaction(const resolved_job& job, int schema_version);

// Throws validation_error for each of `jobs` a schema of this version cannot
// store (validate_legacy_insert), naming the job's position in a batch.
void validate_legacy_jobs(std::span<const resolved_job> jobs, int schema_version, bool batch);

// One job. `savepoint`: the session is the caller's transaction; the advisory
// path runs in a savepoint, released on success and rolled back to on error
// (River 0.11's subtransaction). Without it, a job needing a transaction
// (legacy_needs_transaction) must be run inside one.
// `commits_itself`: the statement runs outside a transaction block.
op<insert_result> legacy_insert_one(session_facts facts, const legacy_target& target, const resolved_job& job,
                                    bool savepoint, bool commits_itself);

// A batch inside a transaction: results in input order.
op<std::vector<insert_result>> legacy_insert_batch(session_facts facts, const legacy_target& target,
                                                   std::span<const resolved_job> jobs);

// How many jobs a streamed batch sends per legacy_insert_batch (each unique
// job holds an advisory lock until the transaction ends).
inline constexpr std::size_t legacy_chunk_jobs = 1000;

}  // namespace riverqueue::core::ops
