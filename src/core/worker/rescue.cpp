#include "core/worker/rescue.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "core/worker/attempt_error.hpp"
#include "core/worker/retry_policy.hpp"

namespace riverqueue::core {
namespace {

bool cancel_requested(const std::string& metadata) {
    try {
        const json::value parsed = json::parse(metadata);
        const json::value* at = parsed.find("cancel_attempted_at");
        return at != nullptr && at->type == json::value_type::string && !at->text.empty();
    } catch (const json::parse_error&) {
        return false;
    }
}

}  // namespace

rescue_decision decide_rescue(const job_row& job, bool registered, std::chrono::milliseconds timeout,
                              std::optional<time_point> next_retry, time_point now, double jitter) {
    rescue_decision decision;
    const auto with_error = [&](rescue_decision::kind what) {
        decision.what = what;
        decision.error = attempt_error_json(now, std::max(job.attempt, 0), "Stuck job rescued by JobRescuer", "");
        return decision;
    };
    if (cancel_requested(job.metadata)) return with_error(rescue_decision::kind::cancel);
    if (!registered) return with_error(rescue_decision::kind::discard);
    // Not stuck yet for its own timeout (or it has none).
    if (timeout.count() < 0) return decision;
    if (timeout.count() > 0 && job.attempted_at && now - *job.attempted_at < timeout) return decision;
    if (job.attempt >= std::max(job.max_attempts, 0)) return with_error(rescue_decision::kind::discard);
    with_error(rescue_decision::kind::retry);
    decision.retry_at = next_retry.value_or(default_next_retry(now, job.errors.size() + 1, jitter));
    return decision;
}

}  // namespace riverqueue::core
