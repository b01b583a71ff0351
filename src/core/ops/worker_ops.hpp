// A worker's conversations with PostgreSQL as operations, so that the
// blocking worker runtime (src/worker) and any other transport run the same
// algorithm (core/worker/worker_sql.hpp has the statements).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_row.hpp>

#include "core/ops/operation.hpp"
#include "core/worker/job_outcome.hpp"

namespace riverqueue::core::ops {

// Claims up to `limit` jobs of `queue` (none is asked for when limit is 0).
op<std::vector<job_row>> fetch_jobs(session_facts facts, std::string_view schema, std::string_view queue, int limit,
                                    std::string_view client_id, std::optional<std::vector<std::string>> kinds);

// Writes the outcomes in one statement; returns the rows afterwards (a row
// no longer running is returned unchanged, a deleted one not at all).
op<std::vector<job_row>> complete_jobs(session_facts facts, std::string_view schema,
                                       std::span<const job_state_change> changes);

// Of `ids`, the running jobs River was asked to cancel.
op<std::vector<std::int64_t>> cancel_requested(session_facts facts, std::string_view schema,
                                               std::vector<std::int64_t> ids);

// Creates or refreshes the queue's river_queue row; returns whether it is paused.
op<bool> upsert_queue(session_facts facts, std::string_view schema, std::string_view queue);

// Whether the queue is paused (false when it has no row).
op<bool> queue_paused(session_facts facts, std::string_view schema, std::string_view queue);

}  // namespace riverqueue::core::ops
