// The statements of leader election and of the leader's scheduler, with River
// Go v0.51.2's semantics (riverpgxv5's LeaderDeleteExpired,
// LeaderAttemptElect, LeaderAttemptReelect, LeaderResign and JobSchedule), so
// that a mixed fleet elects one leader on `river_leader`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <riverqueue/driver.hpp>
#include <riverqueue/insert_opts.hpp>

#include "core/sql_statement.hpp"

namespace riverqueue::core {

// River's election constants: a bid every 5 s, a lease of 15 s.
inline constexpr std::chrono::seconds leader_elect_interval{5};
inline constexpr std::chrono::seconds leader_ttl{15};

// Deletes an expired lease (run before the bid, in the same transaction).
sql_statement leader_delete_expired_statement(std::string_view schema);
// Takes the lease if nobody holds it: returns one row (elected_at, as a
// timestamptz in the driver's format: job_columns()'s text form for text)
// when this client became leader, none otherwise.
sql_statement leader_elect_statement(std::string_view schema, std::string_view leader_id,
                                     driver::result_format format);
// Extends the lease held since `elected_at` (the fencing token, exactly as
// returned): one row while still leader, none when the lease was lost.
sql_statement leader_reelect_statement(std::string_view schema, std::string_view leader_id, time_point elected_at);
// Gives the lease up and tells the others (River's `resigned` notification
// on `<schema>.river_leadership`).
sql_statement leader_resign_statement(std::string_view schema, std::string_view leader_id, time_point elected_at);

// Makes up to `max` retryable and scheduled jobs due by `horizon` available
// (River's scheduler looks 5 s ahead); a unique job whose key a live row
// holds, or a later one of the batch sharing a key, is discarded instead
// (metadata.unique_key_conflict = "scheduler_discarded"). Returns
// (queue text, scheduled_at, discarded boolean) per job moved.
sql_statement schedule_jobs_statement(std::string_view schema, time_point horizon, int max,
                                      driver::result_format format);

// Running jobs attempted before `horizon`, by id after `after_id`, at most
// `max` (job_columns() rows).
sql_statement stuck_jobs_statement(std::string_view schema, std::int64_t after_id, time_point horizon, int max,
                                   driver::result_format format);

struct job_rescue {
    std::int64_t id = 0;
    std::string error;                       // appended to errors
    std::optional<time_point> finalized_at;  // cancel, discard
    time_point scheduled_at{};               // retry: when; otherwise the row's own
    std::string state;
};

// Applies the rescues to rows still running and attempted before `horizon`,
// counting metadata."river:rescue_count" up.
sql_statement rescue_jobs_statement(std::string_view schema, std::span<const job_rescue> rescues, time_point horizon);

// River's job cleaner: deletes at most `max` cancelled and completed jobs
// finalized before `finalized_before` and discarded ones before
// `discarded_before`.
sql_statement delete_finalized_jobs_statement(std::string_view schema, time_point finalized_before,
                                              time_point discarded_before, int max);

// River's queue cleaner: deletes river_queue rows not refreshed since `before`.
sql_statement delete_stale_queues_statement(std::string_view schema, time_point before, int max);

}  // namespace riverqueue::core
