// Leader election and the leader's scheduler as operations
// (core/worker/maintenance_sql.hpp has the statements).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_row.hpp>

#include "core/ops/insert_statements.hpp"
#include "core/ops/operation.hpp"
#include "core/worker/maintenance_sql.hpp"

namespace riverqueue::core::ops {

// Bids for leadership: deletes an expired lease, then takes the lease if it
// is free. Run inside a transaction. Returns the lease's elected_at (the
// fencing token) when this client became leader.
op<std::optional<time_point>> elect_leader(session_facts facts, std::string_view schema, std::string_view leader_id);

// Extends the lease; false when it was lost.
op<bool> reelect_leader(session_facts facts, std::string_view schema, std::string_view leader_id,
                        time_point elected_at);

// Gives the lease up, telling the other clients.
op<void> resign_leader(session_facts facts, std::string_view schema, std::string_view leader_id,
                       time_point elected_at);

// One scheduler pass, inside a transaction: makes due retryable and scheduled
// jobs available (looking `look_ahead` past `now`), at most `max`, and sends
// River's insert notification for the queues of jobs due by now (through
// `due`). Returns the number of jobs moved.
op<std::size_t> schedule_jobs(session_facts facts, std::string_view schema, time_point now,
                              std::chrono::milliseconds look_ahead, int max, notify_filter due);

// River's rescuer: every running job attempted before `horizon`, page by
// page, given to `decide`, which returns its rescue (or nothing to leave it);
// returns the number rescued.
using rescue_decider = std::function<std::optional<job_rescue>(const job_row&)>;
op<std::size_t> rescue_stuck_jobs(session_facts facts, std::string_view schema, time_point horizon,
                                  rescue_decider decide);

// River's job cleaner with its default retention (cancelled and completed
// jobs 24 h after they were finalized, discarded ones 7 days); returns the
// number deleted.
op<std::size_t> clean_finalized_jobs(session_facts facts, std::string_view schema, time_point now);

// River's queue cleaner: river_queue rows not refreshed for 24 h.
op<std::size_t> clean_stale_queues(session_facts facts, std::string_view schema, time_point now);

}  // namespace riverqueue::core::ops
