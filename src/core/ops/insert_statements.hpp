// The insert of River's current scheme (schema version 6 and later) as
// operations: one statement for a whole batch, and the notification alone.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

// Inserts `jobs` (all or nothing: one statement) and sends `notify_queues`'
// notifications in the same statement. One result per job, in order.
// `commits_itself`: the statement runs outside a transaction block.
op<std::vector<insert_result>> insert_jobs(session_facts facts, std::string_view schema,
                                           std::span<const resolved_job> jobs, std::vector<std::string> notify_queues,
                                           bool commits_itself);

// Sends River's insert notifications for `queues` (nothing when empty).
// `after_commit`: outside a transaction block, after rows that committed on
// their own, so that a connection lost during it still reports that the
// insert may have been committed.
op<void> send_notifications(std::string_view schema, std::vector<std::string> queues, bool after_commit = false);

// Inserts a batch with statements, all or nothing inside the transaction it
// runs in, one result per job in order: insert_jobs without notifications, or
// the legacy scheme's legacy_insert_batch.
using batch_insert = std::function<op<std::vector<insert_result>>(std::span<const resolved_job>)>;

// The queues that may be notified now, of those a batch's jobs need: the
// client's notify option and cooldown (notify_limiter) applied.
using notify_filter = std::function<std::vector<std::string>(const std::vector<std::string>&)>;

// Where a streamed batch's jobs come from, resolved and validated, one at a
// time; std::nullopt ends the batch.
using job_source = std::function<std::optional<resolved_job>()>;

}  // namespace riverqueue::core::ops
