// At most one insert notification per queue per cooldown, as River Go's
// client limits itself (FetchCooldown, 100 ms by default): producers fetch no
// more often than that anyway, so more notifications only add load.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace riverqueue::core {

class notify_limiter {
public:
    using clock = std::chrono::steady_clock;

    explicit notify_limiter(std::chrono::milliseconds cooldown) : cooldown_(cooldown) {}

    // The queues among `queues` that may be notified now; records them as sent.
    // Thread-safe.
    std::vector<std::string> take(const std::vector<std::string>& queues, clock::time_point now);

private:
    std::chrono::milliseconds cooldown_;
    std::mutex mutex_;
    std::unordered_map<std::string, clock::time_point> last_sent_;
};

}  // namespace riverqueue::core
