// What River Go's job rescuer (v0.51.2, internal/maintenance/job_rescuer.go)
// does with a job left `running` past the rescue horizon, decided without I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <riverqueue/job_row.hpp>
#include <riverqueue/job_state.hpp>

namespace riverqueue::core {

// River's RescueStuckJobsAfter default.
inline constexpr std::chrono::hours default_rescue_after{1};

struct rescue_decision {
    enum class kind { leave, cancel, discard, retry };
    kind what = kind::leave;
    time_point retry_at{};  // retry
    std::string error;      // the errors[] element to append (not for leave)
};

// `registered`: the leader has a worker for the job's kind; `timeout`: that
// worker's effective timeout (negative: none); `next_retry`: its own retry
// time, if any; `jitter` as for the default retry policy.
rescue_decision decide_rescue(const job_row& job, bool registered, std::chrono::milliseconds timeout,
                              std::optional<time_point> next_retry, time_point now, double jitter);

}  // namespace riverqueue::core
