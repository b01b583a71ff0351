// Splitting a batch into the rows to send and mapping the rows PostgreSQL
// returns back onto the input, so that jobs sharing a unique key within one
// batch are inserted once instead of failing the statement.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"

namespace riverqueue::core {

struct batch_plan {
    // The jobs to send, each unique key at most once, in input order.
    std::vector<const resolved_job*> to_send;
    // For each input job, the index in to_send of the row that answers it.
    std::vector<std::size_t> answered_by;
    // For each input job, whether an earlier job of the batch had its key.
    std::vector<bool> duplicate_in_batch;
};

batch_plan plan_batch(std::span<const resolved_job> jobs);

// Maps the returned rows (one per to_send, in order) onto the input. Checks
// that each row belongs to the job it is matched with, so that a change in
// PostgreSQL's row order can never hand a caller someone else's job.
std::vector<insert_result> assemble_results(const batch_plan& plan, std::vector<insert_result> returned);

}  // namespace riverqueue::core
