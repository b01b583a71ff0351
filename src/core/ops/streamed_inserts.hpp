// Batches of any size in one transaction with bounded memory, as operations.
// Both take jobs one at a time from a job_source and send them in chunks:
//   insert_fast: non-unique jobs through one open COPY (when the transport can
//     COPY; otherwise through the batch insert); unique jobs held back and sent
//     through the unique-aware insert, since COPY cannot skip duplicates.
//   insert_chunked: every job through the unique-aware insert, handing each
//     row back as soon as it is known.
// Neither sends notifications: the caller does, once the batch is in.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <riverqueue/job_row.hpp>

#include "core/insert_sql.hpp"
#include "core/ops/insert_statements.hpp"

namespace riverqueue::core::ops {

struct fast_insert_plan {
    std::string_view schema;
    // Unique jobs (and, without COPY, plain ones) go through this.
    batch_insert statements;
    // copy_column bits sent even when at their default: for columns an old
    // schema gives no default (core/copy_format.hpp).
    unsigned always_columns = 0;
};

struct fast_insert_outcome {
    std::size_t inserted = 0;  // rows inserted (duplicates of existing unique jobs not counted)
    notify_queue_set notify;   // the queues the batch's jobs need notified
};

// Runs inside a transaction: all or nothing is the transaction's.
op<fast_insert_outcome> insert_fast(session_facts facts, fast_insert_plan plan, job_source next);

using result_handler = std::function<void(std::size_t index, const insert_result&)>;

struct chunked_insert_outcome {
    std::size_t jobs = 0;
    notify_queue_set notify;
};

// Sends the jobs in chunks of `chunk_jobs` through `send`, handing each row to
// `on_result` (which may be empty) with the job's position.
op<chunked_insert_outcome> insert_chunked(batch_insert send, std::size_t chunk_jobs, job_source next,
                                          result_handler on_result);

// Jobs per chunk of River's current scheme's streamed insert.
inline constexpr std::size_t insert_chunk_jobs = 5000;

}  // namespace riverqueue::core::ops
