// The SQL and parameters of River's insert, independent of any driver.
//
// One statement inserts a whole batch through arrays (as River Go's
// JobInsertFastMany does), upserts unique jobs against River's unique index,
// returns every row with its duplicate flag and, when asked, sends River's
// insert notifications in the same statement, so that a non-transactional
// insert is a single round trip.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/insert_params.hpp"

namespace riverqueue::core {

// How the server tells a fresh row from one returned through ON CONFLICT.
enum class duplicate_detection {
    xmax,       // PostgreSQL before 18: xmax != 0 after DO UPDATE
    returning_old,  // PostgreSQL 18 and later: OLD.id IS NOT NULL
};

duplicate_detection duplicate_detection_for_server(int server_version_num) noexcept;

// The column list every row-returning statement selects, in job_row order.
// `table` is the name or alias that qualifies each column.
std::string job_columns(std::string_view table);
inline constexpr int job_column_count = 18;

struct insert_statement {
    std::string sql;
    std::vector<std::optional<std::string>> params;  // text format
};

// Builds the insert for `jobs` (already deduplicated by unique key).
// `notify_payloads` are the payloads to send on `<schema>.river_insert`;
// empty means no notification.
insert_statement build_insert(std::string_view schema, std::span<const resolved_job* const> jobs,
                              std::span<const std::string> notify_payloads, duplicate_detection detection);

// A statement that only sends River's insert notifications for these payloads.
insert_statement build_notify(std::string_view schema, std::span<const std::string> notify_payloads);

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

// PostgreSQL text-array literal helpers (exposed for tests).
void append_array_element(std::string& out, std::string_view element);

}  // namespace riverqueue::core
