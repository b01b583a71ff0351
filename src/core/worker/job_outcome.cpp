#include "core/worker/job_outcome.hpp"

#include <charconv>
#include <cmath>

#include "core/json.hpp"
#include "core/worker/attempt_error.hpp"
#include "core/worker/retry_policy.hpp"

namespace riverqueue::core {
namespace {

// Adds `member` ("name":value) to a compact JSON object text (empty: none yet).
std::string with_member(std::string object, std::string_view member) {
    if (object.empty()) object = "{}";
    object.pop_back();  // the closing brace
    if (object.size() > 1) object += ',';
    object.append(member);
    object += '}';
    return object;
}

}  // namespace

std::int64_t next_snooze_count(std::string_view metadata) {
    // As gjson's Int() reads it: an integer, or a number truncated towards
    // zero; anything else counts as 0.
    try {
        const json::value parsed = json::parse(metadata);
        if (const json::value* snoozes = parsed.find("snoozes");
            snoozes != nullptr && snoozes->type == json::value_type::number) {
            std::int64_t value = 0;
            const char* end = snoozes->text.data() + snoozes->text.size();
            if (auto [ptr, ec] = std::from_chars(snoozes->text.data(), end, value); ec == std::errc() && ptr == end) {
                return value + 1;
            }
            const double real = std::strtod(snoozes->text.c_str(), nullptr);
            if (std::isfinite(real) && std::fabs(real) < 9.2e18) return static_cast<std::int64_t>(real) + 1;
        }
    } catch (const json::parse_error&) {
    }
    return 1;
}

job_state_change decide_state_change(const job_row& job, const job_result& result, go_time started,
                                     time_point now, double jitter) {
    job_state_change change;
    change.id = job.id;
    if (!result.metadata_updates.empty() && result.metadata_updates != "{}") {
        change.metadata_patch = result.metadata_updates;
    }
    const auto available_or = [&](time_point at, job_state later) {
        return at - now <= scheduler_interval ? job_state::available : later;
    };
    switch (result.what) {
        case job_result::kind::snoozed: {
            const time_point at = now + std::chrono::duration_cast<time_point::duration>(result.snooze);
            change.state = available_or(at, job_state::scheduled);
            change.attempt = job.attempt - 1;
            change.scheduled_at = at;
            change.metadata_patch = with_member(change.metadata_patch.value_or(""),
                                                "\"snoozes\":" + std::to_string(next_snooze_count(job.metadata)));
            return change;
        }
        case job_result::kind::completed:
            change.state = job_state::completed;
            change.finalized_at = now;
            return change;
        case job_result::kind::interrupted:
            change.state = job_state::available;
            change.attempt = job.attempt > 0 ? job.attempt - 1 : 0;
            change.scheduled_at = now;
            return change;
        case job_result::kind::cancelled:
        case job_result::kind::failed:
            break;
    }
    // River Go's executor writes its own clock, with the local offset.
    change.error = attempt_error_json(started, job.attempt, result.error, result.trace, true);
    if (result.what == job_result::kind::cancelled) {
        change.state = job_state::cancelled;
        change.finalized_at = now;
        return change;
    }
    if (job.attempt >= job.max_attempts) {
        change.state = job_state::discarded;
        change.finalized_at = now;
        return change;
    }
    // The worker's time if it gave one and it is not in the past; River's
    // default policy otherwise, counting this failure.
    time_point retry_at = result.next_retry.value_or(time_point{});
    if (!result.next_retry || retry_at < now) retry_at = default_next_retry(now, job.errors.size() + 1, jitter);
    change.state = available_or(retry_at, job_state::retryable);
    change.scheduled_at = retry_at;
    return change;
}

}  // namespace riverqueue::core
