// A row of `river_job`, decoded in full.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_state.hpp>

namespace riverqueue {

// One element of `river_job.errors`.
struct attempt_error {
    time_point at{};
    int attempt = 0;
    std::string error;
    std::string trace;

    bool operator==(const attempt_error&) const = default;
};

struct job_row {
    std::int64_t id = 0;
    // JSON text as PostgreSQL returns it from the jsonb column.
    std::string args;
    int attempt = 0;
    std::optional<time_point> attempted_at{};
    std::vector<std::string> attempted_by{};
    time_point created_at{};
    std::vector<attempt_error> errors{};
    std::optional<time_point> finalized_at{};
    std::string kind;
    int max_attempts = 0;
    // JSON text as PostgreSQL returns it from the jsonb column.
    std::string metadata;
    int priority = 0;
    std::string queue;
    job_state state = job_state::available;
    time_point scheduled_at{};
    std::vector<std::string> tags{};
    // 32-byte SHA-256 digest, when the job is unique.
    std::optional<std::array<std::uint8_t, 32>> unique_key{};
    // States in which another job with the same key is a duplicate.
    std::optional<std::vector<job_state>> unique_states{};

    bool operator==(const job_row&) const = default;
};

struct insert_result {
    job_row job;
    // True when a job with the same unique key already existed; `job` is then
    // that existing job and nothing was inserted.
    bool unique_skipped_as_duplicated = false;
};

}  // namespace riverqueue
