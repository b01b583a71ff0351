// The SQL and parameters of River's insert, independent of any driver.
//
// One statement inserts a whole batch through arrays (as River Go's
// JobInsertFastMany does), upserts unique jobs against River's unique index,
// returns every row with its duplicate flag and, when asked, sends River's
// insert notifications in the same statement, so that a non-transactional
// insert is a single round trip.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <riverqueue/driver.hpp>

#include "core/insert_params.hpp"
#include "core/job_columns.hpp"
#include "core/sql_statement.hpp"
#include "core/sql_literals.hpp"

namespace riverqueue::core {

// How the server tells a fresh row from one returned through ON CONFLICT.
enum class duplicate_detection {
    xmax,       // PostgreSQL before 18: xmax != 0 after DO UPDATE
    returning_old,  // PostgreSQL 18 and later: OLD.id IS NOT NULL
};

duplicate_detection duplicate_detection_for_server(int server_version_num) noexcept;

// Args at least this large are not sent back by a single-row insert when the
// server's text of them has the SHA-256 of the client's rendering of that text
// (core/jsonb_text.hpp): the statement selects NULL in their place, and
// assemble_results puts the rendering there. Receiving a value costs three
// copies of it (libpq's buffer, the PGresult, the decoded string); rendering
// costs one. Below this size receiving is cheaper than hashing on both sides.
inline constexpr std::size_t returned_args_digest_bytes = std::size_t{1} << 20;

// Whether build_insert's statement for these jobs may return NULL args.
bool elides_returned_args(std::span<const resolved_job* const> to_send) noexcept;

// How a batch's column arrays are sent: as text array literals (any driver)
// or in PostgreSQL's binary array format (a session whose
// takes_binary_params() is true), which neither side has to quote or parse.
enum class param_encoding { text, binary };

// Builds the insert for `jobs` (already deduplicated by unique key), sending
// River's insert notification on `<schema>.river_insert` for each of
// `notify_queues` in the same statement; empty means no notification. One job goes as a single-row INSERT ... VALUES
// (the server parses no arrays); a batch without unique jobs has no
// ON CONFLICT clause (a row without unique_key cannot conflict). Large args of
// a single row come back as described above.
sql_statement build_insert(std::string_view schema, std::span<const resolved_job* const> jobs,
                              std::span<const std::string> notify_queues, duplicate_detection detection,
                              driver::result_format format = driver::result_format::binary,
                              param_encoding encoding = param_encoding::text);

// A statement that only sends River's insert notifications for these queues.
sql_statement build_notify(std::string_view schema, std::span<const std::string> notify_queues);

// River's payload for a queue: {"queue": "<queue>"}.
std::string insert_notification_payload(std::string_view queue);

// Distinct queues of `available` jobs, in first-seen order: the queues River
// notifies for. Jobs can be added one at a time, for streamed batches.
class notify_queue_set {
public:
    void add(const resolved_job& job);
    const std::vector<std::string>& queues() const noexcept { return queues_; }

private:
    std::vector<std::string> queues_;
};

std::vector<std::string> queues_to_notify(std::span<const resolved_job> jobs);

// The parameters of one job's columns, in the order args, created_at, kind,
// max_attempts, metadata, priority, queue, scheduled_at, state, tags: one
// value each for a single-row insert ...
std::vector<driver::param> job_value_params(const resolved_job& job);
// ... or one array each for a batch, followed by unique_key and unique_states
// arrays when `with_unique_columns`.
std::vector<driver::param> job_array_params(std::span<const resolved_job* const> jobs,
                                                         bool with_unique_columns);

}  // namespace riverqueue::core
