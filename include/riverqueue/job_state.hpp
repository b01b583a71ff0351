// River's job states, as stored in the `river_job_state` enum.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace riverqueue {

enum class job_state {
    available,
    cancelled,
    completed,
    discarded,
    pending,
    retryable,
    running,
    scheduled,
};

// Every state, in the order of the enum above (which is also name order).
inline constexpr std::array<job_state, 8> all_job_states = {
    job_state::available, job_state::cancelled, job_state::completed, job_state::discarded,
    job_state::pending,   job_state::retryable, job_state::running,   job_state::scheduled,
};

// The name River uses for a state, e.g. "available".
std::string_view to_string(job_state state) noexcept;

// Parses a state name; std::nullopt for an unknown name.
std::optional<job_state> job_state_from_string(std::string_view name) noexcept;

}  // namespace riverqueue
