#include "core/worker/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace riverqueue::core {
namespace {

// Go's largest time.Duration (1<<63 - 1 ns), in seconds as Go's float64 holds it.
constexpr double max_duration_seconds = static_cast<double>(std::numeric_limits<std::int64_t>::max()) / 1e9;

}  // namespace

double random_retry_jitter() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    return std::uniform_real_distribution<double>(-0.1, 0.1)(random);
}

double default_retry_seconds(std::size_t error_count) noexcept {
    return std::min(std::pow(static_cast<double>(error_count), 4.0), max_duration_seconds);
}

time_point default_next_retry(time_point now, std::size_t error_count, double jitter) {
    double seconds = default_retry_seconds(error_count);
    if (seconds < max_duration_seconds) seconds = std::min(seconds + seconds * jitter, max_duration_seconds);
    // What time_point can add without overflowing: a wait of centuries is
    // "never" for a job; it lands at the clock's end rather than wrapping.
    const auto room = std::chrono::duration<double>(time_point::max() - now);
    if (seconds >= room.count()) return time_point::max();
    return now + std::chrono::duration_cast<time_point::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace riverqueue::core
