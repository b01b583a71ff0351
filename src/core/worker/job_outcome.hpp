// What a worked job's outcome changes in its row, decided as River Go's job
// executor decides it (v0.51.2, internal/jobexecutor/job_executor.go
// reportResult and reportError): the state change the completer then writes
// through River's guarded statement (worker_sql.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <riverqueue/job_row.hpp>
#include <riverqueue/job_state.hpp>

#include "core/time_format.hpp"

namespace riverqueue::core {

// River's JobSchedulerIntervalDefault: a retry or snooze due within it makes
// the job available at once (with a future scheduled_at) rather than waiting
// for the scheduler.
inline constexpr std::chrono::seconds scheduler_interval{5};

struct job_result {
    enum class kind {
        completed,    // the worker returned
        failed,       // the worker threw (or the kind has no worker, or the job timed out)
        snoozed,      // job_snooze: run again after `snooze`, attempt not used up
        cancelled,    // job_cancel: finalized as cancelled, the error recorded
        interrupted,  // the client's stop cancelled the job and it gave up: available again
    };
    kind what = kind::completed;
    std::string error;  // failed, cancelled: the error text recorded in errors[]
    std::string trace;  // failed: empty unless the worker crashed
    std::chrono::nanoseconds snooze{0};
    // failed: the worker's own next retry time (River's Worker.NextRetry), if any.
    std::optional<time_point> next_retry;
    // A JSON object merged into the row's metadata (`||`), or empty.
    std::string metadata_updates;
};

// One row's change, in JobSetStateIfRunningMany's terms: columns left unset
// keep their value.
struct job_state_change {
    std::int64_t id = 0;
    job_state state = job_state::completed;
    std::optional<int> attempt;
    std::optional<std::string> error;  // one errors[] element (attempt_error_json)
    std::optional<time_point> finalized_at;
    std::optional<std::string> metadata_patch;
    std::optional<time_point> scheduled_at;
};

// `job`: the row as fetched (attempt already incremented); `started`: when
// the attempt started (the errors[] element's `at`); `now`: the worker's
// clock when the outcome is known; `jitter`: uniform in [-0.1, 0.1), for the
// default retry policy.
job_state_change decide_state_change(const job_row& job, const job_result& result, go_time started,
                                     time_point now, double jitter);

// River's metadata.snoozes after one more snooze: the current integer value
// plus one (1 when absent or not a number).
std::int64_t next_snooze_count(std::string_view metadata);

}  // namespace riverqueue::core
