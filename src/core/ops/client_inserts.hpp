// The clients' inserts as operations, for every schema version: what
// riverqueue::client runs on its sessions and riverqueue::async_client on its
// pipelines, so that both insert exactly the same rows the same way.
//
// Each takes the schema version the client probed (probe_schema_version):
// versions 2 to 5 are inserted into as River 0.11 did (legacy_inserts.hpp),
// others through River's current statements (insert_statements.hpp).
// Notifications go out in the same transaction as the rows, as River does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <riverqueue/insert_many.hpp>
#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "core/ops/insert_statements.hpp"
#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

struct insert_context {
    std::string_view schema;
    int schema_version = 0;  // as probed
    std::int32_t advisory_lock_prefix = 0;
    notify_filter due;  // never empty
};

// Whether inserting `job` on its own needs a transaction block of the
// client's (the legacy advisory path); otherwise it is one statement that
// commits itself.
bool single_insert_needs_transaction(const insert_context& context, const resolved_job& job);
// Whether a batch needs one (the legacy scheme's several statements).
bool batch_insert_needs_transaction(const insert_context& context);

// Throws validation_error when the schema cannot store the jobs (only old
// schemas refuse some), before anything is sent.
void check_storable(const insert_context& context, std::span<const resolved_job> jobs, bool batch);

// One job. `caller_transaction`: the session is the caller's transaction
// (the legacy advisory path then runs in a savepoint). `commits_itself`: no
// transaction block is open.
op<insert_result> insert_one(session_facts facts, const insert_context& context, const resolved_job& job,
                             bool caller_transaction, bool commits_itself);

// A batch, all or nothing, one result per job in input order. Jobs of the
// batch sharing a unique key are inserted once.
op<std::vector<insert_result>> insert_batch(session_facts facts, const insert_context& context,
                                            std::span<const resolved_job> jobs, bool commits_itself);

// A streamed batch inside a transaction, rows handed to `on_result` (may be
// empty) as soon as they are known. Old schemas check each job as it comes.
op<insert_many_summary> insert_streamed(session_facts facts, const insert_context& context, job_source next,
                                        insert_result_handler on_result);

// The bulk fast path inside a transaction (COPY where the transport can);
// returns the rows inserted.
op<std::size_t> insert_bulk(session_facts facts, const insert_context& context, job_source next);

// The jobs of a batch resolved one at a time as the operation takes them
// (core::resolve_insert_at, so a bad job's error names its position). The
// source throws validation_error when the batch turns out empty. The span or
// generator must outlive the source.
job_source resolving(std::span<const insert_many_params> jobs, insert_defaults defaults, time_point now);
job_source resolving(const job_generator& next, insert_defaults defaults, time_point now);

}  // namespace riverqueue::core::ops
