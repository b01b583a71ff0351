// Values of job options as the tool reads them, from flags and from JSON
// Lines alike, so that both report a bad value the same way. Each throws
// usage_error naming the field; the library checks the rest.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_state.hpp>

namespace riverqueue::cli {

// An RFC 3339 time such as 2026-01-02T03:04:05Z, for `field` (scheduled_at, now).
time_point time_from_rfc3339(std::string_view text, std::string_view field);

// `--unique-by-period 3600` / `"by_period": 3600`, in seconds. The library
// checks that it is at least one second.
std::chrono::nanoseconds unique_period_from_seconds(double seconds);

// State names such as "available".
std::vector<job_state> job_states_from_names(const std::vector<std::string>& names);

}  // namespace riverqueue::cli
