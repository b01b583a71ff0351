#include <riverqueue/job_state.hpp>

namespace riverqueue {

std::string_view to_string(job_state state) noexcept {
    switch (state) {
        case job_state::available: return "available";
        case job_state::cancelled: return "cancelled";
        case job_state::completed: return "completed";
        case job_state::discarded: return "discarded";
        case job_state::pending: return "pending";
        case job_state::retryable: return "retryable";
        case job_state::running: return "running";
        case job_state::scheduled: return "scheduled";
    }
    return "unknown";
}

std::optional<job_state> job_state_from_string(std::string_view name) noexcept {
    for (job_state state : all_job_states) {
        if (to_string(state) == name) return state;
    }
    return std::nullopt;
}

}  // namespace riverqueue
