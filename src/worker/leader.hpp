// Leader election on river_leader, compatible with River Go's elector (bids
// every 5 s plus up to 1 s of jitter, a 15 s lease extended every 5 s,
// elected_at as the fencing token, resigning with a notification on stop),
// and, while leading, River's scheduler every 5 s (docs/workers.md). Only
// with worker_options::leader_election.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "core/notify_limiter.hpp"
#include "worker/producer.hpp"

namespace riverqueue::worker_runtime {

class leader {
public:
    explicit leader(runtime_context& context);
    ~leader();
    leader(const leader&) = delete;
    leader& operator=(const leader&) = delete;

    void start();
    // Resigns when leading.
    void stop();
    bool leading() const noexcept { return leading_.load(std::memory_order_acquire); }

private:
    void run(std::stop_token stop);
    bool bid();
    void keep_lease();
    void schedule();
    void rescue();
    void clean(bool queues_too);
    void resign();
    void sleep_until(std::stop_token& stop, std::chrono::steady_clock::time_point until);

    runtime_context& context_;
    core::notify_limiter limiter_;
    std::atomic<bool> leading_{false};
    std::optional<time_point> elected_at_;
    std::chrono::steady_clock::time_point lease_trusted_until_{};
    std::mutex mutex_;
    std::condition_variable_any woken_;
    std::jthread thread_;
};

}  // namespace riverqueue::worker_runtime
