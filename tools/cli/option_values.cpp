#include "option_values.hpp"

#include <cmath>

#include <riverqueue/time.hpp>

#include "usage_error.hpp"

namespace riverqueue::cli {

time_point time_from_rfc3339(std::string_view text, std::string_view field) {
    const auto parsed = parse_rfc3339(text);
    if (!parsed) {
        throw usage_error(std::string(field) + ": not an RFC 3339 time (like 2026-01-02T03:04:05Z): \"" +
                          std::string(text) + "\"");
    }
    return *parsed;
}

std::chrono::nanoseconds unique_period_from_seconds(double seconds) {
    // Beyond ~292 years the nanosecond count no longer fits.
    constexpr double max_seconds = 9.2e9;
    if (!std::isfinite(seconds) || std::fabs(seconds) > max_seconds) {
        throw usage_error("unique_opts.by_period: not a usable number of seconds");
    }
    const std::chrono::nanoseconds period(std::llround(seconds * 1e9));
    // Zero would silently mean "no period" to the library.
    if (period.count() == 0) throw usage_error("unique_opts.by_period: must be at least one second");
    return period;
}

std::vector<job_state> job_states_from_names(const std::vector<std::string>& names) {
    std::vector<job_state> states;
    for (const auto& name : names) {
        const auto state = job_state_from_string(name);
        if (!state) throw usage_error("unique_opts.by_state: unknown state \"" + name + "\"");
        states.push_back(*state);
    }
    return states;
}

}  // namespace riverqueue::cli
