#include "core/notify_limiter.hpp"

namespace riverqueue::core {

std::vector<std::string> notify_limiter::take(const std::vector<std::string>& queues, clock::time_point now) {
    if (cooldown_.count() <= 0) return queues;
    std::vector<std::string> allowed;
    std::lock_guard lock(mutex_);
    for (const auto& queue : queues) {
        const auto it = last_sent_.find(queue);
        if (it != last_sent_.end() && now - it->second < cooldown_) continue;
        last_sent_[queue] = now;
        allowed.push_back(queue);
    }
    return allowed;
}

}  // namespace riverqueue::core
