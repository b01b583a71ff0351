#include "worker/leader.hpp"

#include <random>

#include "core/ops/maintenance_ops.hpp"
#include "core/worker/job_outcome.hpp"
#include "core/worker/retry_policy.hpp"
#include "core/worker/maintenance_sql.hpp"
#include "core/worker/rescue.hpp"
#include "worker/run_operation.hpp"

namespace riverqueue::worker_runtime {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// River's scheduler: every 5 s, batches of 10,000, 5 s look-ahead.
constexpr int schedule_batch = 10'000;
// River's rescuer and job cleaner every 30 s, queue cleaner every hour.
constexpr auto rescue_interval = 30s;
constexpr auto clean_interval = 30s;
constexpr auto queue_clean_interval = 1h;


std::chrono::milliseconds follower_jitter() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 999)(random));
}

}  // namespace

leader::leader(runtime_context& context) : context_(context), limiter_(std::chrono::milliseconds(100)) {}

leader::~leader() { stop(); }

void leader::start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

void leader::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    woken_.notify_all();
    thread_.join();
}

void leader::sleep_until(std::stop_token& stop, steady::time_point until) {
    std::unique_lock lock(mutex_);
    woken_.wait_until(lock, stop, until, [] { return false; });
}

void leader::run(std::stop_token stop) {
    steady::time_point next_schedule{};
    steady::time_point next_reelect{};
    steady::time_point next_rescue{};
    steady::time_point next_clean{};
    steady::time_point next_queue_clean{};
    while (!stop.stop_requested()) {
        if (!leading()) {
            if (bid()) {
                // Each service runs at once, then at its interval.
                next_schedule = next_rescue = next_clean = next_queue_clean = steady::now();
                next_reelect = steady::now() + core::leader_elect_interval;
                continue;
            }
            sleep_until(stop, steady::now() + core::leader_elect_interval + follower_jitter());
            continue;
        }
        const auto now = steady::now();
        if (now >= next_schedule) {
            schedule();
            next_schedule = steady::now() + core::scheduler_interval;
        }
        if (now >= next_rescue) {
            rescue();
            next_rescue = steady::now() + rescue_interval;
        }
        if (now >= next_clean) {
            const bool queues_too = now >= next_queue_clean;
            clean(queues_too);
            next_clean = steady::now() + clean_interval;
            if (queues_too) next_queue_clean = steady::now() + queue_clean_interval;
        }
        if (now >= next_reelect) {
            keep_lease();
            next_reelect = steady::now() + core::leader_elect_interval;
        }
        sleep_until(stop, std::min({next_schedule, next_reelect, next_rescue, next_clean}));
    }
    if (leading()) resign();
}

bool leader::bid() {
    try {
        const auto started = steady::now();
        const auto elected = run_operation<std::optional<time_point>>(
            *context_.sessions, true, [&](const core::ops::session_facts& facts) {
                return core::ops::elect_leader(facts, context_.options.schema, context_.client_id);
            });
        if (!elected) return false;
        elected_at_ = elected;
        lease_trusted_until_ = started + core::leader_ttl - 1s;
        leading_.store(true, std::memory_order_release);
        return true;
    } catch (const std::exception& e) {
        if (context_.options.on_error) context_.options.on_error(e);
        return false;
    }
}

void leader::keep_lease() {
    const auto started = steady::now();
    try {
        const bool kept = run_operation<bool>(*context_.sessions, false, [&](const core::ops::session_facts& facts) {
            return core::ops::reelect_leader(facts, context_.options.schema, context_.client_id, *elected_at_);
        });
        if (kept) {
            lease_trusted_until_ = started + core::leader_ttl - 1s;
            return;
        }
    } catch (const std::exception& e) {
        if (context_.options.on_error) context_.options.on_error(e);
        // Still leader while the lease surely holds; then step down.
        if (steady::now() < lease_trusted_until_) return;
    }
    // Lost (another client holds it, or it expired): step down without resigning.
    leading_.store(false, std::memory_order_release);
    elected_at_.reset();
}

void leader::schedule() {
    try {
        std::size_t moved = 0;
        do {
            moved = run_operation<std::size_t>(*context_.sessions, true, [&](const core::ops::session_facts& facts) {
                return core::ops::schedule_jobs(
                    facts, context_.options.schema, riverqueue::now(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(core::scheduler_interval), schedule_batch,
                    [this](const std::vector<std::string>& queues) { return limiter_.take(queues, steady::now()); });
            });
        } while (moved == static_cast<std::size_t>(schedule_batch) && leading());
    } catch (const std::exception& e) {
        if (context_.options.on_error) context_.options.on_error(e);
    }
}

void leader::rescue() {
    const time_point now = riverqueue::now();
    const auto horizon = now - context_.options.rescue_stuck_jobs_after;
    try {
        run_operation<std::size_t>(*context_.sessions, false, [&](const core::ops::session_facts& facts) {
            return core::ops::rescue_stuck_jobs(
                facts, context_.options.schema, horizon, [&](const job_row& job) -> std::optional<core::job_rescue> {
                    const worker* found = context_.registry.find(job.kind);
                    std::chrono::milliseconds timeout = found != nullptr ? found->timeout(job) : std::chrono::milliseconds{0};
                    if (timeout.count() == 0) timeout = context_.options.job_timeout;
                    const auto decision = core::decide_rescue(job, found != nullptr, timeout,
                                                              found != nullptr ? found->next_retry(job) : std::nullopt,
                                                              now, core::random_retry_jitter());
                    if (decision.what == core::rescue_decision::kind::leave) return std::nullopt;
                    core::job_rescue rescue;
                    rescue.id = job.id;
                    rescue.error = decision.error;
                    rescue.scheduled_at = job.scheduled_at;  // kept, except for a retry
                    switch (decision.what) {
                        case core::rescue_decision::kind::cancel:
                            rescue.state = "cancelled";
                            rescue.finalized_at = now;
                            break;
                        case core::rescue_decision::kind::discard:
                            rescue.state = "discarded";
                            rescue.finalized_at = now;
                            break;
                        default:
                            rescue.state = "retryable";
                            rescue.scheduled_at = decision.retry_at;
                    }
                    return rescue;
                });
        });
    } catch (const std::exception& e) {
        if (context_.options.on_error) context_.options.on_error(e);
    }
}

void leader::clean(bool queues_too) {
    try {
        const time_point now = riverqueue::now();
        run_operation<std::size_t>(*context_.sessions, false, [&](const core::ops::session_facts& facts) {
            return core::ops::clean_finalized_jobs(facts, context_.options.schema, now);
        });
        if (queues_too) {
            run_operation<std::size_t>(*context_.sessions, false, [&](const core::ops::session_facts& facts) {
                return core::ops::clean_stale_queues(facts, context_.options.schema, now);
            });
        }
    } catch (const std::exception& e) {
        if (context_.options.on_error) context_.options.on_error(e);
    }
}

void leader::resign() {
    // River tries three times; the lease expires on its own otherwise.
    for (int attempt = 0; attempt < 3; ++attempt) {
        try {
            run_operation<bool>(*context_.sessions, false, [&](const core::ops::session_facts& facts) -> core::ops::op<bool> {
                co_await core::ops::resign_leader(facts, context_.options.schema, context_.client_id, *elected_at_);
                co_return true;
            });
            break;
        } catch (const std::exception& e) {
            if (context_.options.on_error) context_.options.on_error(e);
        }
    }
    leading_.store(false, std::memory_order_release);
    elected_at_.reset();
}

}  // namespace riverqueue::worker_runtime
