// The statements a worker sends, with River Go v0.51.2's semantics (its
// riverpgxv5 queries JobGetAvailable, JobSetStateIfRunningMany,
// QueueCreateOrSetUpdatedAt and QueueGet), so that C++ workers and River Go
// workers can share a queue. Each row-returning statement returns
// job_columns() order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/driver.hpp>

#include "core/sql_statement.hpp"
#include "core/worker/job_outcome.hpp"

namespace riverqueue::core {

// River's cap on attempted_by: the oldest entries go once it has 100.
inline constexpr int max_attempted_by = 100;

// Claims up to `limit` available jobs of `queue` whose scheduled_at has come,
// in River's order (priority, scheduled_at, id), skipping rows another client
// holds: each becomes running, attempt + 1, attempted_at = now(), `client_id`
// appended to attempted_by. One statement that commits on its own. `kinds`
// (River's FetchOnlyKnownKinds) limits it to those kinds when given.
sql_statement fetch_jobs_statement(std::string_view schema, std::string_view queue, int limit,
                                   std::string_view client_id, const std::optional<std::vector<std::string>>& kinds,
                                   driver::result_format format);

// Writes the changes, each only to a row still `running` (but a metadata
// patch always), with River's cancel coercion (a running job with
// metadata.cancel_attempted_at asked to go available, retryable or scheduled
// is cancelled instead). Returns the rows as they are afterwards.
sql_statement complete_jobs_statement(std::string_view schema, std::span<const job_state_change> changes,
                                      driver::result_format format);

// Of `ids`, the running jobs whose cancellation River recorded
// (metadata.cancel_attempted_at): one bigint row each.
sql_statement cancel_requested_statement(std::string_view schema, std::span<const std::int64_t> ids);

// Creates the queue's river_queue row, or refreshes its updated_at; returns
// `paused_at IS NOT NULL` (one boolean row).
sql_statement upsert_queue_statement(std::string_view schema, std::string_view queue);

// Whether the queue is paused: one boolean row, none when it has no row.
sql_statement queue_paused_statement(std::string_view schema, std::string_view queue);

}  // namespace riverqueue::core
